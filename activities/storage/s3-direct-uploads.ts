// Multipart uploads that a client sends straight to the bucket through presigned UploadPart URLs,
// so the bytes never pass through the API: create, presign the parts, list what arrived, complete,
// abort. S3 allows at most 10,000 parts of 5 MiB to 5 GiB each (the last may be smaller).
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  NoSuchUpload,
  S3Client,
  UploadPartCommand,
  ListPartsCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { contentType, encodeMetadata } from './s3-metadata';
import { assertValidKey, type DirectUploads, type ReceivedPart } from './storage';

export const minPartSize = 5 * 1024 ** 2;
export const maxPartSize = 5 * 1024 ** 3;
export const maxParts = 10_000;

export class S3DirectUploads implements DirectUploads {
  /**
   * Presigns with no request checksum: with one, the SDK signs the checksum of an empty body
   * into the URL, and S3 refuses the part the client then sends.
   */
  private readonly presigner: S3Client;

  constructor(private readonly storage: { client: S3Client; bucket: string; clientConfig: S3ClientConfig }) {
    this.presigner = new S3Client({ ...storage.clientConfig, requestChecksumCalculation: 'WHEN_REQUIRED' });
  }

  async create(key: string, metadata: Record<string, string>): Promise<string> {
    assertValidKey(key);
    const { UploadId } = await this.storage.client.send(new CreateMultipartUploadCommand({
      Bucket: this.storage.bucket, Key: key, ContentType: contentType(metadata), Metadata: encodeMetadata(metadata),
    }));
    if (!UploadId) throw new Error(`S3 gave no upload id for ${key}`);
    return UploadId;
  }

  presignPart(key: string, uploadId: string, partNumber: number, expiresSeconds: number): Promise<string> {
    return getSignedUrl(this.presigner, new UploadPartCommand({ Bucket: this.storage.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }), { expiresIn: expiresSeconds });
  }

  async parts(key: string, uploadId: string): Promise<ReceivedPart[] | undefined> {
    const parts: ReceivedPart[] = [];
    try {
      let marker: string | undefined;
      for (;;) {
        const page = await this.storage.client.send(new ListPartsCommand({ Bucket: this.storage.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
        for (const part of page.Parts ?? []) parts.push({ partNumber: part.PartNumber ?? 0, etag: part.ETag ?? '', size: part.Size ?? 0 });
        // Not the SDK's paginator: it follows NextPartNumberMarker, which moto sets on the last page too.
        if (!page.IsTruncated || !page.NextPartNumberMarker || page.NextPartNumberMarker === marker) break;
        marker = page.NextPartNumberMarker;
      }
    } catch (err) {
      if (err instanceof NoSuchUpload) return undefined;
      throw err;
    }
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    await this.storage.client.send(new CompleteMultipartUploadCommand({
      Bucket: this.storage.bucket, Key: key, UploadId: uploadId,
      MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
    }));
  }

  async abort(key: string, uploadId: string): Promise<void> {
    await this.storage.client.send(new AbortMultipartUploadCommand({ Bucket: this.storage.bucket, Key: key, UploadId: uploadId }));
  }
}
