// The worker process: workflows and light activities on `bing`, GPU jobs on `bing-gpu`, whose
// activity slots are the GPU quota.
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { gpuTaskQueue } from '../workflows/definitions';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/logger';
import { workflowsPath } from './tools';
import { durationMs } from '../workflows/duration';
import { commentarySettings, createRunner, createStorage, speechSettings } from './wiring';

export async function createWorkers(config: Config, connection: NativeConnection): Promise<Worker[]> {
  const storage = createStorage(config);
  const activities = createActivities({
    storage,
    runner: createRunner(config, storage),
    jobPolling: { intervalMs: durationMs(config.BING_JOB_POLL) },
    commentary: commentarySettings(config),
    speech: speechSettings(config),
  });
  const { runGpuJob, ...light } = activities;
  const common = { connection, namespace: config.TEMPORAL_NAMESPACE, maxHeartbeatThrottleInterval: '2s' } as const;
  return Promise.all([
    Worker.create({ ...common, taskQueue: config.BING_TASK_QUEUE, workflowsPath, activities: light }),
    Worker.create({ ...common, taskQueue: gpuTaskQueue(config.BING_TASK_QUEUE), activities: { runGpuJob }, maxConcurrentActivityTaskExecutions: config.BING_GPU_SLOTS }),
  ]);
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('bing-worker', config.BING_LOG_LEVEL);
  // The SDK's own logs (bundling, state changes) only when asked for debugging.
  const verbose = config.BING_LOG_LEVEL === 'debug' || config.BING_LOG_LEVEL === 'trace';
  Runtime.install({ logger: new DefaultLogger(verbose ? 'DEBUG' : 'WARN') });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workers = await createWorkers(config, connection);
  logger.info(`workers polling ${config.BING_TASK_QUEUE} and ${gpuTaskQueue(config.BING_TASK_QUEUE)}`);
  await Promise.all(workers.map((w) => w.run()));
  await connection.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bing-worker: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
