// /v1/videos: upload a video (a streamed body or form field, never held in memory), read its status and results.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Router, type Request, type Response } from 'express';
import { isVideoId, newVideoId, videoWorkflowId } from '../../common/ids';
import { ObjectNotFound, type Storage } from '../../activities/storage/storage';
import { incomingKey, resultsPrefix } from '../../contracts/video-commentary';
import { parse } from '../openapi/parse';
import { commentaryQuery, listQuery, parseTeams, uploadHeaders, uploadSettings } from '../openapi/videos';
import { pageTokens } from '../page-tokens';
import type { UrlSigner } from '../signed-urls';
import { HttpProblem } from '../problem';
import { bodyIdleTimeout, idleCut } from '../body-idle-timeout';
import { requestCallback, type CallbackPolicy } from '../callbacks';
import { admitUpload, defaultUploadLimits, type UploadLimits } from '../upload-admission';
import { NotRerunnable, type VideosService } from '../../client/videos-service';
import { formFile } from './uploads-form';
import { storeUploadBody } from './raw-upload-body';
import { commentaryEvents, partialCommentary, sendPartialCommentary } from '../partial-commentary';

export interface VideosRouteOptions {
  videos: VideosService;
  storage: Storage;
  signer: UrlSigner;
  maxUploadBytes: number;
  uploadTimeout: string;
  uploadLimits?: UploadLimits;
  callbacks?: CallbackPolicy;
}

const commentaryFormats = { json: ['commentary', 'application/json'], vtt: ['commentaryVtt', 'text/vtt; charset=utf-8'], srt: ['commentarySrt', 'application/x-subrip; charset=utf-8'] } as const;

/** How long a retry with an Idempotency-Key waits for the run of a failed upload with the key to end. */
const endingGraceMs = 5000;

const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/** What an event stream reports a change of: the status and which files are stored, not their links (signed afresh each time). */
const streamedState = (status: { files: Record<string, string> }) => JSON.stringify({ ...status, files: Object.keys(status.files) });

/** The video an Idempotency-Key names: the same key from the same user, the same video. */
export const keyedVideoId = (userId: string, idempotencyKey: string): string =>
  createHash('sha256').update(`${userId}\0${idempotencyKey}`).digest('hex').slice(0, 20);

