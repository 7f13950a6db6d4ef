// BING's workflow-side metrics, through the SDK's workflow metric meter: the worker's Core runtime
// exports them beside its own temporal_ metrics, and the SDK emits nothing while a workflow replays,
// so a request is counted once however often its history is replayed. Metrics never touch history.
import { ActivityFailure, ApplicationFailure, isCancellation, metricMeter, TimeoutFailure } from '@temporalio/workflow';
import type { StageName } from '../contracts/video-commentary';
import type { RetrainingOutcome } from '../contracts/retraining';

/** Bucket bounds (seconds) of the stage histogram, for the worker's Runtime.install. */
export const stageSecondsBuckets = { bing_stage_seconds: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600] };

export const requestStarted = () => metricMeter.createCounter('bing_requests_started', undefined, 'Video requests started (runs)').add(1);

export const stageDone = (stage: StageName, seconds: number) =>
  metricMeter.createHistogram('bing_stage_seconds', 'float', 's', 'Seconds a video request spent in a stage that succeeded').record(seconds, { stage });

export const requestCompleted = () => metricMeter.createCounter('bing_requests_completed', undefined, 'Video requests that delivered their results').add(1);

export const requestFailed = (stage: StageName, err: unknown) =>
  metricMeter.createCounter('bing_requests_failed', undefined, 'Video requests that ended early, by the stage they were in and the failure type')
    .add(1, { stage, reason: failureType(err) });

export const retrainingOutcome = (kind: string, outcome: RetrainingOutcome) =>
  metricMeter.createCounter('bing_retraining_outcomes', undefined, 'Weight files by what retraining made of them').add(1, { kind, result: outcome.result });

/**
 * A bounded label for a failure (its message may name files and numbers): the application failure's
 * type (BadInput, JobFailed, UploadTimeout, ...), `cancelled`, `timeout`, or `error`.
 */
function failureType(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  let e: unknown = err;
  while (e instanceof ActivityFailure && e.cause) e = e.cause;
  if (e instanceof ApplicationFailure && e.type) return e.type;
  if (e instanceof TimeoutFailure) return 'timeout';
  return 'error';
}
