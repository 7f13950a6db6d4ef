// Storage in a local directory: objects under objects/, their metadata beside them under meta/.
// Writes go to a temporary file that is renamed into place, so a crash never leaves half an object.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import writeFileAtomic from 'write-file-atomic';
import { createLogger } from '../../common/logger';
import { assertValidKey, assertValidPrefix, ObjectNotFound, type ObjectInfo, type Storage, type UnfinishedWrite, type VersionedDocuments } from './storage';
import { LocalDocuments } from './versioned';

const logger = createLogger('local-storage');

export class LocalStorage implements Storage {
  private readonly objects: string;
  private readonly meta: string;
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.objects = join(root, 'objects');
    this.meta = join(root, 'meta');
    this.tmp = join(root, 'tmp');
  }

  localPath(key: string): string {
    assertValidKey(key);
    return join(this.objects, ...key.split('/'));
  }

  uri(key: string): string {
    return `file://${this.localPath(key)}`;
  }

  /** Conditional writes under a lock file, by an atomic rename. */
  versionedDocuments(): VersionedDocuments {
    return new LocalDocuments(this);
  }

  /** Bytes free for writing on the file system that holds the storage. */
  async freeBytes(): Promise<number> {
    await mkdir(this.root, { recursive: true });
    const fs = await statfs(this.root);
    return fs.bavail * fs.bsize;
  }

  private metaPath(key: string): string {
    return `${join(this.meta, ...key.split('/'))}.json`;
  }

  async put(key: string, body: Readable | Buffer | string, metadata: Record<string, string> = {}) {
    const target = this.localPath(key);
    await mkdir(this.tmp, { recursive: true });
    const encodedKey = encodeURIComponent(key);
    const temp = join(this.tmp, `${randomUUID()}${tempKeySeparator}${encodedKey.length <= 200 ? encodedKey : ''}`);
    const hash = createHash('sha256');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    try {
      await pipeline(source, measure, createWriteStream(temp, { highWaterMark: writeBufferBytes }));
      const info = { key, size, sha256: hash.digest('hex'), metadata };
      await this.writeMeta(key, info);
      await mkdir(dirname(target), { recursive: true });
      await rename(temp, target);
      return info;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  /**
   * Makes the file at `filePath` the object at `key` by moving it there, with its size and its
   * sha256 where the caller knows it; a file on another file system is copied (and hashed) instead.
   */
  async adopt(filePath: string, key: string, written: { size: number; sha256?: string }, metadata: Record<string, string> = {}): Promise<ObjectInfo> {
    const target = this.localPath(key);
    const info = { key, ...written, metadata };
    await this.writeMeta(key, info);
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(filePath, target);
      return info;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') return this.upload(filePath, key, metadata);
      await rm(this.metaPath(key), { force: true });
      throw err;
    }
  }

  /**
   * The temporary files of writes not finished: in progress, or cut off by a crash. Each names the
   * key it was written for (unless that was too long for a file name) and when a byte last reached it.
   */
  async unfinishedWrites(): Promise<UnfinishedWrite[]> {
    const names = await readdir(this.tmp).catch(() => []);
    const writes = await Promise.all(names.map(async (name) => {
      const path = join(this.tmp, name);
      const stats = await stat(path).catch(() => undefined);
      if (!stats) return undefined;
      const encoded = name.split(tempKeySeparator)[1];
      let key: string | undefined;
      try {
        key = encoded ? decodeURIComponent(encoded) : undefined;
      } catch {
        logger.warn({ path }, 'a temporary file whose name is not an encoded key is not a write of this storage: left alone');
        return undefined;
      }
      return { path, key, modifiedMs: stats.mtimeMs };
    }));
    return writes.filter((w) => w !== undefined);
  }

  private async writeMeta(key: string, info: ObjectInfo): Promise<void> {
    const path = this.metaPath(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, JSON.stringify(info));
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    const path = this.localPath(key);
    if (!(await exists(path))) throw new ObjectNotFound(key);
    return createReadStream(path, range);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.localPath(key);
    const stats = await stat(path).catch(() => undefined);
    if (!stats?.isFile()) return undefined;
    const stored = await readFile(this.metaPath(key), 'utf8').then((s) => JSON.parse(s) as ObjectInfo, () => undefined);
    return { key, size: stats.size, sha256: stored?.sha256, metadata: stored?.metadata ?? {} };
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== '') assertValidPrefix(prefix);
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const dir = join(this.objects, ...base.split('/').filter(Boolean));
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(this.objects, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((k) => k.startsWith(prefix))
      .sort();
  }

  async copy(from: string, to: string): Promise<void> {
    const info = await this.head(from);
    if (!info) throw new ObjectNotFound(from);
    await this.upload(this.localPath(from), to, info.metadata);
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
    await rm(this.metaPath(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    await Promise.all(keys.map((k) => this.delete(k)));
    return keys.length;
  }

  async download(key: string, filePath: string): Promise<void> {
    const path = this.localPath(key);
    if (!(await exists(path))) throw new ObjectNotFound(key);
    await mkdir(dirname(filePath), { recursive: true });
    await rm(filePath, { force: true });
    // A segment job of a long match reads the stored video where it is, rather than a copy per job.
    await link(path, filePath).catch(() => copyFile(path, filePath));
  }

  upload(filePath: string, key: string, metadata: Record<string, string> = {}) {
    return this.put(key, createReadStream(filePath), metadata);
  }
}

/**
 * What a file write stream may hold before the body it is fed from must wait: with Node's 16 KiB
 * each network chunk waited for its own disk write; with 1 MiB the socket is read while the
 * disk writes, and the chunks that queue meanwhile go to disk in one writev (a 1 GB upload
 * took half the API's CPU time it took with 16 KiB).
 */
export const writeBufferBytes = 1 << 20;

/** Between a temporary file's unique part and its encoded key (encodeURIComponent never writes it). */
const tempKeySeparator = '+';

const exists = (path: string) => stat(path).then((s) => s.isFile(), () => false);
