// An upload body written into a file at an offset, its chunks gathered into writes of at least 1 MiB
// (one writev of the chunks as they came, no copy). A write stream on a fast disk writes each 64 KiB
// network chunk on its own as it arrives: some 15,000 trips through the thread pool per GB, which
// cost the API's main thread about a third of its CPU time on a 1 GB upload.
import { open, type FileHandle } from 'node:fs/promises';
import { finished, type Readable } from 'node:stream';

/** The least a write takes, unless it is the body's last. */
const batchBytes = 1 << 20;
/** What may wait for the disk before the body is paused. */
const bufferedBytes = 4 << 20;

async function writevAll(file: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let left = buffers;
  while (left.length > 0) {
    let { bytesWritten } = await file.writev(left, position);
    if (bytesWritten === 0) throw new Error('the file took no bytes');
    position += bytesWritten;
    while (left.length > 0 && bytesWritten >= left[0]!.length) bytesWritten -= left.shift()!.length;
    if (bytesWritten > 0) left = [left[0]!.subarray(bytesWritten), ...left.slice(1)];
  }
}

/**
 * Writes the body into the existing file at `offset` until the body ends; resolves to the offset
 * after its last byte. `onWritten` hears how far the file is written after each write. A body that
 * fails rejects once what it brought is written; a write that fails destroys the body and rejects.
 */
export async function writeBodyToFile(body: Readable, path: string, offset: number, onWritten?: (end: number) => void): Promise<number> {
  const file = await open(path, 'r+');
  try {
    return await new Promise<number>((resolve, reject) => {
      let batch: Buffer[] = [];
      let batched = 0;
      let position = offset;
      let writing = false;
      let ended = false;
      let bodyError: unknown;
      let writeError: unknown;
      const write = () => {
        const buffers = batch;
        const bytes = batched;
        batch = [];
        batched = 0;
        writing = true;
        writevAll(file, buffers, position).then(() => {
          position += bytes;
          onWritten?.(position);
        }, (err: unknown) => {
          writeError = err;
          body.off('data', onData);
          body.destroy();
        }).finally(() => {
          writing = false;
          if (body.isPaused() && !ended) body.resume();
          next();
        });
      };
      /** Writes what is gathered when there is enough of it, or the rest once the body has ended; settles after the last write. */
      const next = () => {
        if (writing) return;
        if (writeError === undefined && (batched >= batchBytes || (ended && batched > 0))) {
          write();
          return;
        }
        if (!ended && writeError === undefined) return;
        stopWatching();
        if (writeError !== undefined || bodyError !== undefined) reject((writeError ?? bodyError) as Error);
        else resolve(position);
      };
      const onData = (chunk: Buffer) => {
        batch.push(chunk);
        batched += chunk.length;
        if (batched >= bufferedBytes) body.pause();
        next();
      };
      const stopWatching = finished(body, { writable: false }, (err) => {
        ended = true;
        bodyError = err ?? undefined;
        next();
      });
      body.on('data', onData);
    });
  } finally {
    await file.close();
  }
}
