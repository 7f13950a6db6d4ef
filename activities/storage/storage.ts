// Object storage, one interface for S3 and a local directory. Keys are '/'-separated paths.
import type { Readable } from 'node:stream';

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
  download(key: string, filePath: string): Promise<void>;
  upload(filePath: string, key: string, metadata?: Record<string, string>): Promise<ObjectInfo & { sha256: string }>;
  /** Where a tool on this machine can read the object directly, when it can. */
  localPath?(key: string): string;
  /** A URL that reads the object without other credentials, where the storage can make one (S3). */
  presignGet?(key: string, expiresSeconds: number): Promise<string>;
  /** A URI naming the object, for manifests and logs. */
  uri(key: string): string;
}

export class ObjectNotFound extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

export class InvalidKey extends Error {}

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
