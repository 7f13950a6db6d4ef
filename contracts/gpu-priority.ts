// How GPU jobs share the GPU task queue: the server dispatches a lower priority key first, and
// within one priority key it takes turns between fairness keys (users), so no user's backlog of
// segment jobs holds the GPU slots while another user's tasks wait behind all of it.
import type { Priority } from '@temporalio/common';

/** A short job: an unsegmented request's (a clip no longer than BING_SEGMENT_SECONDS), or a segment's action job. */
const shortJobPriority = 2;
/** A segment MOT job of a long video; 3 is also the server's default, which retraining jobs get. */
const segmentMotPriority = 3;

/** The priority of a GPU job of `userId`'s request; the workflow sets it on every GPU activity. */
export function gpuPriority(userId: string, segmentMot: boolean): Priority {
  // Short jobs go before a long match's segment MOT jobs: they are few and short, so they delay
  // the match by a few job lengths, while behind its backlog they would wait for all of it; and a
  // segment's action job, whose commentary a user is waiting for, does not queue behind the next
  // segments' MOT jobs. Users on the same key take turns; a user id is at most 64 bytes, as
  // fairness keys are.
  return { priorityKey: segmentMot ? segmentMotPriority : shortJobPriority, fairnessKey: userId };
}
