// A request's completion webhook: when the request names a callback, its end (completed, failed or
// cancelled) is posted by its own completionCallback workflow, which the request starts as it ends
// and abandons: the request is final at once, while the delivery retries with backoff for up to a
// day. A request without a callback starts nothing here, so its history is what it was before webhooks.
import {
  ApplicationFailure, CancellationScope, log, ParentClosePolicy, proxyActivities, setWorkflowOptions, startChild, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  callbackWorkflowId,
  type CallbackDeliveryInput, type CallbackEvent, type CallbackProgress, type CallbackRefusal, type Progress, type StageName,
  type VideoCommentaryInput, type VideoManifest,
} from '../contracts/video-commentary';
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

// A delivery may retry for a day: it moves to the deployment's current version, so an old version drains meanwhile.
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, completionCallback);

/** Posts one event to its receiver and resolves with the delivery's outcome: delivered, or failed with the reason. */
export async function completionCallback({ url, id, event }: CallbackDeliveryInput): Promise<CallbackProgress> {
  try {
    const delivery = await deliverCallback({ url, id, event });
    return { url, state: 'delivered', attempts: delivery.attempts, lastStatus: delivery.status };
  } catch (err) {
    const refusal = refusalOf(err);
    const error = reasonOf(err);
    log.warn('completion webhook not delivered', { videoId: event.data.videoId, url, error });
    return { url, state: 'failed', attempts: refusal?.attempt, lastStatus: refusal?.status, error };
  }
}

/**
 * Starts the delivery of the request's end to its callback and resolves once its workflow has
 * started, without waiting for the receiver; starts it even while the request is being cancelled.
 * The request's progress then says `delivering`; the delivery's own workflow says the rest.
 */
export async function startCallback(
  input: VideoCommentaryInput, progress: Progress, end: { status: 'completed'; manifest: VideoManifest } | { status: 'failed' | 'cancelled'; stage: StageName },
): Promise<void> {
  const target = input.callback;
  const callback = progress.callback;
  if (!target || !callback) return;
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
  const { runId } = workflowInfo();
  await CancellationScope.nonCancellable(() => startChild(completionCallback, {
    workflowId: callbackWorkflowId(progress.videoId, runId),
    args: [{ url: target.url, id: `msg_${runId}`, event }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${event.type} to ${target.url}`,
  }));
  callback.state = 'delivering';
}
