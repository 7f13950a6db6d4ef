// The Express gateway: authentication, the routes, problem+json for every error.
import express from 'express';
import type { Logger } from 'pino';
import type { Storage } from '../activities/storage/storage';
import { requireApiKey } from './auth';
import { HttpProblem, problemHandler } from './problem';
import { videosRouter } from './routes/videos';
import type { VideosService } from './videos-service';

export interface AppOptions {
  videos: VideosService;
  storage: Storage;
  apiKeys: Map<string, string>;
  maxUploadBytes: number;
  uploadTimeout: string;
  logger: Logger;
}

export function createApp(options: AppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req, _res, next) => {
    req.log = options.logger.child({ method: req.method, url: req.originalUrl });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/v1', requireApiKey(options.apiKeys));
  app.use('/v1/videos', videosRouter(options));
  app.use((req) => {
    throw new HttpProblem(404, 'Not found', `no route for ${req.method} ${req.path}`);
  });
  app.use(problemHandler);
  return app;
}
