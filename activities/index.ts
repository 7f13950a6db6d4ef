// Every side effect BING has, built from the clients it is given.
import { createCommentator, type CommentarySettings } from './commentary/commentator';
import { createSpeakCommentary } from './commentary/speak-commentary';
import { createSpeakLines } from './commentary/speak-lines';
import { createSpeaker, type SpeechSettings } from './commentary/speech';
import { createWriteCommentary } from './commentary/write-commentary';
import { createCallbackActivities, type CallbackSettings } from './callbacks';
import { createDeliveryActivities } from './deliver';
import { createRunGpuJob, type JobPolling } from './gpu/run-gpu-job';
import type { GpuJobRunner } from './gpu/runner';
import { createIngest } from './ingest';
import { createModelActivities } from './models';
import { createRetrainingActivities } from './retraining';
import { createAssembleSegments } from './segments/assemble';
import { createStitchSegment } from './segments/stitch';
import type { Storage } from './storage/storage';

export interface ActivityDeps {
  storage: Storage;
  runner: GpuJobRunner;
  jobPolling?: JobPolling;
  /** GPU jobs one user's requests may run at once (BING_USER_GPU_JOBS); unset, no limit. */
  userGpuJobs?: number;
  commentary?: CommentarySettings;
  speech?: SpeechSettings;
  callbacks?: CallbackSettings;
}

export function createActivities({ storage, runner, jobPolling = { intervalMs: 1000 }, userGpuJobs, commentary, speech, callbacks }: ActivityDeps) {
  return {
    ingestUpload: createIngest(storage),
    runGpuJob: createRunGpuJob(runner, jobPolling, userGpuJobs),
    writeCommentary: createWriteCommentary(storage, createCommentator(commentary)),
    stitchSegment: createStitchSegment(storage),
    assembleSegments: createAssembleSegments(storage),
    speakLines: createSpeakLines(storage, createSpeaker(speech)),
    speakCommentary: createSpeakCommentary(storage, createSpeaker(speech)),
    ...createDeliveryActivities(storage),
    ...createCallbackActivities(callbacks),
    ...createModelActivities(storage),
    ...createRetrainingActivities(storage),
  };
}

export type Activities = ReturnType<typeof createActivities>;
