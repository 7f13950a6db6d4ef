// A stand-in for the videoCommentary workflow whose progress the test sets: for the API's views of
// a running request (a long video's segments, their commentary) without running its jobs.
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';
import { progressQuery, type Progress, type VideoManifest } from '../../contracts/video-commentary';

/** Replaces the progress the workflow reports; returns once it does. */
export const reportProgress = defineUpdate<void, [Progress]>('reportProgress');
/** Ends the request: it completes with this manifest. */
export const complete = defineUpdate<void, [VideoManifest]>('complete');

export async function videoCommentary(initial: Progress): Promise<VideoManifest> {
  let progress = initial;
  let result: VideoManifest | undefined;
  setHandler(progressQuery, () => progress);
  setHandler(reportProgress, (next) => {
    progress = next;
  });
  setHandler(complete, (manifest) => {
    progress = { ...progress, stage: 'done' };
    result = manifest;
  });
  await condition(() => result !== undefined);
  return result!;
}
