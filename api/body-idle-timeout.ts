// A request body that sends nothing for a while is cut: the client gets 408 problem+json and the
// connection closes, then the request stream is destroyed with a BodyIdleTimeout, so whatever reads
// it (a storage write, a form parser, tus, a body parser) fails at once instead of waiting for ever.
// Silence counts only while the server waits for bytes: when it is the server that is behind (the
// body's unread bytes fill its buffer, a slow disk or S3), the clock starts again.
import type { Request, RequestHandler } from 'express';
import { sendProblem } from './problem';

export class BodyIdleTimeout extends Error {
  constructor(readonly ms: number) {
    super(`the request body sent nothing for ${ms / 1000}s`);
  }
}

const cuts = new WeakMap<Request, BodyIdleTimeout>();

/** The timeout that cut this request's body, if one did. */
export const idleCut = (req: Request): BodyIdleTimeout | undefined => cuts.get(req);

/** Express middleware: cuts a body that sends nothing for `ms` milliseconds while it is read. */
export function bodyIdleTimeout(ms: number): RequestHandler {
  return (req, res, next) => {
    const socket = req.socket;
    if (req.complete || !socket) {
      next();
      return;
    }
    // Node emits the socket's timeout on the response as long as it is the socket's current one;
    // a listener there also keeps Node from destroying the socket on its own.
    const onTimeout = () => {
      if (req.complete || cuts.has(req)) return;
      if (req.readableLength > 0) {
        socket.setTimeout(ms);
        return;
      }
      const cut = new BodyIdleTimeout(ms);
      cuts.set(req, cut);
      if (res.headersSent) {
        req.destroy(cut);
        return;
      }
      res.once('finish', () => req.destroy(cut));
      res.setHeader('Connection', 'close');
      sendProblem(res, 408, 'Request body timeout', `${cut.message}; send the rest without pausing, or upload with tus to resume after a break`);
    };
    res.on('timeout', onTimeout);
    // Once the body is read the response may take its time (the keep-alive timeout follows it).
    req.once('end', () => {
      socket.setTimeout(0);
      res.off('timeout', onTimeout);
    });
    socket.setTimeout(ms);
    next();
  };
}
