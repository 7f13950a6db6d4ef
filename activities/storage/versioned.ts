// Small documents updated by read, change, write-if-unchanged, so that two writers never lose each
// other's changes: `If-Match` / `If-None-Match` on S3, a lock file and an atomic rename locally.
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { Storage, VersionedDocuments, VersionedText } from './storage';

const statusOf = (err: unknown) => (err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined);

export class S3Documents implements VersionedDocuments {
  constructor(private readonly storage: { client: S3Client; bucket: string }) {}

  async read(key: string): Promise<VersionedText | undefined> {
    try {
      const out = await this.storage.client.send(new GetObjectCommand({ Bucket: this.storage.bucket, Key: key }));
      return { text: await out.Body!.transformToString('utf8'), tag: out.ETag! };
    } catch (err) {
      if (err instanceof NoSuchKey || statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async writeIfUnchanged(key: string, text: string, tag: string | undefined): Promise<boolean> {
    try {
      await this.storage.client.send(new PutObjectCommand({
        Bucket: this.storage.bucket, Key: key, Body: text, ContentType: 'application/json',
        ...(tag === undefined ? { IfNoneMatch: '*' } : { IfMatch: tag }),
      }));
      return true;
    } catch (err) {
      // 412 (PreconditionFailed): the tag no longer matches; 409: a concurrent conditional write is in flight.
      if (statusOf(err) === 412 || statusOf(err) === 409) return false;
      throw err;
    }
  }
}

const lockWaitMs = 10_000;
const staleLockMs = 30_000;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export class LocalDocuments implements VersionedDocuments {
  constructor(private readonly storage: { localPath(key: string): string }) {}

  async read(key: string): Promise<VersionedText | undefined> {
    const text = await readFile(this.storage.localPath(key), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return text === undefined ? undefined : { text, tag: sha256(text) };
  }

  async writeIfUnchanged(key: string, text: string, tag: string | undefined): Promise<boolean> {
    const path = this.storage.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    const lock = await this.lock(`${path}.lock`);
    try {
      if ((await this.read(key))?.tag !== tag) return false;
      const temp = `${path}.${randomUUID()}.tmp`;
      await writeFile(temp, text);
      await rename(temp, path);
      return true;
    } finally {
      await lock.close();
      await rm(`${path}.lock`, { force: true });
    }
  }

  private async lock(path: string) {
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      const handle = await open(path, 'wx').catch(() => undefined);
      if (handle) return handle;
      const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > staleLockMs) await rm(path, { force: true });
      else if (Date.now() > deadline) throw new Error(`${path} stayed locked for ${lockWaitMs} ms`);
      else await sleep(20);
    }
  }
}

export function versionedDocuments(storage: Storage): VersionedDocuments {
  if (!storage.versionedDocuments) throw new Error('conditional writes need S3 or local storage');
  return storage.versionedDocuments();
}
