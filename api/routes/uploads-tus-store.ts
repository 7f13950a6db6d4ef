// Where tus keeps uploads in progress, and how a finished one reaches incoming/{videoId}:
// - local storage: @tus/file-store files in `tusDir`, streamed into storage when finished (sha256
//   computed on the way, and checked against the metadata's sha256 when the client declared one);
// - S3 storage: @tus/s3-store, one S3 multipart upload per tus upload whose key is already
//   incoming/{videoId}, so finishing it completes the object in place and no byte is copied. Its
//   sha256 is the one the client declared in the metadata, or ingest computes it.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore, Upload } from '@tus/server';
import { S3Storage } from '../../activities/storage/s3';
import type { Storage } from '../../activities/storage/storage';
import { incomingKey, type UploadCompleted } from '../../workflows/definitions';

/** The finished file is not the one the client declared in its metadata's sha256. */
export class ChecksumMismatch extends Error {}

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

const incomingPrefix = incomingKey('');

export function tusStore(storage: Storage, tusDir: string, expirationMs: number): TusStore {
  if (storage instanceof S3Storage) {
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
  const datastore = new FileStore({ directory: tusDir, expirationPeriodInMilliseconds: expirationMs });
  return {
    datastore,
    uploadId: (videoId) => videoId,
    videoId: (uploadId) => uploadId,
    finish: async (upload, metadata) => {
      const key = incomingKey(upload.id);
      const stored = await storage.put(key, createReadStream(join(tusDir, upload.id)), metadata);
      const declared = upload.metadata?.sha256;
      if (declared && declared !== stored.sha256) {
        throw new ChecksumMismatch(`the file's SHA-256 is ${stored.sha256}, not ${declared} as its Upload-Metadata says`);
      }
      return { key, size: stored.size, sha256: stored.sha256 };
    },
    forget: (uploadId) => datastore.remove(uploadId),
  };
}
