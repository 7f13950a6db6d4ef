// /v1/uploads/s3: direct-to-S3 uploads, where storage is S3. The client declares the file, gets
// presigned UploadPart URLs for a multipart upload at incoming/{videoId}, PUTs the parts straight
// to the bucket, and completes with their ETags; the API checks the parts against S3 and the
// declared size, completes the object and signals the workflow, never touching a byte. The sha256,
// declared or not, is left to ingest, which reads the object once anyway to probe it: it verifies
// a declared one and computes it otherwise. What the completion needs (the S3 upload id, size, part
// size) is in the workflow's memo, so any API process can complete any upload.
import express, { Router } from 'express';
import { z } from 'zod';
import { maxPartSize, maxParts, minPartSize } from '../../activities/storage/s3-direct-uploads';
import type { ReceivedPart, Storage } from '../../activities/storage/storage';
import { durationMs } from '../../common/duration';
import { isVideoId, newVideoId, videoWorkflowId } from '../../common/ids';
import { incomingKey } from '../../contracts/video-commentary';
import { parse } from '../openapi/parse';
import { s3CompleteRequest, s3UploadRequest } from '../openapi/uploads';
import { bodyIdleTimeout } from '../body-idle-timeout';
import { HttpProblem } from '../problem';
import { admitUpload, defaultUploadLimits, type UploadLimits } from '../upload-admission';
import type { VideosService } from '../../client/videos-service';

export interface S3UploadsRouteOptions {
  videos: VideosService;
  storage: Storage;
  maxUploadBytes: number;
  uploadTimeout: string;
  uploadLimits?: UploadLimits;
}

const MiB = 1024 ** 2;
const defaultPartSize = 16 * MiB;
/** SigV4 presigned URLs live at most a week. */
const maxUrlSeconds = 7 * 24 * 3600;

/** What the workflow's memo keeps of a direct upload. */
const directUploadMemo = z.object({
  via: z.literal('s3'),
  s3UploadId: z.string(),
  size: z.number().int(),
  partSize: z.number().int(),
  sha256: z.string().optional(),
});

function choosePartSize(size: number, asked: number | undefined): number {
  if (asked === undefined) return Math.max(defaultPartSize, Math.ceil(size / maxParts / MiB) * MiB);
  if (asked < minPartSize || asked > maxPartSize) throw new HttpProblem(400, 'Invalid request', `partSize must be ${minPartSize} to ${maxPartSize} bytes`);
  if (Math.ceil(size / asked) > maxParts) throw new HttpProblem(400, 'Invalid request', `partSize ${asked} makes more than ${maxParts} parts; use at least ${Math.ceil(size / maxParts)}`);
  return asked;
}

const unquoted = (etag: string) => etag.replace(/^"|"$/g, '');

/** Why the client's part list cannot complete the upload, or undefined when it can. */
function partsFault(sent: { partNumber: number; etag: string }[], received: ReceivedPart[], size: number, partSize: number): string | undefined {
  const count = Math.ceil(size / partSize);
  const numbers = sent.map((p) => p.partNumber);
  if (numbers.some((n, i) => n !== i + 1)) return `the parts must be numbered 1 to ${count} in order, each once; got ${numbers.join(', ')}`;
  if (sent.length !== count) return `a ${size}-byte file in ${partSize}-byte parts has ${count} parts; ${sent.length} were listed`;
  const held = new Map(received.map((p) => [p.partNumber, p]));
  for (const part of sent) {
    const stored = held.get(part.partNumber);
    if (!stored) return `part ${part.partNumber} has not been uploaded`;
    if (unquoted(stored.etag) !== unquoted(part.etag)) return `part ${part.partNumber}'s ETag is ${stored.etag}, not ${part.etag}`;
    const expected = part.partNumber < count ? partSize : size - partSize * (count - 1);
    if (stored.size !== expected) return `part ${part.partNumber} holds ${stored.size} bytes, not ${expected}: the file must be the ${size} bytes declared, in ${partSize}-byte parts`;
  }
  return undefined;
}

