// Where tus keeps uploads in progress, and how a finished one reaches incoming/{videoId}:
// - local storage: @tus/file-store files in `tusDir`, moved into storage when finished. An upload
//   whose metadata declares a sha256 has each PATCH's bytes hashed on a worker thread once written
//   (upload-hasher.ts), and is read back and hashed at the end only where that running hash does not
//   cover the file (its PATCHes came to another API process, or before a restart); a file that is
//   not the sha256 declared is refused. Without a declared sha256, ingest computes it, as on S3;
// - S3 storage: @tus/s3-store, one S3 multipart upload per tus upload whose key is already
//   incoming/{videoId}, so finishing it completes the object in place and no byte is copied. Its
//   sha256 is the one the client declared in the metadata, or ingest computes it.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import { ERRORS, Upload, type DataStore } from '@tus/server';
import { ChecksumMismatch } from '../../common/errors';
import { storageCan, type ObjectInfo, type Storage, type StorageWith } from '../../activities/storage/storage';
import { incomingKey, type UploadCompleted } from '../../contracts/video-commentary';
import { UploadHasher } from './upload-hasher';
import { writeBodyToFile } from './write-body-to-file';

export interface FinishedUpload extends Omit<UploadCompleted, 'sha256'> {
  sha256?: string;
}

export interface TusStore {
  datastore: DataStore;
  /** The tus id of a video's upload; the URL shows the video id. */
  uploadId(videoId: string): string;
  videoId(uploadId: string): string;
  /** Makes the finished upload the object at incoming/{videoId}, with `metadata` where the store writes it. */
  finish(upload: Upload, metadata: Record<string, string>): Promise<FinishedUpload>;
  /** Removes what tus kept of a finished upload, never the stored video. */
  forget(uploadId: string): Promise<void>;
}

/** S3Store whose termination also removes the last incomplete part, and which can drop a finished upload's info. */
class IncomingS3Store extends S3Store {
  override async remove(id: string): Promise<void> {
    await super.remove(id);
    await this.deleteIncompletePart(id);
  }

  async forget(id: string): Promise<void> {
    await this.client.deleteObjects({ Bucket: this.bucket, Delete: { Objects: [{ Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] } });
    await this.clearCache(id);
  }
}

/**
 * FileStore that has each PATCH's bytes hashed as they reach the file, for uploads that declared a
 * sha256, so that it is checked without reading the whole file again at the end. An upload has a
 * running hash only while every byte of it was written by this process in order.
 */
class HashingFileStore extends FileStore {
  private readonly hasher = new UploadHasher();
  /** Uploads created by this process whose metadata declares a sha256. */
  private readonly declared = new Set<string>();

  override async create(upload: Upload): Promise<Upload> {
    if (upload.metadata?.sha256) this.declared.add(upload.id);
    return super.create(upload);
  }

  override async write(readable: Readable, id: string, offset: number): Promise<number> {
    const path = join(this.directory, id);
    const hashing = this.declared.has(id) && this.hasher.resume(id, offset);
    try {
      return await writeBodyToFile(readable, path, offset, hashing ? (end) => this.hasher.update(id, path, end) : undefined);
    } catch {
      // The upload goes on without a running hash.
      this.hasher.drop(id);
      throw ERRORS.FILE_WRITE_ERROR;
    }
  }

  /** Finished uploads whose file was moved into storage; tus still asks for their state before it answers. */
  private readonly moved = new Set<string>();

  override async getUpload(id: string): Promise<Upload> {
    if (!this.moved.has(id)) return super.getUpload(id);
    const info = await this.configstore.get(id);
    if (!info) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({ id, size: info.size, offset: info.size!, metadata: info.metadata, creation_date: info.creation_date });
  }

  /** Moves the finished upload's file to `key` in storage on this machine, with the sha256 computed as it was written, if any. */
  async moveTo(storage: StorageWith<'adopt'>, id: string, key: string, sha256: string | undefined, size: number, metadata: Record<string, string>): Promise<ObjectInfo> {
    const stored = await storage.adopt(join(this.directory, id), key, { size, sha256 }, metadata);
    this.moved.add(id);
    return stored;
  }

  /** The sha256 of the upload's `size` bytes, when this process hashed every one of them. */
  sha256(id: string, size: number): Promise<string | undefined> {
    return this.hasher.digest(id, size);
  }

  override async remove(id: string): Promise<void> {
    this.declared.delete(id);
    this.hasher.drop(id);
    await super.remove(id);
  }

  /** Removes what is left of a finished upload: its info, and its file unless it was moved into storage. */
  async forget(id: string): Promise<void> {
    this.declared.delete(id);
    this.hasher.drop(id);
    this.moved.delete(id);
    await rm(join(this.directory, id), { force: true });
    await this.configstore.delete(id);
  }
}

const incomingPrefix = incomingKey('');

export function tusStore(storage: Storage, tusDir: string, expirationMs: number): TusStore {
  if (storageCan(storage, 'bucket', 'clientConfig')) {
    const datastore = new IncomingS3Store({
      partSize: 16 * 1024 ** 2,
      expirationPeriodInMilliseconds: expirationMs,
      s3ClientConfig: { bucket: storage.bucket, ...storage.clientConfig },
    });
    return {
      datastore,
      uploadId: incomingKey,
      videoId: (uploadId) => uploadId.slice(incomingPrefix.length),
      finish: async (upload) => {
        const key = upload.id;
        const info = await storage.head(key);
        if (!info) throw new Error(`the finished upload is not at ${key}`);
        return { key, size: info.size, sha256: upload.metadata?.sha256 ?? undefined };
      },
      forget: (uploadId) => datastore.forget(uploadId),
    };
  }
  const datastore = new HashingFileStore({ directory: tusDir, expirationPeriodInMilliseconds: expirationMs });
  const checkDeclared = (upload: Upload, sha256: string) => {
    const declared = upload.metadata?.sha256;
    if (declared && declared !== sha256) {
      throw new ChecksumMismatch(`the file's SHA-256 is ${sha256}, not ${declared} as its Upload-Metadata says`);
    }
  };
  return {
    datastore,
    uploadId: (videoId) => videoId,
    videoId: (uploadId) => uploadId,
    finish: async (upload, metadata) => {
      const key = incomingKey(upload.id);
      const file = join(tusDir, upload.id);
      const sha256 = await datastore.sha256(upload.id, upload.size!);
      if (storageCan(storage, 'adopt') && (sha256 || !upload.metadata?.sha256)) {
        if (sha256) checkDeclared(upload, sha256);
        const stored = await datastore.moveTo(storage, upload.id, key, sha256, upload.size!, metadata);
        return { key, size: stored.size, sha256: stored.sha256 };
      }
      const stored = await storage.put(key, createReadStream(file), metadata);
      checkDeclared(upload, stored.sha256);
      return { key, size: stored.size, sha256: stored.sha256 };
    },
    forget: (uploadId) => datastore.forget(uploadId),
  };
}
