// /v1/videos: upload a video (a streamed body, never held in memory), read its status and results.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { isVideoId, newVideoId, videoWorkflowId } from '../../common/ids';
import { ObjectNotFound, type Storage } from '../../activities/storage/storage';
import { incomingKey, resultsPrefix, stageNames } from '../../workflows/definitions';
import type { UrlSigner } from '../signed-urls';
import { HttpProblem } from '../problem';
import { NotRerunnable, type VideosService } from '../videos-service';

export interface VideosRouteOptions {
  videos: VideosService;
  storage: Storage;
  signer: UrlSigner;
  maxUploadBytes: number;
  uploadTimeout: string;
}

const uploadQuery = z.object({
  language: z.enum(['en', 'ko']).default('en'),
  style: z.enum(['play-by-play', 'summary']).default('play-by-play'),
  name: z.string().max(255).optional(),
  /** JSON: {"0": "Reds", "1": "Blues"} */
  teams: z.string().max(1000).optional(),
});

const teamNamesSchema = z.object({ 0: z.string().min(1).max(60).optional(), 1: z.string().min(1).max(60).optional() }).strict();

function teamNames(text: string | undefined) {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'Invalid request', 'teams must be JSON such as {"0": "Reds", "1": "Blues"}');
  }
  return parse(teamNamesSchema, json);
}

const commentaryFormats = { json: ['commentary', 'application/json'], vtt: ['commentaryVtt', 'text/vtt; charset=utf-8'], srt: ['commentarySrt', 'application/x-subrip; charset=utf-8'] } as const;

