// Small documents updated by read, change, write-if-unchanged, so that two writers never lose each
// other's changes: `If-Match` / `If-None-Match` on S3, a lock file and an atomic rename locally.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import writeFileAtomic from 'write-file-atomic';
import { withFileLock } from '../../common/file-lock';
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
const lockRetryMs = 20;
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

  /** Writes under the document's lock (`{path}.lock`), waiting lockWaitMs for another writer; a lock its holder stopped refreshing for staleLockMs is taken over. */
  async writeIfUnchanged(key: string, text: string, tag: string | undefined): Promise<boolean> {
    const path = this.storage.localPath(key);
    await mkdir(dirname(path), { recursive: true });
    const lockfilePath = `${path}.lock`;
    const retries = { retries: lockWaitMs / lockRetryMs, factor: 1, minTimeout: lockRetryMs, maxTimeout: lockRetryMs };
    const written = await withFileLock(path, { lockfilePath, staleMs: staleLockMs, retries }, async (stillHeld) => {
      if ((await this.read(key))?.tag !== tag) return false;
      stillHeld();
      await writeFileAtomic(path, text);
      return true;
    });
    if (written === undefined) throw new Error(`${lockfilePath} stayed locked for ${lockWaitMs} ms`);
    return written;
  }
}

export function versionedDocuments(storage: Storage): VersionedDocuments {
  if (!storage.versionedDocuments) throw new Error('conditional writes need S3 or local storage');
  return storage.versionedDocuments();
}
