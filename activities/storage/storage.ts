// Object storage, one interface for S3 and a local directory. Keys are '/'-separated paths. What
// only one kind of storage can do is an optional member: callers test for the capability they need.
import type { Readable } from 'node:stream';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { InvalidKey } from '../../common/errors';

export interface ObjectInfo {
  key: string;
  size: number;
  sha256?: string;
  metadata: Record<string, string>;
}

export interface Storage {
  /** Writes a whole object; readers never see a partial one. Returns its size and sha256. */
  put(key: string, body: Readable | Buffer | string, metadata?: Record<string, string>): Promise<ObjectInfo & { sha256: string }>;
  /** Streams an object, or part of one (`end` inclusive). Throws ObjectNotFound. */
  get(key: string, range?: { start: number; end?: number }): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Keys under a prefix, in lexical order. */
  list(prefix: string): Promise<string[]>;
  copy(from: string, to: string): Promise<void>;
  delete(key: string): Promise<void>;
  deletePrefix(prefix: string): Promise<number>;
  /** The object as a file at `filePath`, to be read, never changed: on local storage it is a hard link to the stored bytes. */
  download(key: string, filePath: string): Promise<void>;
  upload(filePath: string, key: string, metadata?: Record<string, string>): Promise<ObjectInfo & { sha256: string }>;
  /** Where a tool on this machine can read the object directly, when it can. */
  localPath?(key: string): string;
  /** A URL that reads the object without other credentials, where the storage can make one (S3). */
  presignGet?(key: string, expiresSeconds: number): Promise<string>;
  /** A URI naming the object, for manifests and logs. */
  uri(key: string): string;
  /** Small documents replaced only by conditional writes, so that two writers never lose each other's changes. */
  versionedDocuments?(): VersionedDocuments;

  /** The S3 bucket the keys are in, where the storage is one (SageMaker jobs read and write it by name). */
  readonly bucket?: string;
  /** The settings of the storage's S3 client, for other clients of the same bucket (tus's S3 store). */
  readonly clientConfig?: S3ClientConfig;
  /** Server-side copy of an object in another bucket, or of one version of it, to `to`. Throws ObjectNotFound. */
  copyFrom?(origin: { bucket: string; key: string; versionId?: string }, to: string): Promise<void>;
  /** Multipart uploads that a client sends straight to the storage, through presigned part URLs. */
  directUploads?(): DirectUploads;

  /**
   * Makes the file at `filePath` on this machine the object at `key` by moving it there, with its
   * size and its sha256 where the caller knows it (computed as it was written, or read since).
   */
  adopt?(filePath: string, key: string, written: { size: number; sha256?: string }, metadata?: Record<string, string>): Promise<ObjectInfo>;
  /** Bytes free for writing, where the storage is a file system on this machine. */
  freeBytes?(): Promise<number>;
  /** The temporary files of writes not finished (in progress, or cut off by a crash), where writes go through them. */
  unfinishedWrites?(): Promise<UnfinishedWrite[]>;
}

/** A storage known to have the optional members `K`. */
export type StorageWith<K extends keyof Storage> = Storage & Required<Pick<Storage, K>>;

export function storageCan<K extends keyof Storage>(storage: Storage, ...capabilities: K[]): storage is StorageWith<K> {
  return capabilities.every((capability) => storage[capability] !== undefined);
}

export interface VersionedText {
  text: string;
  /** What a conditional write must name to replace exactly this text. */
  tag: string;
}

export interface VersionedDocuments {
  read(key: string): Promise<VersionedText | undefined>;
  /** Writes `text` if the document is still at `tag` (absent when undefined); false if it changed meanwhile. */
  writeIfUnchanged(key: string, text: string, tag: string | undefined): Promise<boolean>;
}

export interface ReceivedPart {
  partNumber: number;
  etag: string;
  size: number;
}

export interface DirectUploads {
  /** Starts a multipart upload at `key`; returns its upload id. */
  create(key: string, metadata: Record<string, string>): Promise<string>;
  presignPart(key: string, uploadId: string, partNumber: number, expiresSeconds: number): Promise<string>;
  /** The parts the storage holds, in order; undefined when the upload is no longer open (completed or aborted). */
  parts(key: string, uploadId: string): Promise<ReceivedPart[] | undefined>;
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  abort(key: string, uploadId: string): Promise<void>;
}

/** A write's temporary file: the key it was written for (unless too long for a file name), when a byte last reached it. */
export interface UnfinishedWrite {
  path: string;
  key?: string;
  modifiedMs: number;
}

/** Storage's errors, with BING's others in common/errors.ts. */
export { InvalidKey, ObjectNotFound } from '../../common/errors';

// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** Refuses keys that could escape the storage root or confuse a file system. */
export function assertValidKey(key: string): void {
  const parts = key.split('/');
  if (
    key.length === 0 || key.length > 1024 || key.startsWith('/') || key.includes('\\') ||
    controlCharacters.test(key) || parts.some((p) => p === '' || p === '.' || p === '..')
  ) {
    throw new InvalidKey(`invalid storage key: ${JSON.stringify(key)}`);
  }
}

export function assertValidPrefix(prefix: string): void {
  assertValidKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

export async function readJson(storage: Storage, key: string): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(key)) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
