// Every side effect BING has, built from the clients it is given.
import { createWriteCommentary } from './commentary/write-commentary';
import { createDeliveryActivities } from './deliver';
import { createRunGpuJob, type JobPolling } from './gpu/run-gpu-job';
import type { GpuJobRunner } from './gpu/runner';
import { createIngest } from './ingest';
import type { Storage } from './storage/storage';

export interface ActivityDeps {
  storage: Storage;
  runner: GpuJobRunner;
  jobPolling?: JobPolling;
}

export function createActivities({ storage, runner, jobPolling = { intervalMs: 1000 } }: ActivityDeps) {
  return {
    ingestUpload: createIngest(storage),
    runGpuJob: createRunGpuJob(runner, jobPolling),
    writeCommentary: createWriteCommentary(storage),
    ...createDeliveryActivities(storage),
  };
}

export type Activities = ReturnType<typeof createActivities>;
