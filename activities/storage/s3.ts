// Storage in an S3 bucket (AWS, moto or any S3-compatible server by endpoint). One client from the
// standard AWS configuration chain. Writes stream through lib-storage's multipart Upload in constant
// memory while the sha256 is computed; S3 fixes an object's metadata when its upload starts, so a
// body larger than one part gets its sha256 by a server-side copy onto itself once it is complete.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  NoSuchBucket,
  NoSuchKey,
  NotFound,
  S3Client,
  S3ServiceException,
  UploadPartCopyCommand,
  paginateListObjectsV2,
  type CompletedPart,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import pMap from 'p-map';
import { S3DirectUploads } from './s3-direct-uploads';
import { contentType, decodeMetadata, encodeMetadata } from './s3-metadata';
import { assertValidKey, assertValidPrefix, InvalidKey, ObjectNotFound, type DirectUploads, type ObjectInfo, type Storage, type VersionedDocuments } from './storage';
import { S3Documents } from './versioned';

export interface S3StorageOptions {
  bucket: string;
  /** An S3-compatible server (moto, MinIO, ...): path-style addressing is used with it. */
  endpoint?: string;
  /** Otherwise from the standard chain (AWS_REGION, profile). */
  region?: string;
  /** A client to use instead of building one; endpoint and region are then ignored. */
  client?: S3Client;
  /** Multipart part size for puts, at least 5 MiB; 10 MiB allows objects up to 97 GiB (S3 takes 10,000 parts). */
  partSize?: number;
  /** Parts uploaded at once; memory held by a put is about (queueSize + 1) * partSize. */
  queueSize?: number;
  /** Above this size copies use UploadPartCopy; S3's CopyObject takes at most 5 GiB. */
  multipartCopyThreshold?: number;
  /** Part size of a multipart copy. */
  copyPartSize?: number;
  /** Keys asked for per ListObjectsV2 page (at most 1000). */
  listPageSize?: number;
  /** Extra client settings (retries, request handler, checksum behaviour). */
  clientConfig?: S3ClientConfig;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const deleteBatch = 1000;

type Body = Readable | Buffer | string;

export class S3Storage implements Storage {
  readonly client: S3Client;
  readonly bucket: string;
  /** The settings the client is built from, for other clients of the same bucket (tus, presigning). */
  readonly clientConfig: S3ClientConfig;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly multipartCopyThreshold: number;
  private readonly copyPartSize: number;
  private readonly listPageSize: number;

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    this.clientConfig = {
      // S3-compatible servers differ in the checksums they return (moto 5.2 gives an object copied
      // from a multipart upload its source's composite CRC as if it were a whole-object one), so
      // responses are checked only where S3 requires it; uploads still send their checksums.
      ...(options.endpoint && !process.env.AWS_RESPONSE_CHECKSUM_VALIDATION ? { responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      ...options.clientConfig,
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    };
    this.client = options.client ?? new S3Client(this.clientConfig);
    this.partSize = Math.max(5 * MiB, options.partSize ?? 10 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 2);
    this.multipartCopyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.copyPartSize = Math.max(5 * MiB, options.copyPartSize ?? 512 * MiB);
    this.listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
  }

  uri(key: string): string {
    if (key.endsWith('/')) assertValidPrefix(key);
    else assertValidKey(key);
    return `s3://${this.bucket}/${key}`;
  }

  /** A URL that lets anyone holding it GET the object until it expires. */
  async presignGet(key: string, expiresSeconds: number): Promise<string> {
    assertValidKey(key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: expiresSeconds });
  }

  /** Conditional writes by `If-Match` / `If-None-Match`. */
  versionedDocuments(): VersionedDocuments {
    return new S3Documents(this);
  }

  directUploads(): DirectUploads {
    return new S3DirectUploads(this);
  }

  async put(key: string, body: Body, metadata: Record<string, string> = {}): Promise<ObjectInfo & { sha256: string }> {
    assertValidKey(key);
    const hash = createHash('sha256');
    let size = 0;
    const take = (chunk: unknown): Buffer => {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string | Uint8Array);
      hash.update(buffer);
      size += buffer.length;
      return buffer;
    };

    // Read up to one part: a body that ends within it goes in one PutObject with all its metadata.
    const chunks = typeof body === 'string' || Buffer.isBuffer(body) ? [Buffer.from(body)][Symbol.iterator]() : body[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    let ended = false;
    while (size <= this.partSize) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(take(next.value));
    }
    if (ended) {
      const bytes = Buffer.concat(head);
      const digest = hash.digest();
      const sha256 = digest.toString('hex');
      await this.client.send(new PutObjectCommand({
        Bucket: this.bucket, Key: key, Body: bytes, ContentLength: bytes.length, ChecksumSHA256: digest.toString('base64'),
        ContentType: contentType(metadata), Metadata: encodeMetadata(metadata, sha256),
      }));
      return { key, size, sha256, metadata };
    }

