// Every error the API returns is RFC 9457 problem+json.
import { status as grpcStatus } from '@grpc/grpc-js';
import { ServiceError, isGrpcServiceError } from '@temporalio/client';
import type { ErrorRequestHandler, Response } from 'express';

export class HttpProblem extends Error {
  /** `headers`: sent with the problem, such as Retry-After. */
  constructor(readonly status: number, readonly title: string, readonly detail?: string, readonly headers: Record<string, string> = {}) {
    super(detail ?? title);
  }
}

export function sendProblem(res: Response, status: number, title: string, detail?: string): void {
  res.status(status).type('application/problem+json').send(JSON.stringify({
    type: 'about:blank', title, status, ...(detail ? { detail } : {}),
    // The path alone: a query may carry a key (`?key=` on the event stream).
    instance: res.req.originalUrl.split('?')[0],
  }));
}

/** Temporal did not answer (down or restarting, after the client's own retries): worth asking again shortly. */
function temporalUnreachable(err: unknown): boolean {
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) && (grpc.code === grpcStatus.UNAVAILABLE || grpc.code === grpcStatus.DEADLINE_EXCEEDED);
}

export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpProblem) return sendProblem(res.set(err.headers), err.status, err.title, err.detail);
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return sendProblem(res, status, (err as Error).message || 'Bad request');
  if (temporalUnreachable(err)) {
    req.log?.warn({ err }, 'Temporal cannot be reached');
    return sendProblem(res.set('retry-after', '5'), 503, 'Temporal unavailable', 'the workflow service cannot be reached now; try again shortly');
  }
  req.log?.error({ err }, 'request failed');
  sendProblem(res, 500, 'Internal error', 'the server could not complete the request; it is logged');
};

declare module 'express-serve-static-core' {
  interface Request {
    log?: import('pino').Logger;
    userId?: string;
    /** The key may act for any user (the local launcher's): it sees everything. */
    operator?: boolean;
  }
}
