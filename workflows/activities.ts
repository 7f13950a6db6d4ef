// The activities the videoCommentary workflow calls, with their timeouts and retries, and the GPU
// job step that names its job and waits for it to stop when cancelled.
import { ActivityCancellationType, ApplicationFailure, proxyActivities, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GpuJobRequest, GpuJobResult } from '../contracts/gpu-jobs';
import { gpuPriority } from '../contracts/gpu-priority';
import { gpuTaskQueue } from '../contracts/video-commentary';

const retry = { initialInterval: '1s', maximumInterval: '1 minute', nonRetryableErrorTypes: ['BadInput'] };

export const { ingestUpload, deliver, discardVideo, currentModels } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', retry });

/** Joins one segment's tracks to the previous segment's: seconds of work, retried soon after a worker dies. */
export const { stitchSegment } = proxyActivities<Activities>({ startToCloseTimeout: '5 minutes', retry });

/** Joining a 3-hour match's segments reads and writes about a gigabyte; it heartbeats once per segment. */
export const { assembleSegments } = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '5 minutes', retry });

/** Commentary may wait on a language model; speech renders audio: both heartbeat. */
export const { writeCommentary } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '5 minutes', retry });
export const { speakCommentary } = proxyActivities<Activities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '1 minute', retry });
/** One segment's lines spoken ahead of the final speech track: up to ~50 lines, a minute each at worst on a hosted voice. */
export const { speakLines } = proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '1 minute', retry });

const gpuJobOptions = (): ActivityOptions => ({
  taskQueue: gpuTaskQueue(workflowInfo().taskQueue),
  // The request ends only after its job has stopped, so that nothing keeps running unpaid-for.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  startToCloseTimeout: '24 hours',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '2s', maximumInterval: '2 minutes', nonRetryableErrorTypes: ['BadInput', 'JobFailed'] },
});

/** A GPU job of a user's request, named in the Web UI by its step and the job it runs, queued fairly between users (gpuPriority). */
export function runGpuJob(request: GpuJobRequest & { user: string }, segmentMot: boolean): Promise<GpuJobResult> {
  const options = gpuJobOptions();
  const jobName = `${workflowInfo().workflowId}-${request.step}-${request.run}`;
  return proxyActivities<Activities>(options).runGpuJob.executeWithOptions(
    { ...options, priority: gpuPriority(request.user, segmentMot), summary: `${request.kind} job ${jobName}` }, [request]);
}

export function requireOutput(outputs: string[], key: string): string {
  if (!outputs.includes(key)) {
    throw ApplicationFailure.nonRetryable(`the job did not write ${key} (it wrote ${outputs.join(', ') || 'nothing'})`, 'MissingOutput');
  }
  return key;
}
