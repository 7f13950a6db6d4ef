// The API process: connects to Temporal and storage, then serves HTTP until told to stop.
import { loadConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { connectTemporalClient } from '../common/temporal-connection';
import { startTracing } from '../common/tracing';
import { join } from 'node:path';
import express from 'express';
import { createStorage } from '../activities/storage/create';
import { createJobView } from '../activities/job-view';
import { storageCan } from '../activities/storage/storage';
import { durationMs } from '../common/duration';
import { UrlSigner, urlSecret } from './signed-urls';
import { createApp } from './app';
import { callbackPolicy } from './callbacks';
import { uploadLimits } from './upload-admission';
import { legacyRequestOn } from './legacy/switch';
import { RetrainingService, retrainingSettings } from '../client/retraining-service';
import { UploadDrain } from './shutdown';
import { startUploadSweep } from './upload-sweep';
import { VideosService } from '../client/videos-service';
import { defaultOverlapSeconds } from '../contracts/segments';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('bing-api', config.BING_LOG_LEVEL);
  if (!config.BING_API_KEYS?.size) throw new Error('BING_API_KEYS is not set: no one could call the API');
  const signer = new UrlSigner(urlSecret(config));
  const tracing = startTracing('bing-api');
  const client = await connectTemporalClient(config);
  const { connection } = client;
  const storage = createStorage(config);
  const videos = new VideosService(client, config.BING_TASK_QUEUE, {
    seconds: config.BING_SEGMENT_SECONDS, maxParallel: config.BING_MAX_PARALLEL_SEGMENTS ?? config.BING_GPU_SLOTS, overlapSeconds: defaultOverlapSeconds,
  });
  const app = createApp({
    client,
    videos,
    storage,
    jobs: createJobView(config),
    signer,
    apiKeys: config.BING_API_KEYS,
    maxUploadBytes: config.BING_MAX_UPLOAD_BYTES,
    tusDir: join(config.BING_DATA_DIR, 'tus'),
    uploadLimits: uploadLimits(config),
    legacyBodyLimit: legacyRequestOn(config) ? config.BING_LEGACY_BODY_LIMIT : undefined,
    legacyApiKeys: config.BING_LEGACY_API_KEYS,
    uploadTimeout: config.BING_UPLOAD_TIMEOUT,
    retraining: new RetrainingService(client, retrainingSettings(config)),
    webhookSecret: config.BING_WEBHOOK_SECRET,
    callbacks: callbackPolicy(config),
    logger,
  });
  const drain = new UploadDrain();
  const root = express().disable('x-powered-by').use(drain.gate, app);
  const address = `${config.BING_API_HOST}:${config.BING_API_PORT}`;
  const server = root.listen(config.BING_API_PORT, config.BING_API_HOST, (err?: Error) => {
    if (err) {
      process.stderr.write(`bing-api: cannot listen on ${address}: ${err.message}\n`);
      process.exit(1);
    }
    logger.info(`API listening on http://${address}`);
  });
  server.requestTimeout = 0;
  const sweep = storageCan(storage, 'unfinishedWrites', 'localPath')
    ? startUploadSweep({ client, videos, storage, staleAfterMs: 2 * durationMs(config.BING_UPLOAD_IDLE_TIMEOUT), logger })
    : undefined;
  const shutDown = async () => {
    logger.info(`stopping: new uploads are refused, those in progress have ${config.BING_API_SHUTDOWN_GRACE} to finish`);
    const cut = await drain.drain(durationMs(config.BING_API_SHUTDOWN_GRACE));
    if (cut) logger.warn(`${cut} upload(s) still in progress after BING_API_SHUTDOWN_GRACE are cut`);
    sweep?.stop();
    server.close();
    server.closeAllConnections();
    await connection.close();
    await tracing?.shutdown();
  };
  // Ctrl-C under npm start sends SIGINT to the process group and the launcher SIGTERM too: one shutdown.
  let stopping: Promise<void> | undefined;
  const stop = () => void (stopping ??= shutDown());
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bing-api: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
