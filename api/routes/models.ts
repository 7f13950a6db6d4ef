// /v1/models: each kind's registry and retraining state; an operator uploads weight files to
// retrain from, and pauses or resumes retraining.
import { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { Readable } from 'node:stream';
import { modelKinds, type ModelKind } from '../../contracts/models';
import { readRegistry } from '../../activities/registry';
import type { Storage } from '../../activities/storage/storage';
import { kindParams, weightsQuery } from '../openapi/models';
import { parse } from '../openapi/parse';
import { HttpProblem } from '../problem';
import type { RetrainingService } from '../../client/retraining-service';
import { localIncomingPrefix } from '../../client/weight-events';
import { upTo } from './videos';

export interface ModelsRouteOptions {
  storage: Storage;
  retraining: RetrainingService;
  maxUploadBytes: number;
  logger: Logger;
}

function requireOperator(req: Request): void {
  if (!req.operator) throw new HttpProblem(403, 'Forbidden', 'only an operator key (user *) may change models');
}

export function modelsRouter({ storage, retraining, maxUploadBytes }: ModelsRouteOptions): Router {
  const router = Router();
  const summary = async (kind: ModelKind) => {
    const [registry, state] = await Promise.all([readRegistry(storage, kind), retraining.state(kind)]);
    const { kind: _kind, ...retrainingState } = state ?? { kind };
    return { kind, current: registry.current ?? 'builtin', versions: registry.versions, retraining: state ? retrainingState : null };
  };

  router.get('/', async (_req, res) => {
    res.json({ models: await Promise.all(modelKinds.map(summary)) });
  });

  router.get('/:kind', async (req, res) => {
    res.json(await summary(parse(kindParams, req.params).kind));
  });

  router.post('/:kind/weights', async (req, res) => {
    requireOperator(req);
    const { kind } = parse(kindParams, req.params);
    const { name } = parse(weightsQuery, req.query);
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > maxUploadBytes) throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    const key = `${localIncomingPrefix(kind)}${name}`;
    const stored = await storage.put(key, Readable.from(upTo(maxUploadBytes, req)), { uploadedBy: req.userId! });
    if (stored.size === 0) {
      await storage.delete(key);
      throw new HttpProblem(400, 'Empty file', 'the weight file is empty');
    }
    const file = { key, etag: stored.sha256, size: stored.size, eventTime: new Date().toISOString() };
    await retraining.weightsArrived(kind, file);
    req.log?.info({ kind, key, size: stored.size }, 'weight file uploaded');
    res.status(202).json({ kind, file });
  });

  for (const action of ['pause', 'resume'] as const) {
    router.post(`/:kind/retraining/${action}`, async (req, res) => {
      requireOperator(req);
      const { kind } = parse(kindParams, req.params);
      if (!(await retraining.setPaused(kind, action === 'pause'))) throw new HttpProblem(404, 'Not found', `the ${kind} model has no retraining running`);
      res.status(202).json({ kind, paused: action === 'pause' });
    });
  }
  return router;
}
