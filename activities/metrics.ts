// BING's activity-side metrics, through the activity context's metric meter: the worker's Core
// runtime exports them on its Prometheus endpoint beside the SDK's temporal_ metrics.
import { Context } from '@temporalio/activity';
import type { JobKind } from '../contracts/gpu-jobs';

/** Bucket bounds (seconds) of the GPU-job histogram, for the worker's Runtime.install. */
export const gpuJobSecondsBuckets = { bing_gpu_job_seconds: [5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 7 * 24 * 3600] };

/** A job launched (an adopted one is not a start: it was counted by the attempt that launched it). */
export const gpuJobStarted = (kind: JobKind) =>
  Context.current().metricMeter.createCounter('bing_gpu_job_starts', undefined, 'GPU jobs launched, by kind').add(1, { kind });

export const gpuJobCompleted = (kind: JobKind, seconds: number) =>
  Context.current().metricMeter.createHistogram('bing_gpu_job_seconds', 'float', 's', 'Seconds a GPU job ran, start to completion, by kind').record(Math.max(0, seconds), { kind });
