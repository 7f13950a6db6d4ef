// A request's completion webhook: when the request names a callback, its end (completed, failed or
// cancelled) is posted by a durable activity that retries with backoff for up to a day. A request
// without a callback schedules nothing here, so its history is what it was before webhooks.
import { ApplicationFailure, CancellationScope, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CallbackEvent, CallbackRefusal, Progress, StageName, VideoCommentaryInput, VideoManifest } from './definitions';
import { reasonOf } from './failure-reason';

const { deliverCallback } = proxyActivities<Activities>({
  // Retries until the receiver takes the event or a day has passed: 5s, 20s, 80s, ... then every 2 hours.
  scheduleToCloseTimeout: '24 hours',
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '5s', backoffCoefficient: 4, maximumInterval: '2 hours',
    nonRetryableErrorTypes: ['CallbackRejected', 'CallbackUrlRefused', 'CallbackNotConfigured'],
  },
});

/** The refused attempt a failure carries, looked for down its causes (a timeout's cause is its last attempt's failure). */
function refusalOf(err: unknown): CallbackRefusal | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.details?.length) return e.details[0] as CallbackRefusal;
  }
  return undefined;
}

/** Marks the callback pending in the request's progress, when the request names one. */
export function initCallback(input: VideoCommentaryInput, progress: Progress): void {
  if (input.callback) progress.callback = { url: input.callback.url, state: 'pending' };
}

/**
 * Posts the request's end to its callback and records the outcome in its progress; never throws,
 * and runs to its end even while the request is being cancelled.
 */
export async function sendCallback(
  input: VideoCommentaryInput, progress: Progress, end: { status: 'completed'; manifest: VideoManifest } | { status: 'failed' | 'cancelled'; stage: StageName },
): Promise<void> {
  const target = input.callback;
  const callback = progress.callback;
  if (!target || !callback) return;
  callback.state = 'delivering';
  const event: CallbackEvent = {
    type: `video.${end.status}`,
    timestamp: new Date().toISOString(),
    data: {
      videoId: progress.videoId, userId: progress.userId, run: progress.run, statusUrl: target.statusUrl,
      ...(end.status === 'completed'
        ? { status: end.status, stage: 'done', manifestKey: progress.manifestKey, results: end.manifest.results }
        : { status: end.status, stage: end.stage, error: progress.error }),
    },
  };
  await CancellationScope.nonCancellable(async () => {
    try {
      const delivery = await deliverCallback({ url: target.url, id: `msg_${workflowInfo().runId}`, event });
      Object.assign(callback, { state: 'delivered', attempts: delivery.attempts, lastStatus: delivery.status });
    } catch (err) {
      const refusal = refusalOf(err);
      Object.assign(callback, { state: 'failed', attempts: refusal?.attempt, lastStatus: refusal?.status, error: reasonOf(err) });
      log.warn('completion webhook not delivered', { videoId: progress.videoId, url: target.url, error: callback.error });
    }
  });
}
