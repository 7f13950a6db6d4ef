// The worker's Core runtime telemetry: a Prometheus endpoint with the SDK's temporal_ metrics and
// BING's own (workflows/metrics.ts, activities/metrics.ts emit them through the SDK's metric meters).
import type { TelemetryOptions } from '@temporalio/worker';
import { gpuJobSecondsBuckets } from '../activities/metrics';
import type { Config } from '../common/config';
import { stageSecondsBuckets } from '../workflows/metrics';

/** Runtime.install's telemetry options; none when BING_WORKER_METRICS_ADDRESS is unset or empty. */
export function metricsTelemetry(config: Config): TelemetryOptions | undefined {
  const bindAddress = config.BING_WORKER_METRICS_ADDRESS;
  if (!bindAddress) return undefined;
  return {
    metrics: {
      prometheus: {
        bindAddress,
        // Prometheus's own conventions: counters end in _total, durations are seconds.
        countersTotalSuffix: true,
        useSecondsForDurations: true,
        histogramBucketOverrides: { ...stageSecondsBuckets, ...gpuJobSecondsBuckets },
      },
    },
  };
}
