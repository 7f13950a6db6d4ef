// The worker process: workflows and light activities on `bing`, GPU jobs on `bing-gpu`, whose
// activity slots are the GPU quota.
import type { Context as ActivityContext } from '@temporalio/activity';
import { makeWorkflowExporter, OpenTelemetryActivityInboundInterceptor } from '@temporalio/interceptors-opentelemetry';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import { storageCan } from '../activities/storage/storage';
import { RetrainingService, retrainingSettings } from '../client/retraining-service';
import { gpuTaskQueue } from '../contracts/video-commentary';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/logger';
import { connectTemporalClient, temporalConnection } from '../common/temporal-connection';
import { becomeCurrent, buildId, workerDeployment } from './deployment';
import { watchLocalWeights } from './local-weights-watcher';
import { metricsTelemetry } from './telemetry';
import { workflowCode } from './bundle-workflows';
import { startTracing, type Tracing } from '../common/tracing';
import { durationMs } from '../common/duration';
import { commentarySettings, createRunner, speechSettings } from './wiring';
import { createStorage } from '../activities/storage/create';

export async function createWorkers(config: Config, connection: NativeConnection, namespace: string, tracing?: Tracing): Promise<Worker[]> {
  const storage = createStorage(config);
  const activities = createActivities({
    storage,
    runner: createRunner(config, storage),
    jobPolling: { intervalMs: durationMs(config.BING_JOB_POLL) },
    userGpuJobs: config.BING_USER_GPU_JOBS,
    commentary: commentarySettings(config),
    speech: speechSettings(config),
    callbacks: { secret: config.BING_CALLBACK_SECRET, allowPrivate: config.BING_CALLBACK_ALLOW_PRIVATE },
  });
  const { runGpuJob, ...light } = activities;
  const common = {
    connection, namespace, maxHeartbeatThrottleInterval: '2s',
    workerDeploymentOptions: workerDeployment(config),
    // On SIGTERM: running tasks get this long; a GPU job still running then is left for the next attempt to adopt.
    shutdownGraceTime: config.BING_WORKER_SHUTDOWN_GRACE,
  } as const;
  const role = config.BING_WORKER_ROLE;
  const { interceptors: workflowInterceptors, ...code } = workflowCode(tracing !== undefined);
  const traced = tracing && {
    interceptors: { ...workflowInterceptors, activity: [(ctx: ActivityContext) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx) })] },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
  return Promise.all([
    ...(role === 'gpu' ? [] : [Worker.create({ ...common, ...traced, taskQueue: config.BING_TASK_QUEUE, ...code, activities: light })]),
    ...(role === 'workflows' ? [] : [Worker.create({ ...common, ...traced, taskQueue: gpuTaskQueue(config.BING_TASK_QUEUE), activities: { runGpuJob }, maxConcurrentActivityTaskExecutions: config.BING_GPU_SLOTS })]),
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
  const tracing = startTracing('bing-worker');
  const workers = await createWorkers(config, connection, temporal.namespace, tracing);
  logger.info(`workers polling ${workers.map((w) => w.options.taskQueue).join(' and ')}`);
  const { deploymentName, buildId } = workerDeployment(config).version;
  logger.info(`deployment ${deploymentName}, version ${buildId}`);
  const watcher = await startLocalWeightsWatcher(config, logger);
  await Promise.all([...workers.map((w) => w.run()), setCurrentVersion(config, logger)]);
  watcher?.stop();
  await tracing?.shutdown();
  await connection.close();
}

/** A version receives tasks once it is current: the first of a deployment, or every one under npm start, makes itself so. */
async function setCurrentVersion(config: Config, logger: Logger): Promise<void> {
  try {
    const client = await connectTemporalClient(config);
    try {
      if (await becomeCurrent(client, config)) logger.info(`version ${buildId(config)} is now the current version of deployment ${config.BING_DEPLOYMENT_NAME}`);
    } finally {
      await client.connection.close();
    }
  } catch (err) {
    // The workers go on polling: an operator can still make this version current (README "Rolling out a new version").
    logger.warn({ err }, `could not make version ${buildId(config)} current; it receives no tasks until it is`);
  }
}

/** Local storage has no event notifications: the worker watches its incoming weights folder. */
async function startLocalWeightsWatcher(config: Config, logger: Logger) {
  const storage = createStorage(config);
  if (!storageCan(storage, 'localPath')) return undefined;
  const client = await connectTemporalClient(config);
  return watchLocalWeights({ storage, retraining: new RetrainingService(client, retrainingSettings(config)), logger });
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bing-worker: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
