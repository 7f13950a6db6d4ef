// Every side effect BING has, built from the clients it is given.
import { createWriteCommentary } from './commentary/write-commentary';
import { createDeliveryActivities } from './deliver';
import { createRunGpuJob } from './gpu/run-gpu-job';
import type { GpuJobRunner } from './gpu/runner';
import { createIngest } from './ingest';
import type { Storage } from './storage/storage';

export interface ActivityDeps {
  storage: Storage;
  runner: GpuJobRunner;
  jobPollIntervalMs?: number;
}

export function createActivities({ storage, runner, jobPollIntervalMs = 1000 }: ActivityDeps) {
  return {
    ingestUpload: createIngest(storage),
    runGpuJob: createRunGpuJob(runner, jobPollIntervalMs),
    writeCommentary: createWriteCommentary(storage),
    ...createDeliveryActivities(storage),
  };
}

export type Activities = ReturnType<typeof createActivities>;