/** The body's chunks, failing with 413 as soon as they pass the limit. */
export async function* upTo(limit: number, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
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

/** A form's boundaries and field headers: what a multipart body may carry beyond the file. */
const formOverhead = 64 * 1024;

/** The video being uploaded, from a raw body or a form's `file` field. */
interface IncomingVideo {
  /** Query parameters, or form fields. */
  settings: unknown;
  body: Readable;
  contentType: string;
  /** The file name the client sent with the bytes (a form part's), if any. */
  fileName?: string;
  /** Resolves once the whole request is read; a fault there (a field after the file) refuses the upload. */
  rest?: Promise<string | undefined>;
}

export function videosRouter({ videos, storage, signer, maxUploadBytes, uploadTimeout, uploadLimits = defaultUploadLimits, callbacks }: VideosRouteOptions): Router {
  const router = Router();
  // A stalled upload with the key is cut within the idle timeout.
  const uploadInProgress = () => new HttpProblem(409, 'Upload in progress', 'an upload with this Idempotency-Key is in progress; send it again once that one has ended',
    { 'Retry-After': String(Math.max(1, Math.ceil(uploadLimits.idleTimeoutMs / 1000))) });

  /**
   * Whether an upload with an Idempotency-Key may start its video's request: false when the key
   * names a request that got its bytes (replay it); 409 while another upload with the key runs.
   */
  async function keyedStart(videoId: string): Promise<boolean> {
    let state = await videos.keyedRequest(videoId);
    // An upload that failed or finished a moment ago: its run may be ending, or its history may not
    // show the signal yet (a signal waits there while the run's workflow task is under way).
    if (state === 'uploading') {
      await videos.ended(videoId, endingGraceMs);
      state = await videos.keyedRequest(videoId);
    }
    if (state === 'open') return true;
    if (state === 'received') return false;
    throw uploadInProgress();
  }

  async function accept(req: Request, res: Response, video: IncomingVideo): Promise<void> {
    const settings = parse(uploadSettings, video.settings);
    const headers = parse(uploadHeaders, req.headers);
    const expectedSha256 = headers['x-bing-sha256']?.toLowerCase();
    const userId = req.userId!;
    const idempotencyKey = headers['idempotency-key'];
    const keyed = idempotencyKey !== undefined;
    // A failed upload leaves the key's video free for its next run.
    const videoId = keyed ? keyedVideoId(userId, idempotencyKey) : newVideoId();
    const name = settings.name ?? headers['x-bing-file-name'] ?? video.fileName ?? 'video';
    const teams = parseTeams(settings.teams);
    const workflowId = videoWorkflowId(videoId);
    const callback = await requestCallback(callbacks, req, userId, videoId, settings.callbackUrl);
    const replay = () => {
      res.status(200).location(`/v1/videos/${videoId}`).json({ videoId, workflowId, statusUrl: `/v1/videos/${videoId}`, replayed: true });
      video.body.resume();
      req.resume();
    };
    if (keyed && !(await keyedStart(videoId))) return replay();
    const declared = req.get('content-length');
    await admitUpload({ videos, storage, limits: uploadLimits }, userId, declared === undefined ? undefined : Number(declared));
    const runId = await videos.start(
      { videoId, userId, fileName: name, language: settings.language, style: settings.style, teamNames: teams, uploadTimeout, ...(callback ? { callback } : {}) },
      { fileName: name, language: settings.language, style: settings.style, teamNames: teams, contentType: video.contentType || 'application/octet-stream', ...(callback ? { callback } : {}) },
      keyed,
    );
    if (!runId) {
      // Another upload with the key started the request first.
      if ((await videos.keyedRequest(videoId)) === 'received') return replay();
      throw uploadInProgress();
    }
    const key = incomingKey(videoId);
    /** Ends the request with the problem as its reason, removing what this upload stored. */
    const refuse = async (problem: HttpProblem, stored = true): Promise<never> => {
      if (stored) await storage.delete(key);
      await videos.uploadFailed(videoId, `${problem.title}: ${problem.detail}`, runId);
      throw problem;
    };
    let stored;
    try {
      stored = await storeUploadBody(storage, key, video.body, maxUploadBytes, { userId, fileName: name, contentType: video.contentType });
    } catch (err) {
      // Nothing is stored (a write lands whole or not at all). A cut body has had its 408 already.
      const cut = idleCut(req);
      if (cut) return refuse(new HttpProblem(408, 'Request body timeout', cut.message), false);
      if (err instanceof HttpProblem) return refuse(err, false);
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
        return refuse(new HttpProblem(507, 'Insufficient storage', 'the server\'s storage filled up during the upload; try again later'), false);
      }
      return refuse(new HttpProblem(400, 'Upload interrupted', 'the request body ended early'), false);
    }
    const fault = await video.rest;
    if (fault) return refuse(new HttpProblem(400, 'Invalid form', fault));
    if (stored.size === 0) return refuse(new HttpProblem(400, 'Empty upload', 'the request body is empty; send the video as the body'));
    if (expectedSha256 && stored.sha256 !== expectedSha256) {
      return refuse(new HttpProblem(400, 'Checksum mismatch', `the body's SHA-256 is ${stored.sha256}, not ${expectedSha256} as x-bing-sha256 says`));
    }
    await videos.uploadCompleted(videoId, { key, size: stored.size, sha256: stored.sha256 }, runId);
    res.status(202).location(`/v1/videos/${videoId}`).json({
      videoId, workflowId, statusUrl: `/v1/videos/${videoId}`, size: stored.size, sha256: stored.sha256,
    });
  }

  router.post('/', bodyIdleTimeout(uploadLimits.idleTimeoutMs), async (req, res) => {
    const form = req.is('multipart/form-data') === 'multipart/form-data';
    const declared = req.get('content-length');
    if (declared !== undefined && Number(declared) > maxUploadBytes + (form ? formOverhead : 0)) {
      throw new HttpProblem(413, 'Upload too large', `the limit is ${maxUploadBytes} bytes`);
    }
    if (declared === '0') throw new HttpProblem(400, 'Empty upload', 'the request body is empty; send the video as the body');
    if (!form) {
      await accept(req, res, { settings: req.query, body: req, contentType: req.get('content-type') ?? '' });
      return;
    }
    const part = await formFile(req);
    await accept(req, res, { settings: { ...req.query, ...part.fields }, body: part.file, contentType: part.mimeType, fileName: part.fileName, rest: part.rest });
  });

  const tokens = pageTokens(signer);
  router.get('/', async (req, res) => {
    const { pageToken, ...query } = parse(listQuery, req.query);
    const scope = `${req.userId!}/${query.stage ?? ''}`;
    const page = await videos.list(req.userId!, { ...query, pageToken: pageToken === undefined ? undefined : tokens.open(scope, pageToken) });
    res.json({ videos: page.videos, ...(page.nextPageToken ? { nextPageToken: tokens.seal(scope, page.nextPageToken) } : {}) });
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
    let last = await statusWithFiles(req);
    const newCommentary = commentaryEvents(storage);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(`event: status\ndata: ${JSON.stringify(last)}\n\n${await newCommentary(last)}`);
    let open = true;
    req.on('close', () => (open = false));
    let quiet = 0;
    while (open && last.status === 'running') {
      await sleep(500);
      const next = await statusWithFiles(req).catch(() => last);
      if (streamedState(next) !== streamedState(last)) {
        res.write(`event: status\ndata: ${JSON.stringify(next)}\n\n${await newCommentary(next)}`);
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
      // A long video's segments that have their commentary: the lines so far.
      const partial = status.status === 'running' ? await partialCommentary(storage, status) : undefined;
      if (partial) return sendPartialCommentary(res, partial, parse(commentaryQuery, req.query).format);
      throw new HttpProblem(409, 'Commentary not ready', `the request is ${status.status} at stage ${status.stage}${status.error ? `: ${status.error}` : ''}`);
    }
    const { format } = parse(commentaryQuery, req.query);
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
