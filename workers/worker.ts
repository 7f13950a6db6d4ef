// The worker process: workflows and light activities on `bing`, GPU jobs on `bing-gpu`, whose
// activity slots are the GPU quota.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { LocalStorage } from '../activities/storage/local';
import { RetrainingService, retrainingSettings } from '../api/retraining-service';
import { gpuTaskQueue } from '../workflows/definitions';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/logger';
import { connectTemporalClient, temporalConnection } from '../common/temporal-connection';
import { watchLocalWeights } from './local-weights-watcher';
import { metricsTelemetry } from './telemetry';
import { workflowCode } from './bundle-workflows';
import { durationMs } from '../workflows/duration';
import { commentarySettings, createRunner, createStorage, speechSettings } from './wiring';

export async function createWorkers(config: Config, connection: NativeConnection, namespace: string): Promise<Worker[]> {
  const storage = createStorage(config);
  const activities = createActivities({
    storage,
    runner: createRunner(config, storage),
    jobPolling: { intervalMs: durationMs(config.BING_JOB_POLL) },
    commentary: commentarySettings(config),
    speech: speechSettings(config),
    callbacks: { secret: config.BING_CALLBACK_SECRET, allowPrivate: config.BING_CALLBACK_ALLOW_PRIVATE },
  });
  const { runGpuJob, ...light } = activities;
  const common = { connection, namespace, maxHeartbeatThrottleInterval: '2s' } as const;
  const role = config.BING_WORKER_ROLE;
  return Promise.all([
    ...(role === 'gpu' ? [] : [Worker.create({ ...common, taskQueue: config.BING_TASK_QUEUE, ...workflowCode(), activities: light })]),
    ...(role === 'workflows' ? [] : [Worker.create({ ...common, taskQueue: gpuTaskQueue(config.BING_TASK_QUEUE), activities: { runGpuJob }, maxConcurrentActivityTaskExecutions: config.BING_GPU_SLOTS })]),
  ]);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('bing-worker', config.BING_LOG_LEVEL);
  // The SDK's own logs (bundling, state changes) only when asked for debugging.
  const verbose = config.BING_LOG_LEVEL === 'debug' || config.BING_LOG_LEVEL === 'trace';
  Runtime.install({ logger: new DefaultLogger(verbose ? 'DEBUG' : 'WARN'), telemetryOptions: metricsTelemetry(config) });
  if (config.BING_WORKER_METRICS_ADDRESS) logger.info(`metrics on http://${config.BING_WORKER_METRICS_ADDRESS}/metrics`);
  const temporal = temporalConnection(config);
  const connection = await NativeConnection.connect(temporal.connectionOptions);
  const workers = await createWorkers(config, connection, temporal.namespace);
  logger.info(`workers polling ${workers.map((w) => w.options.taskQueue).join(' and ')}`);
  const watcher = await startLocalWeightsWatcher(config, logger);
  await Promise.all(workers.map((w) => w.run()));
  watcher?.stop();
  await connection.close();
}

/** Local storage has no event notifications: the worker watches its incoming weights folder. */
async function startLocalWeightsWatcher(config: Config, logger: Logger) {
  const storage = createStorage(config);
  if (!(storage instanceof LocalStorage)) return undefined;
  const client = await connectTemporalClient(config);
  return watchLocalWeights({ storage, retraining: new RetrainingService(client, retrainingSettings(config)), logger });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bing-worker: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
