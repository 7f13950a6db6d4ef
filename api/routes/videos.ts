// /v1/videos: upload a video (a streamed body, never held in memory), read its status and results.
import { Readable } from 'node:stream';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { isVideoId, newVideoId } from '../../common/ids';
import { ObjectNotFound, type Storage } from '../../activities/storage/storage';
import { incomingKey } from '../../workflows/definitions';
import { HttpProblem } from '../problem';
import type { VideosService } from '../videos-service';

export interface VideosRouteOptions {
  videos: VideosService;
  storage: Storage;
  maxUploadBytes: number;
  uploadTimeout: string;
}

const uploadQuery = z.object({
  language: z.enum(['en', 'ko']).default('en'),
  name: z.string().max(255).optional(),
});

/** The body's chunks, failing with 413 as soon as they pass the limit. */
async function* upTo(limit: number, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new HttpProblem(413, 'Upload too large', `the limit is ${limit} bytes`);
    yield chunk;
  }
}

function videoIdParam(req: Request): string {
  const id = String(req.params.id);
  if (!isVideoId(id)) throw new HttpProblem(404, 'Not found', `no video ${id}`);
  return id;
}

export function videosRouter({ videos, storage, maxUploadBytes, uploadTimeout }: VideosRouteOptions): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const query = uploadQuery.safeParse(req.query);
    if (!query.success) throw new HttpProblem(400, 'Invalid query', query.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > maxUploadBytes) {
      throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    }
    if (declared === '0') throw new HttpProblem(400, 'Empty upload', 'the request body is empty; send the video as the body');
    const userId = req.userId!;
    const videoId = newVideoId();
    const fileName = query.data.name ?? req.get('x-bing-file-name') ?? 'video';
    const workflowId = await videos.start(
      { videoId, userId, fileName, language: query.data.language, uploadTimeout },
      { fileName, contentType: req.get('content-type') ?? 'application/octet-stream' },
    );
    const key = incomingKey(videoId);
    let stored;
    try {
      stored = await storage.put(key, Readable.from(upTo(maxUploadBytes, req)), { userId, fileName, contentType: req.get('content-type') ?? '' });
    } catch (err) {
      await storage.delete(key);
      await videos.abandon(videoId, 'the upload broke off');
      throw err instanceof HttpProblem ? err : new HttpProblem(400, 'Upload interrupted', 'the request body ended early');
    }
    if (stored.size === 0) {
      await storage.delete(key);
      await videos.abandon(videoId, 'empty upload');
      throw new HttpProblem(400, 'Empty upload', 'the request body is empty; send the video as the body');
    }
    await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 });
    res.status(202).location(`/v1/videos/${videoId}`).json({
      videoId, workflowId, statusUrl: `/v1/videos/${videoId}`, size: stored.size, sha256: stored.sha256,
    });
  });

  router.get('/:id', async (req, res) => {
    const videoId = videoIdParam(req);
    const status = await videos.status(videoId, req.userId!);
    if (!status) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    res.json(status);
  });

  router.get('/:id/commentary', async (req, res) => {
    const videoId = videoIdParam(req);
    const status = await videos.status(videoId, req.userId!);
    if (!status) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    if (!status.result) {
      throw new HttpProblem(409, 'Commentary not ready', `the request is ${status.status} at stage ${status.stage}${status.error ? `: ${status.error}` : ''}`);
    }
    try {
      res.type('application/json');
      (await storage.get(status.result.results.commentary)).pipe(res);
    } catch (err) {
      if (err instanceof ObjectNotFound) throw new HttpProblem(404, 'Not found', 'the commentary is no longer stored');
      throw err;
    }
  });

  return router;
}
