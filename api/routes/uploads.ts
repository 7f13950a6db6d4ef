// /v1/uploads: tus 1.0 resumable uploads (creation, creation-with-upload, termination, expiration).
// Creating an upload starts the request's workflow at stage `uploading` under the new video id, which
// the upload URL names; the finished file ends at incoming/{videoId} (uploads-tus-store.ts says how
// on each storage) and the workflow is signalled `uploadCompleted`, as POST /v1/videos does. Only
// the user who created an upload can see, continue or terminate it.
import { EVENTS, Metadata, Server, type Upload } from '@tus/server';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import type { Storage } from '../../activities/storage/storage';
import { durationMs } from '../../common/duration';
import { isVideoId, newVideoId, videoWorkflowId } from '../../common/ids';
import { incomingKey, type CallbackTarget } from '../../contracts/video-commentary';
import { tusMetadata } from '../openapi/uploads';
import { parseTeams } from '../openapi/videos';
import { bodyIdleTimeout } from '../body-idle-timeout';
import { requestCallback, type CallbackPolicy } from '../callbacks';
import { HttpProblem } from '../problem';
import { admitUpload, defaultUploadLimits, type UploadLimits } from '../upload-admission';
import type { VideosService } from '../../client/videos-service';
import { ChecksumMismatch } from '../../common/errors';
import { tusStore } from './uploads-tus-store';
import { readPatchBodiesFromNode } from './uploads-tus-node-body';

export interface UploadsRouteOptions {
  videos: VideosService;
  storage: Storage;
  maxUploadBytes: number;
  uploadTimeout: string;
  /** Where partial uploads are kept on local storage: `{BING_DATA_DIR}/tus` (S3 keeps them in the bucket). */
  tusDir: string;
  uploadLimits?: UploadLimits;
  callbacks?: CallbackPolicy;
}

/** The mount path: tus answers with Location `${uploadsPath}/{videoId}`. */
export const uploadsPath = '/v1/uploads';
export const videoIdHeader = 'Bing-Video-Id';
const ownerKey = 'bing-user';

type TusError = { status_code: number; body: string };
const tusError = (status: number, body: string): TusError => ({ status_code: status, body: `${body}\n` });

/** The Express request a tus request was made from (the tus server runs on Node's request). */
const expressRequest = (req: { runtime?: { node?: { req?: unknown } } }): Request => req.runtime?.node?.req as Request;

