// @tus/server reads a PATCH body as a web stream that srvx makes of the Node request, and turns it
// back into a Node stream for the store: every chunk copied once more and handed on through promises,
// then through a PassThrough and a StreamLimiter. That cost the API about as much CPU as hashing and
// writing the bytes did. Here the PATCH handler gives the store the Node request itself, piped
// through the limit alone, with tus's own handling of a body that fails (400, the bytes written so
// far kept), of a lock taken over (the write ends where it is) and of a body over the upload's size (413).
import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { ERRORS, StreamLimiter, type CancellationContext, type DataStore, type Server, type Upload } from '@tus/server';

type PatchHandler = Server['handlers']['PATCH'];

/** What tus keeps protected in its handlers and this module replaces. */
interface PatchInternals {
  store: DataStore;
  writeToStore(body: ReadableStream | null, upload: Upload, maxFileSize: number, context: CancellationContext): Promise<number>;
}

/** The Node request a tus request was made from. */
const nodeRequest = (req: object): IncomingMessage | undefined => (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;

/** Makes `server`'s PATCH handler write the body from the Node request, never through a web stream. */
export function readPatchBodiesFromNode(server: Server): void {
  const patch = server.handlers.PATCH as PatchHandler & PatchInternals;
  const bodies = new WeakMap<CancellationContext, IncomingMessage>();
  const send = patch.send.bind(patch);
  patch.send = (req, context, headers) => {
    const body = nodeRequest(req);
    if (body) {
      bodies.set(context, body);
      // srvx would make the web stream on first read of `body`; tus reads it only to write it.
      Object.defineProperty(req, 'body', { value: null });
    }
    return send(req, context, headers);
  };
  const writeWeb = patch.writeToStore.bind(patch);
  patch.writeToStore = (webStream, upload, maxFileSize, context) => {
    const body = bodies.get(context);
    return body ? writeFromNode(patch.store, body, upload, maxFileSize, context) : writeWeb(webStream, upload, maxFileSize, context);
  };
}

async function writeFromNode(store: DataStore, body: IncomingMessage, upload: Upload, maxFileSize: number, context: CancellationContext): Promise<number> {
  if (context.signal.aborted) throw ERRORS.ABORTED;
  // Piped, not in a pipeline: a fault in the store must not destroy the request, so that tus can answer it.
  const limited = new StreamLimiter(maxFileSize);
  let bodyFailed = false;
  let limitError: unknown;
  limited.once('error', (err) => (limitError ??= err));
  const stopWatching = finished(body, (err) => {
    if (!err) return;
    bodyFailed = true;
    body.unpipe(limited);
    if (!context.signal.aborted) limited.destroy(err);
  });
  // Another request took the upload's lock: this one ends with what it wrote.
  const onAbort = () => {
    body.unpipe(limited);
    if (!limited.destroyed) limited.end();
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    body.pipe(limited);
    return await store.write(limited, upload.id, upload.offset);
  } catch (error) {
    body.unpipe(limited);
    if (bodyFailed || (error instanceof Error && error.name === 'AbortError')) throw ERRORS.ABORTED;
    throw (limitError as { status_code?: number } | undefined)?.status_code === ERRORS.ERR_MAX_SIZE_EXCEEDED.status_code ? limitError : error;
  } finally {
    stopWatching();
    context.signal.removeEventListener('abort', onAbort);
  }
}
