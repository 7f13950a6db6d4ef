// Running sha256 hashes of upload files, computed on a worker thread that reads back the bytes once
// they are written (from the page cache), so that the thread receiving an upload never hashes: on a
// 1 GB tus upload that was 0.6 s of the API's main thread, and the client waited for it after each
// PATCH. The worker is plain JavaScript evaluated from a string, so that it runs the same under tsx,
// vitest and the compiled dist/.
import { Worker } from 'node:worker_threads';

const workerSource = `
const { parentPort } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const { createHash } = require('node:crypto');
const running = new Map();
const buffer = Buffer.allocUnsafe(1 << 20);
function update({ id, path, from, to }) {
  const hash = from === 0 ? { sha256: createHash('sha256'), size: 0 } : running.get(id);
  running.delete(id);
  if (!hash || hash.size !== from) return;
  const fd = openSync(path, 'r');
  try {
    while (hash.size < to) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, to - hash.size), hash.size);
      if (read === 0) return;
      hash.sha256.update(buffer.subarray(0, read));
      hash.size += read;
    }
  } finally {
    closeSync(fd);
  }
  running.set(id, hash);
}
parentPort.on('message', (m) => {
  if (m.type === 'update') {
    try { update(m); } catch { running.delete(m.id); }
  } else if (m.type === 'digest') {
    const hash = running.get(m.id);
    running.delete(m.id);
    parentPort.postMessage({ seq: m.seq, sha256: hash && hash.size === m.size ? hash.sha256.digest('hex') : undefined });
  } else {
    running.delete(m.id);
  }
});
`;

type Message = { type: 'update'; id: string; path: string; from: number; to: number } | { type: 'digest'; id: string; size: number; seq: number } | { type: 'drop'; id: string };

/**
 * The hashes of files written in order from their first byte, each under an id. A hash covers a
 * file only while every update continued the last one; a gap, a read that fails or a worker that
 * dies leaves the id without a hash, and its digest is undefined (the caller hashes the file itself).
 */
export class UploadHasher {
  private worker?: Worker;
  /** How far each id's hash has been asked to reach. */
  private readonly hashedTo = new Map<string, number>();
  private readonly digests = new Map<number, (sha256: string | undefined) => void>();
  private seq = 0;

  private post(message: Message): void {
    if (!this.worker) {
      const worker = new Worker(workerSource, { eval: true });
      worker.unref();
      worker.on('message', ({ seq, sha256 }: { seq: number; sha256?: string }) => {
        this.digests.get(seq)?.(sha256);
        this.digests.delete(seq);
      });
      // Every hash it held is lost: each waiting digest gets none, and later updates find no hash to continue.
      const lost = () => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.hashedTo.clear();
        for (const resolve of this.digests.values()) resolve(undefined);
        this.digests.clear();
      };
      worker.on('error', lost);
      worker.on('exit', lost);
      this.worker = worker;
    }
    this.worker.postMessage(message);
  }

  /** Before a write at `offset`: whether it continues `id`'s hash (a write at 0 starts it afresh); if not, the hash ends. */
  resume(id: string, offset: number): boolean {
    if (offset === 0) this.hashedTo.set(id, 0);
    if (this.hashedTo.get(id) === offset) return true;
    this.drop(id);
    return false;
  }

  /** Hashes the file's bytes up to `to`, written since the last update. */
  update(id: string, path: string, to: number): void {
    const from = this.hashedTo.get(id);
    if (from === undefined || to <= from) return;
    this.hashedTo.set(id, to);
    this.post({ type: 'update', id, path, from, to });
  }

  /** The sha256 of the file's first `size` bytes, when the hash covers exactly them; the hash ends. */
  digest(id: string, size: number): Promise<string | undefined> {
    if (!this.hashedTo.delete(id)) return Promise.resolve(undefined);
    const seq = ++this.seq;
    const digest = new Promise<string | undefined>((resolve) => this.digests.set(seq, resolve));
    this.worker?.ref();
    this.post({ type: 'digest', id, size, seq });
    return digest.finally(() => {
      if (this.digests.size === 0) this.worker?.unref();
    });
  }

  drop(id: string): void {
    if (this.hashedTo.delete(id)) this.post({ type: 'drop', id });
  }
}
