// POST /v1/events/s3: storage events from S3-compatible servers, EventBridge or SNS, authenticated by
// a shared secret (BING_WEBHOOK_SECRET); the weight files they name go to retraining.
import { timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import { HttpProblem } from '../problem';
import type { RetrainingService } from '../../client/retraining-service';
import { UnreadableEvent } from '../../client/weight-events';

/** Compared as bytes: a header of as many characters may hold more bytes (timingSafeEqual throws on unequal lengths). */
function sameSecret(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export function storageEventsRouter(retraining: RetrainingService, secret: string | undefined): Router {
  const router = Router();
  router.post('/', (req, _res, next) => {
    if (!secret) throw new HttpProblem(404, 'Not found', 'the storage-event webhook is off: set BING_WEBHOOK_SECRET to switch it on');
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match || !sameSecret(match[1]!, secret)) throw new HttpProblem(401, 'Unauthorized', 'send BING_WEBHOOK_SECRET as "Authorization: Bearer <secret>"');
    next();
  }, express.json({ limit: '1mb', type: () => true }), async (req, res) => {
    try {
      const parsed = await retraining.acceptStorageEvent(req.body);
      for (const ignored of parsed.ignored) req.log?.info(ignored, 'storage event ignored');
      res.status(202).json({ signalled: parsed.weights.map((w) => ({ kind: w.kind, key: w.file.key })), ignored: parsed.ignored, testEvent: parsed.testEvent });
    } catch (err) {
      if (err instanceof UnreadableEvent) throw new HttpProblem(400, 'Unreadable event', err.message);
      throw err;
    }
  });
  return router;
}