export function s3UploadsRouter({ videos, storage, maxUploadBytes, uploadTimeout, uploadLimits = defaultUploadLimits }: S3UploadsRouteOptions): Router {
  const direct = storage.directUploads?.();
  const urlSeconds = Math.min(maxUrlSeconds, Math.ceil(durationMs(uploadTimeout) / 1000));
  const router = Router();
  const idle = bodyIdleTimeout(uploadLimits.idleTimeoutMs);

  router.use((_req, _res, next) => {
    if (!direct) throw new HttpProblem(404, 'Direct-to-S3 uploads are off', 'this API stores videos locally (BING_STORAGE is not s3): upload with tus at /v1/uploads or POST /v1/videos');
    next();
  });

  router.post('/', idle, express.json({ limit: '64kb' }), async (req, res) => {
    const body = parse(s3UploadRequest, req.body);
    if (body.size > maxUploadBytes) throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    const partSize = choosePartSize(body.size, body.partSize);
    const userId = req.userId!;
    await admitUpload({ videos, storage, limits: uploadLimits }, userId, body.size);
    const videoId = newVideoId();
    const key = incomingKey(videoId);
    const contentType = body.contentType ?? 'application/octet-stream';
    const sha256 = body.sha256?.toLowerCase();
    const uploadId = await direct!.create(key, { userId, fileName: body.fileName, contentType });
    try {
      await videos.start(
        { videoId, userId, fileName: body.fileName, language: body.language, style: body.style, teamNames: body.teams, uploadTimeout },
        { fileName: body.fileName, language: body.language, style: body.style, teamNames: body.teams, contentType, via: 's3', s3UploadId: uploadId, size: body.size, partSize, sha256 },
      );
    } catch (err) {
      await direct!.abort(key, uploadId).catch(() => undefined);
      throw err;
    }
    const expiresAt = new Date(Date.now() + urlSeconds * 1000).toISOString();
    const numbers = Array.from({ length: Math.ceil(body.size / partSize) }, (_, i) => i + 1);
    const parts = await Promise.all(numbers.map(async (partNumber) => ({ partNumber, url: await direct!.presignPart(key, uploadId, partNumber, urlSeconds) })));
    res.status(201).location(`/v1/videos/${videoId}`).json({
      videoId, workflowId: videoWorkflowId(videoId), uploadId, partSize, parts, completeUrl: `/v1/uploads/s3/${videoId}/complete`, expiresAt,
    });
  });

  router.post('/:id/complete', idle, express.json({ limit: '1mb' }), async (req, res) => {
    const videoId = String(req.params.id);
    const found = isVideoId(videoId) ? await videos.memo(videoId, req.userId!) : undefined;
    const memo = directUploadMemo.safeParse(found?.memo);
    if (!found || !memo.success) throw new HttpProblem(404, 'Not found', `no direct-to-S3 upload ${videoId}`);
    const { parts } = parse(s3CompleteRequest, req.body);
    if (!found.running) throw new HttpProblem(409, 'Upload ended', 'the request no longer waits for its upload (it timed out, failed or was cancelled)');
    const { s3UploadId, size, partSize, sha256 } = memo.data;
    const key = incomingKey(videoId);
    const received = await direct!.parts(key, s3UploadId);
    if (!received) throw new HttpProblem(409, 'Upload closed', 'the upload was already completed or was aborted');
    const fault = partsFault(parts, received, size, partSize);
    if (fault) throw new HttpProblem(400, 'Invalid parts', fault);
    try {
      await direct!.complete(key, s3UploadId, parts);
    } catch (err) {
      // What S3 itself refuses (InvalidPart, EntityTooSmall) is the client's to fix.
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 400) throw new HttpProblem(400, 'Invalid parts', (err as Error).message);
      throw err;
    }
    await videos.uploadCompleted(videoId, { key, size, sha256 });
    res.status(202).location(`/v1/videos/${videoId}`).json({ videoId, workflowId: videoWorkflowId(videoId), statusUrl: `/v1/videos/${videoId}`, size, sha256 });
  });

  return router;
}