const listQuery = z.object({
  stage: z.enum([...stageNames, 'done', 'failed', 'cancelled']).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  pageToken: z.string().max(2048).optional(),
});

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new HttpProblem(400, 'Invalid request', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

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

export function videosRouter({ videos, storage, signer, maxUploadBytes, uploadTimeout }: VideosRouteOptions): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const query = parse(uploadQuery, req.query);
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > maxUploadBytes) {
      throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    }
    if (declared === '0') throw new HttpProblem(400, 'Empty upload', 'the request body is empty; send the video as the body');
    const expectedSha256 = req.get('x-bing-sha256')?.toLowerCase();
    if (expectedSha256 !== undefined && !/^[0-9a-f]{64}$/.test(expectedSha256)) {
      throw new HttpProblem(400, 'Invalid x-bing-sha256', 'x-bing-sha256 must be the 64 hex digits of the file\'s SHA-256');
    }
    const userId = req.userId!;
    const idempotencyKey = req.get('idempotency-key');
    if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new HttpProblem(400, 'Invalid Idempotency-Key', 'use 1 to 255 visible ASCII characters');
    }
    // The same key from the same user names the same video: Temporal refuses a second workflow.
    const videoId = idempotencyKey ? createHash('sha256').update(`${userId}\0${idempotencyKey}`).digest('hex').slice(0, 20) : newVideoId();
    const name = query.name ?? req.get('x-bing-file-name') ?? 'video';
    const teams = teamNames(query.teams);
    const workflowId = videoWorkflowId(videoId);
    const started = await videos.start(
      { videoId, userId, fileName: name, language: query.language, style: query.style, teamNames: teams, uploadTimeout },
      { fileName: name, language: query.language, style: query.style, teamNames: teams, contentType: req.get('content-type') ?? 'application/octet-stream' },
      idempotencyKey !== undefined,
    );
    if (!started) {
      res.status(200).location(`/v1/videos/${videoId}`).json({ videoId, workflowId, statusUrl: `/v1/videos/${videoId}`, replayed: true });
      req.resume();
      return;
    }
    const key = incomingKey(videoId);
    let stored;
    try {
      stored = await storage.put(key, Readable.from(upTo(maxUploadBytes, req)), { userId, fileName: name, contentType: req.get('content-type') ?? '' });
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
    if (expectedSha256 && stored.sha256 !== expectedSha256) {
      await storage.delete(key);
      await videos.abandon(videoId, 'sha256 mismatch');
      throw new HttpProblem(400, 'Checksum mismatch', `the body's SHA-256 is ${stored.sha256}, not ${expectedSha256} as x-bing-sha256 says`);
    }
    await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 });
    res.status(202).location(`/v1/videos/${videoId}`).json({
      videoId, workflowId, statusUrl: `/v1/videos/${videoId}`, size: stored.size, sha256: stored.sha256,
    });
  });

  router.get('/', async (req, res) => {
    const query = parse(listQuery, req.query);
    res.json(await videos.list(req.userId!, query));
  });

  /** The status, with signed URLs of every stored file of the run. */
  async function statusWithFiles(req: Request) {
    const videoId = videoIdParam(req);
    const status = await videos.status(videoId, req.userId!);
    if (!status) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    const keys = status.source ? [status.source.key] : [];
    const prefix = resultsPrefix(videoId, status.run);
    keys.push(...(await storage.list(prefix)).filter((key) => !key.slice(prefix.length).includes('/')));
    // Presigned by S3 itself where storage is S3, signed by this API otherwise.
    const link = (key: string) => (storage.presignGet ? storage.presignGet(key, signer.ttlSeconds) : Promise.resolve(signer.url(key)));
    const files = Object.fromEntries(await Promise.all(keys.map(async (key) => [key === status.source?.key ? 'source' : fileName(key), await link(key)])));
    return { ...status, files };
  }

  router.get('/:id', async (req, res) => {
    res.json(await statusWithFiles(req));
  });

  router.get('/:id/events', async (req, res) => {
    let last = JSON.stringify(await statusWithFiles(req));
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`event: status\ndata: ${last}\n\n`);
    let open = true;
    req.on('close', () => (open = false));
    let quiet = 0;
    while (open && (JSON.parse(last) as { status: string }).status === 'running') {
      await sleep(500);
      const next = JSON.stringify(await statusWithFiles(req).catch(() => JSON.parse(last) as unknown));
      if (next !== last) {
        res.write(`event: status\ndata: ${next}\n\n`);
        last = next;
        quiet = 0;
      } else if (++quiet % 30 === 0) {
        res.write(': still running\n\n');
      }
    }
    if (open) res.end('event: end\ndata: {}\n\n');
  });

  router.post('/:id/cancel', async (req, res) => {
    const videoId = videoIdParam(req);
    const status = await videos.cancel(videoId, req.userId!);
    if (!status) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    res.status(202).json({ videoId, status: status.status, stage: status.stage });
  });

  router.post('/:id/rerun', async (req, res) => {
    const videoId = videoIdParam(req);
    let started;
    try {
      started = await videos.rerun(videoId, req.userId!);
    } catch (err) {
      if (err instanceof NotRerunnable) throw new HttpProblem(409, 'Cannot rerun', err.message);
      throw err;
    }
    if (!started) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    res.status(202).location(`/v1/videos/${videoId}`).json({ videoId, ...started, statusUrl: `/v1/videos/${videoId}` });
  });

  router.get('/:id/commentary', async (req, res) => {
    const videoId = videoIdParam(req);
    const status = await videos.status(videoId, req.userId!);
    if (!status) throw new HttpProblem(404, 'Not found', `no video ${videoId}`);
    if (!status.result) {
      throw new HttpProblem(409, 'Commentary not ready', `the request is ${status.status} at stage ${status.stage}${status.error ? `: ${status.error}` : ''}`);
    }
    const format = parse(z.enum(['json', 'vtt', 'srt']).default('json'), req.query.format);
    const [result, type] = commentaryFormats[format];
    try {
      const body = await storage.get(status.result.results[result]);
      res.type(type);
      body.pipe(res);
    } catch (err) {
      if (err instanceof ObjectNotFound) throw new HttpProblem(404, 'Not found', 'the commentary is no longer stored');
      throw err;
    }
  });

  return router;
}