    // Larger: stream the rest through a multipart upload, hashing on the way.
    async function* rest(): AsyncGenerator<Buffer> {
      yield* head.splice(0);
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield take(next.value);
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: Readable.from(rest()), ContentType: contentType(metadata), Metadata: encodeMetadata(metadata) },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      if (typeof body !== 'string' && !Buffer.isBuffer(body)) body.destroy();
      throw err;
    }
    const sha256 = hash.digest('hex');
    await this.copyObject(key, key, size, { ContentType: contentType(metadata), Metadata: encodeMetadata(metadata, sha256) });
    return { key, size, sha256, metadata };
  }

  async get(key: string, range?: { start: number; end?: number }): Promise<Readable> {
    assertValidKey(key);
    try {
      const { Body } = await this.client.send(new GetObjectCommand({
        Bucket: this.bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined,
      }));
      return Body as Readable;
    } catch (err) {
      // A range starting past the end reads nothing, as it does from a file.
      if (range && statusOf(err) === 416 && (await this.head(key))) return Readable.from([]);
      throw notFound(err, key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    assertValidKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0, ...decodeMetadata(out.Metadata ?? {}) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    if (prefix !== '') assertValidPrefix(prefix);
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client: this.client, pageSize: this.listPageSize }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        // Folder markers made by consoles are not objects here.
        if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      }
    }
    return keys.sort();
  }

  async copy(from: string, to: string): Promise<void> {
    assertValidKey(from);
    assertValidKey(to);
    const info = await this.head(from);
    if (!info) throw new ObjectNotFound(from);
    await this.copyObject(from, to, info.size);
  }

  /**
   * Server-side copy of an object in another bucket (or of one version of it) into this one, as
   * large as S3 allows.
   */
  async copyFrom(origin: { bucket: string; key: string; versionId?: string }, to: string): Promise<void> {
    assertValidKey(to);
    const version = origin.versionId ? { VersionId: origin.versionId } : {};
    const out = await this.client.send(new HeadObjectCommand({ Bucket: origin.bucket, Key: origin.key, ...version })).catch((err: unknown) => {
      throw notFound(err, `s3://${origin.bucket}/${origin.key}`);
    });
    await this.copyObject(origin.key, to, out.ContentLength ?? 0, undefined, origin);
  }

  /** Server-side copy; `replace` sets new metadata (and allows copying an object onto itself). */
  private async copyObject(
    from: string, to: string, size: number, replace?: { ContentType?: string; Metadata: Record<string, string> },
    origin: { bucket: string; versionId?: string } = { bucket: this.bucket },
  ): Promise<void> {
    const source = `${origin.bucket}/${from.split('/').map(encodeURIComponent).join('/')}${origin.versionId ? `?versionId=${encodeURIComponent(origin.versionId)}` : ''}`;
    if (size <= this.multipartCopyThreshold) {
      try {
        await this.client.send(new CopyObjectCommand({
          Bucket: this.bucket, Key: to, CopySource: source, ...(replace ? { ...replace, MetadataDirective: 'REPLACE' } : { MetadataDirective: 'COPY' }),
        }));
      } catch (err) {
        throw notFound(err, from);
      }
      return;
    }
    // Multipart copy keeps nothing of the source's metadata: carry it over unless replaced.
    let settings = replace;
    if (!settings) {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: origin.bucket, Key: from, VersionId: origin.versionId })).catch((err: unknown) => {
        throw notFound(err, from);
      });
      settings = { ContentType: out.ContentType, Metadata: out.Metadata ?? {} };
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to, ...settings }));
    try {
      const ranges: Array<[number, number]> = [];
      for (let start = 0; start < size; start += this.copyPartSize) ranges.push([start, Math.min(size, start + this.copyPartSize) - 1]);
      const parts = await pMap(ranges, async ([start, end], index): Promise<CompletedPart> => {
        const out = await this.client.send(new UploadPartCopyCommand({
          Bucket: this.bucket, Key: to, UploadId, PartNumber: index + 1, CopySource: source, CopySourceRange: `bytes=${start}-${end}`,
        }));
        return { PartNumber: index + 1, ETag: out.CopyPartResult?.ETag };
      }, { concurrency: this.queueSize });
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId })).catch(() => undefined);
      throw notFound(err, from);
    }
  }

  async delete(key: string): Promise<void> {
    assertValidKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  /** Deletes every object under a non-empty prefix; returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    if (prefix === '') throw new InvalidKey('refusing to delete the whole bucket: deletePrefix needs a prefix');
    const keys = await this.list(prefix);
    for (let i = 0; i < keys.length; i += deleteBatch) {
      const batch = keys.slice(i, i + deleteBatch);
      const out = await this.client.send(new DeleteObjectsCommand({
        Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }));
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} objects under ${prefix}: ${failed[0]?.Key}: ${failed[0]?.Code} ${failed[0]?.Message ?? ''}`);
    }
    return keys.length;
  }

  /** Writes the object to a file, through a temporary file beside it so no half file appears. */
  async download(key: string, filePath: string): Promise<void> {
    const body = await this.get(key);
    await mkdir(dirname(filePath), { recursive: true });
    const temp = `${filePath}.${randomUUID()}.part`;
    try {
      await pipeline(body, createWriteStream(temp));
      await rename(temp, filePath);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  upload(filePath: string, key: string, metadata: Record<string, string> = {}): Promise<ObjectInfo & { sha256: string }> {
    return this.put(key, createReadStream(filePath), metadata);
  }
}

const statusOf = (err: unknown) => (err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined);

function isNotFound(err: unknown): boolean {
  if (err instanceof NoSuchKey || err instanceof NotFound) return true;
  // HEAD responses have no body to name the error: a 404 that is not about the bucket.
  return statusOf(err) === 404 && !(err instanceof NoSuchBucket);
}

const notFound = (err: unknown, key: string): unknown => (isNotFound(err) ? new ObjectNotFound(key) : err);
