// The Express gateway: authentication, the routes, problem+json for every error.
import type { Client } from '@temporalio/client';
import express from 'express';
import type { Logger } from 'pino';
import type { Storage } from '../activities/storage/storage';
import type { JobView } from '../contracts/gpu-jobs';
import { requireApiKey } from './auth';
import type { CallbackPolicy } from './callbacks';
import { HttpProblem, problemHandler } from './problem';
import { filesRouter } from './routes/files';
import { jobsRouter } from './routes/jobs';
import { legacyRouter } from './routes/legacy';
import { metricsRouter } from './metrics';
import { modelsRouter } from './routes/models';
import { storageEventsRouter } from './routes/storage-events';
import { openApiRouter } from './openapi/serve';
import { s3UploadsRouter } from './routes/uploads-s3';
import { uploadsRouter } from './routes/uploads';
import { videosRouter } from './routes/videos';
import type { RetrainingService } from '../client/retraining-service';
import type { UrlSigner } from './signed-urls';
import type { UploadLimits } from './upload-admission';
import { webRouter } from './web/serve';
import type { VideosService } from '../client/videos-service';

export interface AppOptions {
  client: Client;
  videos: VideosService;
  storage: Storage;
  /** The GPU jobs as their runner recorded them; the API holds no runner. */
  jobs: JobView;
  signer: UrlSigner;
  apiKeys: Map<string, string>;
  maxUploadBytes: number;
  uploadTimeout: string;
  /** Where tus keeps uploads in progress on local storage (on S3 it keeps them in the bucket). */
  tusDir: string;
  /** Idle timeout, uploads per user, storage reserve; the configuration's defaults when not given. */
  uploadLimits?: UploadLimits;
  retraining: RetrainingService;
  /** Switches on POST /v1/events/s3, authenticated by this shared secret. */
  webhookSecret?: string;
  /** The body limit of the old POST /request contract, when it is switched on. */
  legacyBodyLimit?: number;
  /** Keys the old contract asks for as x-api-key; none asked when unset. */
  legacyApiKeys?: string[];
  /** Completion webhooks: whether callbackUrl is taken, and which addresses it may name. */
  callbacks?: CallbackPolicy;
  logger: Logger;
}

export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req, _res, next) => {
    req.log = options.logger.child({ method: req.method, url: req.path });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([
      options.client.workflowService.getSystemInfo({}),
      options.storage.head('readyz-probe'),
    ]);
    const [temporal, storage] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : String(c.reason)));
    const ready = temporal === 'ok' && storage === 'ok';
    res.status(ready ? 200 : 503).json({ ready, temporal, storage });
  });
  app.use(metricsRouter(options.client));
  app.use(openApiRouter());
  app.use('/files', filesRouter(options.storage, options.signer));
  if (options.legacyBodyLimit) app.use(legacyRouter({ ...options, bodyLimit: options.legacyBodyLimit }));
  app.use('/v1/events/s3', storageEventsRouter(options.retraining, options.webhookSecret));
  app.use('/v1', requireApiKey(options.apiKeys));
  app.use('/v1/uploads/s3', s3UploadsRouter(options));
  app.use('/v1/uploads', uploadsRouter(options));
  app.use('/v1/videos', videosRouter(options));
  app.use('/v1/jobs', jobsRouter(options.jobs, options.videos));
  app.use('/v1/models', modelsRouter(options));
  app.use(webRouter());
  app.use((req) => {
    throw new HttpProblem(404, 'Not found', `no route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler);
  return app;
}
