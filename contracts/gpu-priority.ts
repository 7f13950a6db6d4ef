// How GPU jobs share the GPU task queue: the server dispatches a lower priority key first, and
// within one priority key it takes turns between fairness keys (users), so no user's backlog of
// segment jobs holds the GPU slots while another user's tasks wait behind all of it.
import type { Priority } from '@temporalio/common';

/** An unsegmented request: a clip no longer than BING_SEGMENT_SECONDS, a couple of jobs. */
const shortRequestPriority = 2;
/** A segment job of a long video; 3 is also the server's default, which retraining jobs get. */
const segmentPriority = 3;

/** The priority of a GPU job of `userId`'s request; the workflow sets it on every GPU activity. */
export function gpuPriority(userId: string, segmented: boolean): Priority {
  // A short request's jobs go before a long match's segment jobs: they are few and short, so they
  // delay the match by a few job lengths, while behind the match's backlog they would wait for all
  // of it. Users on the same key take turns; a user id is at most 64 bytes, as fairness keys are.
  return { priorityKey: segmented ? segmentPriority : shortRequestPriority, fairnessKey: userId };
}
