// Graceful shutdown of the API: once told to stop, it refuses new uploads with 503 (a load balancer
// or client sends them to another process) and lets the uploads in progress finish within a grace
// period; every other request is served as before until the process closes.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request, RequestHandler } from 'express';
import { sendProblem } from './problem';

/** A request that starts an upload or carries its bytes: raw-body and form uploads, tus, S3 uploads, the old POST /request. */
const uploadPath = /^\/(v1\/videos\/?|v1\/uploads(\/.*)?|request\/?)$/;
const isUpload = (req: Request) => ['POST', 'PATCH', 'PUT'].includes(req.method) && uploadPath.test(req.path);

/** How long a refused client is asked to wait: another process, or this one's successor, takes it by then. */
const retryAfterSeconds = 5;

export class UploadDrain {
  private draining = false;
  private inProgress = 0;
  private settled?: () => void;

  /** Counts the uploads in progress; once draining, refuses new ones and says not ready. */
  readonly gate: RequestHandler = (req, res, next) => {
    if (this.draining && req.path === '/readyz') {
      res.status(503).json({ ready: false, stopping: true });
      return;
    }
    if (!isUpload(req)) return next();
    if (this.draining) {
      sendProblem(res.set('Retry-After', String(retryAfterSeconds)), 503, 'Shutting down', 'this API process is stopping and takes no new uploads; send it again');
      return;
    }
    this.inProgress++;
    res.once('close', () => {
      if (--this.inProgress === 0) this.settled?.();
    });
    next();
  };

  /** Stops taking uploads; resolves once those in progress have ended, or after `graceMs`, to how many are still going. */
  async drain(graceMs: number): Promise<number> {
    this.draining = true;
    if (this.inProgress > 0) {
      const ac = new AbortController();
      const settled = new Promise<void>((resolve) => (this.settled = resolve));
      await Promise.race([settled, sleep(graceMs, undefined, { signal: ac.signal }).catch(() => undefined)]);
      ac.abort();
    }
    return this.inProgress;
  }
}