function parseMetadata(header: string | undefined): z.output<typeof tusMetadata> & { teamNames: ReturnType<typeof parseTeams> } {
  let raw: Record<string, string | null> | undefined;
  try {
    raw = header ? Metadata.parse(header) : {};
  } catch {
    throw new HttpProblem(400, 'Invalid upload', 'Upload-Metadata is not a list of "key base64value" pairs');
  }
  const values = Object.fromEntries(Object.entries(raw ?? {}).filter(([key]) => key !== ownerKey).map(([key, value]) => [key, value ?? undefined]));
  const parsed = tusMetadata.safeParse(values);
  if (!parsed.success) {
    throw new HttpProblem(400, 'Invalid upload', `Upload-Metadata: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, teamNames: parseTeams(parsed.data.teams) };
}

export function uploadsRouter({ videos, storage, maxUploadBytes, uploadTimeout, tusDir, uploadLimits = defaultUploadLimits, callbacks }: UploadsRouteOptions): Router {
  const expirationMs = durationMs(uploadTimeout);
  const store = tusStore(storage, tusDir, expirationMs);
  const { datastore } = store;

  const tus = new Server({
    path: uploadsPath,
    datastore,
    maxSize: maxUploadBytes,
    relativeLocation: true,
    exposedHeaders: [videoIdHeader],
    disableTerminationForFinishedUploads: true,
    // The id was chosen (and announced in Bing-Video-Id) before tus saw the request.
    namingFunction: (req) => {
      const id = expressRequest(req).bingVideoId;
      if (!id) throw tusError(500, 'no video id for this upload');
      return store.uploadId(id);
    },
    generateUrl: (_req, { path, id }) => `${path}/${store.videoId(id)}`,
    getFileIdFromRequest: (_req, lastPath) => (lastPath && isVideoId(lastPath) ? store.uploadId(lastPath) : undefined),
    onUploadCreate: async (req, upload) => {
      const express = expressRequest(req);
      const userId = express.userId!;
      const meta = parseMetadata(express.get('upload-metadata'));
      const contentType = meta.filetype ?? 'application/octet-stream';
      const { teamNames } = meta;
      const callback = express.bingCallback ? { callback: express.bingCallback } : {};
      await videos.start(
        { videoId: store.videoId(upload.id), userId, fileName: meta.filename, language: meta.language, style: meta.style, teamNames, uploadTimeout, ...callback },
        { fileName: meta.filename, language: meta.language, style: meta.style, contentType, size: upload.size, via: 'tus', ...callback },
      );
      // contentType: what the S3 store gives the object.
      return { metadata: { ...upload.metadata, [ownerKey]: userId, contentType } };
    },
    onUploadFinish: async (_req, upload) => {
      const videoId = store.videoId(upload.id);
      const meta = upload.metadata ?? {};
      try {
        const finished = await store.finish(upload, { userId: meta[ownerKey] ?? '', fileName: meta.filename ?? 'video', contentType: meta.filetype ?? '' });
        await videos.uploadCompleted(videoId, finished);
        return { headers: { [videoIdHeader]: videoId } };
      } catch (err) {
        // A client resuming this upload would find it complete and stop: end it here instead.
        await storage.delete(incomingKey(videoId)).catch(() => undefined);
        await store.forget(upload.id).catch(() => undefined);
        if (err instanceof ChecksumMismatch) {
          await videos.uploadFailed(videoId, `Checksum mismatch: ${err.message}`);
          throw tusError(400, `${err.message}; nothing was kept`);
        }
        await videos.uploadFailed(videoId, 'the finished upload could not be stored');
        throw tusError(500, 'the finished upload could not be stored; start the upload again');
      }
    },
  });
  readPatchBodiesFromNode(tus);
  // The bytes are at incoming/{videoId} now: what tus kept goes (after it has answered, as the file store reads it back).
  tus.on(EVENTS.POST_FINISH, (_req, _res, upload: Upload) => {
    void store.forget(upload.id).catch(() => undefined);
  });
  const sweep = setInterval(() => void tus.cleanUpExpiredUploads().catch(() => undefined), Math.min(expirationMs, 3_600_000));
  sweep.unref();

  const router = Router();
  // A stalled PATCH is cut with 408; the bytes it brought stay, for the client to resume from.
  const idle = bodyIdleTimeout(uploadLimits.idleTimeoutMs);

  /** Hands the request to tus with its full URL, so that its ids and Location come out right. */
  const toTus = async (req: Request, res: Response) => {
    req.url = req.originalUrl;
    await tus.handle(req, res);
  };

  router.post('/', idle, async (req, res) => {
    if (req.get('upload-concat') !== undefined) throw new HttpProblem(400, 'Invalid upload', 'Upload-Concat is not supported');
    if (req.get('upload-defer-length') !== undefined) {
      throw new HttpProblem(400, 'Invalid upload', 'Upload-Defer-Length is not supported; send Upload-Length');
    }
    const length = req.get('upload-length');
    if (length === undefined || !/^\d{1,16}$/.test(length)) {
      throw new HttpProblem(400, 'Invalid upload', 'Upload-Length must be the file size in bytes, a non-negative integer');
    }
    if (Number(length) > maxUploadBytes) throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    if (Number(length) === 0) throw new HttpProblem(400, 'Empty upload', 'Upload-Length is 0; there is no video to process');
    if (req.get('tus-resumable') === undefined) throw new HttpProblem(412, 'Tus-Resumable required', 'send "Tus-Resumable: 1.0.0"');
    const meta = parseMetadata(req.get('upload-metadata'));
    const videoId = newVideoId();
    req.bingCallback = await requestCallback(callbacks, req, req.userId!, videoId, meta.callbackUrl);
    // On local storage the finished file is copied from tus's folder into storage: twice its size for a moment.
    await admitUpload({ videos, storage, limits: uploadLimits }, req.userId!, 2 * Number(length));
    req.bingVideoId = videoId;
    res.setHeader(videoIdHeader, req.bingVideoId);
    res.setHeader('Bing-Workflow-Id', videoWorkflowId(req.bingVideoId));
    await toTus(req, res);
  });

  /** The upload of the caller's, or 404: another user's upload does not exist for them. */
  const owned = async (req: Request, _res: Response, next: NextFunction) => {
    const id = String(req.params.id);
    const upload = isVideoId(id) ? await datastore.getUpload(store.uploadId(id)).catch(() => undefined) : undefined;
    if (!upload || upload.metadata?.[ownerKey] !== req.userId) throw new HttpProblem(404, 'Not found', `no upload ${id}`);
    next();
  };

  router.head('/:id', owned, toTus);
  router.patch('/:id', idle, owned, toTus);
  router.delete('/:id', owned, async (req, res) => {
    const id = String(req.params.id);
    res.setHeader(videoIdHeader, id);
    // The request ends first, so that no finishing PATCH can signal it any more.
    await videos.abandon(id, 'the upload was terminated');
    await toTus(req, res);
  });
  router.get('/:id', () => {
    throw new HttpProblem(405, 'Method not allowed', 'an upload cannot be downloaded; its video is at /v1/videos/{id}');
  });
  router.options('/', toTus);
  router.options('/:id', toTus);

  return router;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The video id a tus creation request will get. */
    bingVideoId?: string;
    /** The completion webhook a tus creation request asks for, checked. */
    bingCallback?: CallbackTarget;
  }
}
