// The bytes of a POST /v1/videos upload (a raw body or a form's file) on their way into storage,
// through one synchronous Transform that counts them against the size limit, instead of an async
// generator turned back into a stream (Readable.from), which handed every 64 KiB chunk through
// promises and a second stream buffer.
import { finished, Transform, type Readable } from 'node:stream';
import type { ObjectInfo, Storage } from '../../activities/storage/storage';
import { HttpProblem } from '../problem';

/**
 * The body, failing with 413 as soon as it passes `limit` bytes, and with the body's own failure (a
 * cut body, a client gone). The body itself is left whole, so that the 413 can still be answered.
 */
function limitTo(body: Readable, limit: number): Readable {
  let size = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > limit ? new HttpProblem(413, 'Upload too large', `the limit is ${limit} bytes`) : null, chunk);
    },
  });
  finished(body, (err) => {
    if (err) limited.destroy(err);
  });
  // The body flows before storage starts reading it (a local put first makes its directory): an
  // error then is the stream's error, which storage's pipeline gets when it attaches, not an
  // uncaught exception.
  limited.on('error', () => undefined);
  return body.pipe(limited);
}

/** Stores the body at `key`, failing with 413 (nothing kept) once it passes `limit` bytes. */
export function storeUploadBody(storage: Storage, key: string, body: Readable, limit: number, metadata: Record<string, string>): Promise<ObjectInfo & { sha256: string }> {
  return storage.put(key, limitTo(body, limit), metadata);
}
