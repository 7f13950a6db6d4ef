// Uploads against a real dev server. tus 1.0 at /v1/uploads: creation, resumption after a cut,
// limits, ownership and termination, at the protocol level and through tus-js-client as the CLI
// uses it. On S3 (moto): tus on the S3 store, raw and multipart POST /v1/videos, direct-to-S3 with
// presigned parts, the old contract, and ingest of an upload that came without a sha256. Stalled
// bodies on every door, retries with the same Idempotency-Key, and the per-user and free-space limits.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { CopyObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import express from 'express';
import { pino } from 'pino';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { createIngest } from '../activities/ingest';
import { LocalStorage } from '../activities/storage/local';
import { S3Storage } from '../activities/storage/s3';
import type { Storage } from '../activities/storage/storage';
import { createApp, type AppOptions } from '../api/app';
import { fileUrlStorage } from '../api/cli/api-client';
import { UrlSigner } from '../api/signed-urls';
import { RetrainingService } from '../client/retraining-service';
import { noRetraining } from './helpers/retraining';
import { defaultUploadLimits, uploadLimits } from '../api/upload-admission';
import { VideosService, type VideoStatus } from '../client/videos-service';
import { loadConfig } from '../common/config';
import { videoWorkflowId } from '../common/ids';
import { incomingKey, searchAttributes } from '../contracts/video-commentary';
import { listenOnLoopback } from './helpers/http';
import { FakeRunner, type FakeJob } from './helpers/fake-runner';
import { motoBucket, startMoto, type Moto } from './helpers/moto';
import { stalledRequest } from './helpers/stalled-request';
import { syntheticMatch, syntheticTrackList } from './helpers/synthetic-match';
import { runWithVideoWorkers } from './helpers/video-workers';
import { localEnv } from './helpers/temporal';
import { testPattern } from './helpers/videos';

const alice = 'alice-key-0123456789';
const bob = 'bob-key-0123456789ab';
const carol = 'carol-key-0123456789';
const dave = 'dave-key-0123456789a';
const erin = 'erin-key-0123456789a';
const frank = 'frank-key-0123456789';
const keys = new Map([[alice, 'alice'], [bob, 'bob'], [carol, 'carol'], [dave, 'dave'], [erin, 'erin'], [frank, 'frank']]);
const maxUploadBytes = 4 << 20;
/** The tests leave many uploads waiting (no worker runs their requests): no per-user limit but where a test sets one. */
const roomy = { ...defaultUploadLimits, perUser: 1000 };

let env: TestWorkflowEnvironment;
let dir: string;
let tusDir: string;
let storage: LocalStorage;
let base: string;
const servers: Server[] = [];
/** The PATCH requests the servers received, per upload id: their Upload-Offset and Content-Length. */
const patched = new Map<string, { offset: number; length: number }[]>();

/** The API on `on`, recording PATCH requests; returns its base URL. */
async function serve(on: Storage, overrides: Partial<AppOptions> = {}): Promise<string> {
  const options: AppOptions = {
    client: env.client,
    videos: new VideosService(env.client, 'uploads-test-no-worker'),
    jobs: new LocalJobView(join(dir, 'jobs')),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage: on, apiKeys: keys, maxUploadBytes, uploadTimeout: '1h', uploadLimits: roomy, retraining: new RetrainingService(env.client, noRetraining), logger: pino({ level: 'silent' }), tusDir,
    ...overrides,
  };
  const outer = express();
  outer.use((req, _res, next) => {
    if (req.method === 'PATCH') {
      const id = req.path.split('/').pop()!;
      patched.set(id, [...(patched.get(id) ?? []), { offset: Number(req.get('upload-offset')), length: Number(req.get('content-length')) }]);
    }
    next();
  });
  outer.use(createApp(options));
  const listening = await listenOnLoopback(outer);
  servers.push(listening.server);
  return listening.base;
}

beforeAll(async () => {
  env = await localEnv();
  dir = await mkdtemp(join(tmpdir(), 'bing-uploads-'));
  tusDir = join(dir, 'tus');
  storage = new LocalStorage(join(dir, 'storage'));
  base = await serve(storage);
});

afterAll(async () => {
  for (const server of servers) server.close();
  await env?.teardown();
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const tusHeaders = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'tus-resumable': '1.0.0', ...extra });

async function create(key: string, length: number | string, body?: Buffer, at = base, metadata = ''): Promise<Response> {
  return fetch(`${at}/v1/uploads`, {
    method: 'POST',
    headers: tusHeaders(key, {
      'upload-length': String(length),
      'upload-metadata': `filename ${b64('clip.mp4')},language ${b64('en')}${metadata}`,
      ...(body ? { 'content-type': 'application/offset+octet-stream' } : {}),
    }),
    body: body ? new Uint8Array(body) : undefined,
  });
}

const patch = (key: string, location: string, offset: number, body: Buffer, at = base) =>
  fetch(`${at}${location}`, { method: 'PATCH', headers: tusHeaders(key, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }), body: new Uint8Array(body) });

const head = (key: string, location: string, at = base) => fetch(`${at}${location}`, { method: 'HEAD', headers: tusHeaders(key) });

/** Sends the first half of `video` in a PATCH that is cut before its declared end; resolves when the server holds the half. */
async function patchCutAtHalf(location: string, video: Buffer, at = base): Promise<number> {
  const half = video.length / 2;
  const controller = new AbortController();
  const stream = new ReadableStream<Uint8Array>({
    async pull(c) {
      c.enqueue(video.subarray(0, half));
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      c.close();
    },
  });
  await fetch(`${at}${location}`, {
    method: 'PATCH', signal: controller.signal, body: stream, duplex: 'half',
    headers: tusHeaders(alice, { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(video.length) }),
  } as RequestInit).catch(() => undefined);
  // What the server kept of the cut request (all of the half, unless a loaded machine cut it sooner).
  const offset = async () => Number((await head(alice, location, at)).headers.get('upload-offset'));
  let kept = await offset();
  for (let deadline = Date.now() + 20_000; Date.now() < deadline;) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const now = await offset();
    if (now === kept && now > 0) break;
    kept = now;
  }
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(half);
  return kept;
}

async function workflowStatus(videoId: string): Promise<string> {
  return (await env.client.workflow.getHandle(videoWorkflowId(videoId)).describe()).status.name;
}

/** The uploadCompleted signal the workflow received, if any. */
async function signalled(videoId: string): Promise<{ key: string; size: number; sha256: string } | undefined> {
  const history = await env.client.workflow.getHandle(videoWorkflowId(videoId)).fetchHistory();
  const event = history.events?.find((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'uploadCompleted');
  const payload = event?.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
  return payload ? (JSON.parse(Buffer.from(payload.data!).toString()) as { key: string; size: number; sha256: string }) : undefined;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function expectProblem(res: Response, status: number, detail: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { title: string; detail: string };
  expect(`${body.title}: ${body.detail}`).toMatch(detail);
}

describe('tus uploads', () => {
  it('creates an upload declaring its sha256 (the workflow starts), takes it in two PATCHes hashed as they come, stores it and signals the sha256', async () => {
    const video = randomBytes(300_000);
    const created = await create(alice, video.length, undefined, base, `,sha256 ${b64(sha256(video))}`);
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    expect(location).toBe(`/v1/uploads/${videoId}`);
    expect(created.headers.get('access-control-expose-headers')).toMatch(/Bing-Video-Id/);
    expect(await workflowStatus(videoId)).toBe('RUNNING');

    const first = await patch(alice, location, 0, video.subarray(0, 100_000));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('100000');
    const second = await patch(alice, location, 100_000, video.subarray(100_000));
    expect(second.status).toBe(204);
    expect(second.headers.get('upload-offset')).toBe(String(video.length));

    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length, sha256: sha256(video) });
    expect((await storage.head(incomingKey(videoId)))?.sha256).toBe(sha256(video));
    await expect.poll(() => readdir(tusDir).then((files) => files.filter((f) => f.startsWith(videoId)))).toEqual([]);
  });

  it('takes a whole upload in the creation request (creation-with-upload), with team names; with no sha256 declared it signals none: ingest computes it', async () => {
    const video = randomBytes(50_000);
    const created = await create(alice, video.length, video, base, `,teams ${b64('{"0":"Reds","1":"Blues"}')}`);
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-offset')).toBe(String(video.length));
    const videoId = created.headers.get('bing-video-id')!;
    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length });
    expect(await storage.head(incomingKey(videoId))).toMatchObject({ size: video.length, sha256: undefined });
    const history = await env.client.workflow.getHandle(videoWorkflowId(videoId)).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
    expect(JSON.parse(Buffer.from(input.data!).toString())).toMatchObject({ teamNames: { 0: 'Reds', 1: 'Blues' } });
  });

  it('ingest of a tus upload without a sha256 computes it and moves the file into place on local storage, no byte copied', async () => {
    const video = await readFile(await testPattern(join(dir, 'pattern-local.mp4')));
    const created = await create(alice, video.length, video, base, `,filetype ${b64('video/mp4')}`);
    const videoId = created.headers.get('bing-video-id')!;
    const upload = (await signalled(videoId))!;
    const { ino } = await stat(storage.localPath(upload.key));
    const ingested = await createIngest(storage)({ videoId, userId: 'alice', upload });
    expect(ingested).toMatchObject({ key: `uploads/alice/${videoId}/source`, size: video.length, sha256: sha256(video) });
    expect(await storage.head(ingested.key)).toMatchObject({ sha256: sha256(video), metadata: { contentType: 'video/mp4' } });
    expect((await stat(storage.localPath(ingested.key))).ino).toBe(ino);
    expect(await storage.head(upload.key)).toBeUndefined();
  });

  it('resumes an upload cut at half: HEAD tells the half, the next PATCH carries only the rest, and the hash covers both', async () => {
    const video = randomBytes(1_000_000);
    const created = await create(alice, video.length, undefined, base, `,sha256 ${b64(sha256(video))}`);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    const half = await patchCutAtHalf(location, video);
    const headed = await head(alice, location);
    expect(headed.status).toBe(200);
    expect(headed.headers.get('upload-length')).toBe(String(video.length));
    expect(await signalled(videoId)).toBeUndefined();

    const rest = await patch(alice, location, half, video.subarray(half));
    expect(rest.status).toBe(204);
    expect(patched.get(videoId)?.at(-1)).toEqual({ offset: half, length: video.length - half });
    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length, sha256: sha256(video) });
  });

  it('refuses a negative, oversized, missing or empty Upload-Length and bad metadata with problem+json, storing nothing', async () => {
    const before: string[] = await readdir(tusDir).catch(() => []);
    const stored = await storage.list('incoming/');
    for (const [length, status] of [['-1', 400], [String(maxUploadBytes + 1), 413], ['abc', 400], ['0', 400]] as const) {
      const res = await create(alice, length);
      expect(res.status, length).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const badMeta = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: tusHeaders(alice, { 'upload-length': '10', 'upload-metadata': `filename ${b64('a.mp4')},language ${b64('fr')}` }) });
    expect(badMeta.status).toBe(400);
    expect(((await badMeta.json()) as { detail: string }).detail).toMatch(/language/);
    const badTeams = await create(alice, 10, undefined, base, `,teams ${b64('Reds')}`);
    expect(badTeams.status).toBe(400);
    expect(((await badTeams.json()) as { detail: string }).detail).toMatch(/teams must be JSON/);
    const noName = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: tusHeaders(alice, { 'upload-length': '10' }) });
    expect(noName.status).toBe(400);
    const noKey = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(noKey.status).toBe(401);
    expect((await readdir(tusDir).catch(() => [])).filter((f) => !before.includes(f))).toEqual([]);
    expect(await storage.list('incoming/')).toEqual(stored);
  });

  it('stops a PATCH that goes past the declared length', async () => {
    const created = await create(alice, 1000);
    const location = created.headers.get('location')!;
    const res = await patch(alice, location, 0, randomBytes(2000));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("hides one user's upload from another (404 on HEAD, PATCH, DELETE)", async () => {
    const created = await create(alice, 1000);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    for (const res of [await head(bob, location), await patch(bob, location, 0, randomBytes(10)), await fetch(`${base}${location}`, { method: 'DELETE', headers: tusHeaders(bob) })]) {
      expect(res.status).toBe(404);
    }
    expect((await head(alice, location)).headers.get('upload-offset')).toBe('0');
    expect(await workflowStatus(videoId)).toBe('RUNNING');
  });

  it('terminates an upload: the partial file goes and the workflow ends', async () => {
    const created = await create(alice, 1000);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    await patch(alice, location, 0, randomBytes(400));
    expect((await readdir(tusDir)).filter((f) => f.startsWith(videoId)).length).toBeGreaterThan(0);
    const res = await fetch(`${base}${location}`, { method: 'DELETE', headers: tusHeaders(alice) });
    expect(res.status).toBe(204);
    expect((await readdir(tusDir)).filter((f) => f.startsWith(videoId))).toEqual([]);
    expect(await workflowStatus(videoId)).toBe('TERMINATED');
    expect((await head(alice, location)).status).toBe(404);
  });

  it('resumes with tus-js-client and a file URL storage, as `bing process` does when run again', async () => {
    const file = join(dir, 'clip.mp4');
    const video = randomBytes(3 << 20);
    await writeFile(file, video);
    const urlStorage = await fileUrlStorage(join(dir, 'tus-urls.json'));
    const options = (onProgress: (sent: number) => void): tus.UploadOptions => ({
      endpoint: `${base}/v1/uploads`, chunkSize: 1 << 20, headers: { authorization: `Bearer ${alice}` },
      metadata: { filename: 'clip.mp4', language: 'en', sha256: sha256(video) }, urlStorage, removeFingerprintOnSuccess: true, retryDelays: [],
      onProgress,
    });

    // First run: stop after the first chunk.
    const first = await new Promise<string>((resolve, reject) => {
      const upload: tus.Upload = new tus.Upload(createReadStream(file), {
        ...options(() => undefined),
        onChunkComplete: (_size, accepted) => {
          if (accepted >= 1 << 20) void upload.abort().then(() => resolve(upload.url!));
        },
        onError: reject,
      });
      upload.start();
    });
    const videoId = first.split('/').pop()!;
    expect(await signalled(videoId)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const reached = Number((await head(alice, new URL(first, base).pathname)).headers.get('upload-offset'));
    expect(reached).toBeGreaterThanOrEqual(1 << 20);
    expect(reached).toBeLessThan(video.length);
    const firstRun = patched.get(videoId)!.length;

    // Second run: finds the upload by the file's fingerprint and sends only the rest.
    const upload = new tus.Upload(createReadStream(file), { ...options(() => undefined) });
    const previous = await upload.findPreviousUploads();
    expect(previous).toHaveLength(1);
    upload.resumeFromPreviousUpload(previous[0]!);
    await new Promise<void>((resolve, reject) => {
      upload.options.onSuccess = () => resolve();
      upload.options.onError = reject;
      upload.start();
    });
    expect(upload.url).toBe(first);
    const secondRun = patched.get(videoId)!.slice(firstRun);
    expect(secondRun[0]!.offset).toBe(reached);
    expect(secondRun.reduce((sum, p) => sum + p.length, 0)).toBe(video.length - reached);
    expect((await signalled(videoId))?.sha256).toBe(sha256(video));
    // tus-js-client removes the fingerprint without waiting for it.
    await expect.poll(() => urlStorage.findAllUploads()).toEqual([]);
  });
});

describe('stalled bodies, retries with the same Idempotency-Key, and limits', () => {
  const queue = 'uploads-test-worker';
  let runner: FakeRunner;
  let clip: Buffer;
  /** Requests of the API run on workers (real activities, GPU jobs that write their outputs at once). */
  const withWorkers = <T>(fn: () => Promise<T>) => runWithVideoWorkers(env, { storage, runner }, queue, fn);
  const served = (overrides: Partial<AppOptions> = {}) => serve(storage, { videos: new VideosService(env.client, queue), ...overrides });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });

  beforeAll(async () => {
    clip = await readFile(await testPattern(join(dir, 'match.mp4'), { seconds: 2 }));
    const tracks = JSON.stringify({ video: { width: 160, height: 120, fps: 25, frames: 50, duration: 2 }, detector: {}, tracks: syntheticTrackList.map((t) => ({ ...t, boxes: [] })) });
    runner = new FakeRunner(storage, async () => Date.now(), (spec): FakeJob => spec.kind === 'mot'
      ? { durationMs: 0, outputs: { 'tracks.json': tracks, 'tracks.txt': '' } }
      : { durationMs: 0, outputs: { 'actions.json': JSON.stringify(syntheticMatch(2)) } });
  });

  const post = (at: string, key: string, body: Buffer, headers: Record<string, string> = {}) =>
    fetch(`${at}/v1/videos`, { method: 'POST', body: new Uint8Array(body), headers: { ...auth(key), ...headers } });

  async function statusOf(at: string, key: string, videoId: string): Promise<VideoStatus> {
    return (await (await fetch(`${at}/v1/videos/${videoId}`, { headers: auth(key) })).json()) as VideoStatus;
  }

  /** The user's only video, once the listing shows it. */
  async function onlyVideo(at: string, key: string): Promise<string> {
    for (;;) {
      const { videos } = (await (await fetch(`${at}/v1/videos`, { headers: auth(key) })).json()) as { videos: { videoId: string }[] };
      if (videos.length) return videos[0]!.videoId;
      await sleep(200);
    }
  }

  /** The video's status once its latest run has ended. */
  async function ended(at: string, key: string, videoId: string): Promise<VideoStatus> {
    await env.client.workflow.getHandle(videoWorkflowId(videoId)).result().catch(() => undefined);
    return statusOf(at, key, videoId);
  }

  const unfinishedWrites = () => readdir(join(storage.root, 'tmp')).catch(() => []);

  it('cuts a raw body stalled after 10 bytes (BING_UPLOAD_IDLE_TIMEOUT=10s) with 408 and fails its request; its Idempotency-Key then starts a request that completes', () => withWorkers(async () => {
    const at = await served({ uploadLimits: uploadLimits(loadConfig({ BING_UPLOAD_IDLE_TIMEOUT: '10s' })) });
    const key = { 'idempotency-key': 'carol-match-1' };
    const stalled = stalledRequest(at, { path: '/v1/videos', headers: { ...auth(carol), ...key }, length: clip.length, first: clip.subarray(0, 10) });
    await stalled.sent;
    const videoId = await onlyVideo(at, carol);
    // Meanwhile an upload with the same key is told to wait for that one.
    const meanwhile = await post(at, carol, clip, key);
    expect(meanwhile.headers.get('retry-after')).toBe('10');
    await expectProblem(meanwhile, 409, /Upload in progress/);

    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408, title: 'Request body timeout', detail: expect.stringMatching(/sent nothing for 10s/) });
    expect(await ended(at, carol, videoId)).toMatchObject({ status: 'failed', stage: 'failed', error: 'Request body timeout: the request body sent nothing for 10s' });
    expect(await storage.head(incomingKey(videoId))).toBeUndefined();
    expect(await unfinishedWrites()).toEqual([]);

    const retry = await post(at, carol, clip, key);
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual({ videoId, workflowId: videoWorkflowId(videoId), statusUrl: `/v1/videos/${videoId}`, size: clip.length, sha256: sha256(clip) });
    expect(await ended(at, carol, videoId)).toMatchObject({ status: 'completed', stage: 'done', run: 1 });
    const replay = await post(at, carol, clip, key);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ videoId, replayed: true });
  }));

  it('after a refused upload with key K, the retry with key K and the right bytes completes; K then replays it', () => withWorkers(async () => {
    const at = await served();
    const key = { 'idempotency-key': 'dave-match-1' };
    await expectProblem(await post(at, dave, clip, { ...key, 'x-bing-sha256': sha256(Buffer.from('another file')) }), 400, /Checksum mismatch/);
    const retry = await post(at, dave, clip, { ...key, 'x-bing-sha256': sha256(clip) });
    expect(retry.status).toBe(202);
    const { videoId, replayed } = (await retry.json()) as { videoId: string; replayed?: boolean };
    expect(replayed).toBeUndefined();
    expect(await ended(at, dave, videoId)).toMatchObject({ status: 'completed', stage: 'done' });
    // One workflow id, two runs: the refused upload's, failed with its reason, and the retry's.
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${videoWorkflowId(videoId)}'` })) runs.push(run.status.name);
    expect(runs.sort()).toEqual(['COMPLETED', 'FAILED']);
    const replay = await post(at, dave, clip, key);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ videoId, replayed: true });
  }));

  it('cuts a multipart form stalled in its file with 408, keeping nothing, and fails its request', () => withWorkers(async () => {
    const at = await served({ uploadLimits: { ...roomy, idleTimeoutMs: 2000 } });
    const head = Buffer.from('--b\r\nContent-Disposition: form-data; name="file"; filename="match.mp4"\r\nContent-Type: video/mp4\r\n\r\n');
    const stalled = stalledRequest(at, {
      path: '/v1/videos', headers: { ...auth(erin), 'content-type': 'multipart/form-data; boundary=b' },
      length: head.length + clip.length + 8, first: Buffer.concat([head, clip.subarray(0, 10)]),
    });
    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408, detail: expect.stringMatching(/sent nothing for 2s/) });
    const videoId = await onlyVideo(at, erin);
    expect(await ended(at, erin, videoId)).toMatchObject({ status: 'failed', error: 'Request body timeout: the request body sent nothing for 2s' });
    expect(await storage.head(incomingKey(videoId))).toBeUndefined();
    expect(await unfinishedWrites()).toEqual([]);
  }));

  it('cuts a stalled tus PATCH with 408 and keeps what it brought: the upload resumes from there', async () => {
    const at = await serve(storage, { uploadLimits: { ...roomy, idleTimeoutMs: 2000 } });
    const video = randomBytes(5000);
    const created = await create(alice, video.length, undefined, at);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    const stalled = stalledRequest(at, {
      method: 'PATCH', path: location, headers: tusHeaders(alice, { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }),
      length: video.length, first: video.subarray(0, 10),
    });
    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    await expect.poll(async () => (await head(alice, location, at)).headers.get('upload-offset')).toBe('10');
    expect(await workflowStatus(videoId)).toBe('RUNNING');
    expect((await patch(alice, location, 10, video.subarray(10), at)).status).toBe(204);
    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length });
  });

  it('refuses a tus upload on local storage whose file is not the sha256 its metadata declares: nothing kept, the request fails', () => withWorkers(async () => {
    const at = await served();
    const video = randomBytes(5000);
    const created = await create(frank, video.length, undefined, at, `,sha256 ${b64(sha256(Buffer.from('another file')))}`);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    const res = await patch(frank, location, 0, video, at);
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(new RegExp(`SHA-256 is ${sha256(video)}, not`));
    expect(await ended(at, frank, videoId)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^Checksum mismatch: the file's SHA-256 is/) });
    expect(await storage.head(incomingKey(videoId))).toBeUndefined();
    expect((await readdir(tusDir)).filter((f) => f.startsWith(videoId))).toEqual([]);

    const good = await create(frank, video.length, undefined, at, `,sha256 ${b64(sha256(video))}`);
    const goodId = good.headers.get('bing-video-id')!;
    expect((await patch(frank, good.headers.get('location')!, 0, video, at)).status).toBe(204);
    // A signal shows in the history once the workflow task under way (the run just started) is done.
    await expect.poll(async () => (await signalled(goodId))?.sha256).toBe(sha256(video));
  }));

  it('refuses a user more uploads in progress than BING_MAX_UPLOADS_PER_USER with 429 and a Retry-After of when one frees by itself, on every door', async () => {
    const at = await serve(storage, { uploadLimits: { ...defaultUploadLimits, perUser: 2 } });
    const videos = new VideosService(env.client, 'uploads-test-no-worker');
    const first = await create(bob, 1000, undefined, at);
    expect(first.status).toBe(201);
    expect((await create(bob, 1000, undefined, at)).status).toBe(201);
    const inProgress = async () => (await videos.uploadsInProgress('bob')).length;
    await expect.poll(inProgress).toBe(2);
    const third = await create(bob, 1000, undefined, at);
    // A paused tus upload is not cut by the idle timeout: its place frees at BING_UPLOAD_TIMEOUT (24 h) unless ended.
    const retryAfter = Number(third.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(24 * 3600 - 600);
    expect(retryAfter).toBeLessThanOrEqual(24 * 3600);
    await expectProblem(third, 429, /you have 2 uploads in progress.*DELETE \/v1\/uploads\/\{id\} for a tus upload/);
    await expectProblem(await post(at, bob, clip), 429, /you have 2 uploads in progress/);
    // One ends: room for the next.
    expect((await fetch(`${at}${first.headers.get('location')}`, { method: 'DELETE', headers: tusHeaders(bob) })).status).toBe(204);
    await expect.poll(inProgress).toBe(1);
    expect((await create(bob, 1000, undefined, at)).status).toBe(201);
  });

  it('refuses with 507, before it starts, an upload local storage cannot hold beside its reserve', async () => {
    const before = { incoming: await storage.list('incoming/'), tus: await readdir(tusDir) };
    const roomless = await serve(storage, { maxUploadBytes: 2 ** 52, uploadLimits: { ...roomy, reserveBytes: 0 } });
    await expectProblem(await create(alice, 2 ** 50, undefined, roomless), 507, /the upload needs \d+ bytes and the server's storage has \d+ free/);
    const reserved = await serve(storage, { uploadLimits: { ...roomy, reserveBytes: Number.MAX_SAFE_INTEGER } });
    await expectProblem(await post(reserved, alice, clip), 507, /the upload needs \d+ bytes .* keeps in reserve/);
    // A body of unknown length (chunked): storage must at least have its reserve.
    const chunked = new ReadableStream({ start: (c) => { c.enqueue(new Uint8Array(clip)); c.close(); } });
    const streamed = await fetch(`${reserved}/v1/videos`, { method: 'POST', body: chunked, duplex: 'half', headers: auth(alice) } as RequestInit);
    await expectProblem(streamed, 507, /under the \d+ it keeps in reserve/);
    expect({ incoming: await storage.list('incoming/'), tus: await readdir(tusDir) }).toEqual(before);
  });
});

describe('uploads on S3 (moto)', () => {
  const MiB = 1024 ** 2;
  const bucket = 'bing-uploads';
  const s3Limit = 16 * MiB;
  let moto: Moto;
  let s3: S3Storage;
  let s3Base: string;

  beforeAll(async () => {
    moto = await startMoto();
    s3 = await motoBucket(moto, bucket);
    s3Base = await serve(s3, { maxUploadBytes: s3Limit, legacyBodyLimit: MiB });
  });

  afterAll(async () => {
    s3?.client.destroy();
    await moto?.stop();
  });

  const openUploads = async (key: string) =>
    (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }))).Uploads ?? [];

  const stage = async (videoId: string) =>
    (await env.client.workflow.getHandle(videoWorkflowId(videoId)).describe()).typedSearchAttributes.get(searchAttributes.stage);

  it('tus on the S3 store: a PATCH cut at half is resumed with only the rest; the object is completed in place at incoming/{id}', async () => {
    const video = randomBytes(6 * MiB);
    const created = await create(alice, video.length, undefined, s3Base, `,sha256 ${b64(sha256(video))}`);
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    expect(location).toBe(`/v1/uploads/${videoId}`);
    expect(await stage(videoId)).toBe('uploading');

    const half = await patchCutAtHalf(location, video, s3Base);
    expect(await signalled(videoId)).toBeUndefined();
    const rest = await patch(alice, location, half, video.subarray(half), s3Base);
    expect(rest.status).toBe(204);
    expect(patched.get(videoId)?.at(-1)).toEqual({ offset: half, length: video.length - half });

    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length, sha256: sha256(video) });
    expect(sha256(await readAll(await s3.get(incomingKey(videoId))))).toBe(sha256(video));
    expect(await openUploads(incomingKey(videoId))).toEqual([]);
    // Only the video is left: tus's info and part objects are gone.
    await expect.poll(() => s3.list(incomingKey(videoId))).toEqual([incomingKey(videoId)]);
  });

  it('tus on the S3 store without a declared sha256 signals none: ingest computes it', async () => {
    const video = randomBytes(100_000);
    const created = await create(alice, video.length, video, s3Base);
    expect(created.status).toBe(201);
    const videoId = created.headers.get('bing-video-id')!;
    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length });
  });

  it('tus on the S3 store: termination aborts the multipart upload and removes what tus kept', async () => {
    const created = await create(alice, 1000, undefined, s3Base);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    await patch(alice, location, 0, randomBytes(400), s3Base);
    expect(await openUploads(incomingKey(videoId))).toHaveLength(1);
    expect((await fetch(`${s3Base}${location}`, { method: 'DELETE', headers: tusHeaders(bob) })).status).toBe(404);
    expect((await fetch(`${s3Base}${location}`, { method: 'DELETE', headers: tusHeaders(alice) })).status).toBe(204);
    expect(await openUploads(incomingKey(videoId))).toEqual([]);
    expect(await s3.list(incomingKey(videoId))).toEqual([]);
    expect(await workflowStatus(videoId)).toBe('TERMINATED');
  });

  it('takes a raw body and a multipart form on POST /v1/videos, streamed to S3 with their sha256', async () => {
    const video = randomBytes(6 * MiB);
    const raw = await fetch(`${s3Base}/v1/videos?language=ko`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: new Uint8Array(video) });
    expect(raw.status).toBe(202);
    const rawBody = (await raw.json()) as { videoId: string; sha256: string; size: number };
    expect(rawBody).toMatchObject({ sha256: sha256(video), size: video.length });
    expect(await s3.head(incomingKey(rawBody.videoId))).toMatchObject({ size: video.length, sha256: sha256(video) });

    const form = new FormData();
    form.append('language', 'ko');
    form.append('teams', '{"0": "Reds"}');
    form.append('file', new Blob([new Uint8Array(video)], { type: 'video/mp4' }), 'match.mp4');
    const posted = await fetch(`${s3Base}/v1/videos`, { method: 'POST', headers: { authorization: `Bearer ${alice}`, 'x-bing-sha256': sha256(video) }, body: form });
    expect(posted.status).toBe(202);
    const { videoId, ...rest } = (await posted.json()) as { videoId: string; sha256: string; size: number };
    expect(rest).toMatchObject({ sha256: sha256(video), size: video.length, statusUrl: `/v1/videos/${videoId}` });
    expect(await s3.head(incomingKey(videoId))).toMatchObject({ size: video.length, sha256: sha256(video), metadata: { fileName: 'match.mp4', contentType: 'video/mp4' } });
    const memo = (await env.client.workflow.getHandle(videoWorkflowId(videoId)).describe()).memo;
    expect(memo).toMatchObject({ language: 'ko', fileName: 'match.mp4', teamNames: { 0: 'Reds' } });
    expect(await signalled(videoId)).toEqual({ key: incomingKey(videoId), size: video.length, sha256: sha256(video) });
  });

  it('refuses a form without a file, with a field after the file, or with a bad field, storing nothing', async () => {
    const post = (form: FormData) => fetch(`${s3Base}/v1/videos`, { method: 'POST', headers: { authorization: `Bearer ${alice}` }, body: form });
    const before = await s3.list('incoming/');
    const noFile = new FormData();
    noFile.append('language', 'en');
    await expectProblem(await post(noFile), 400, /no "file" field/);
    const late = new FormData();
    late.append('file', new Blob(['video bytes']), 'a.mp4');
    late.append('language', 'ko');
    await expectProblem(await post(late), 400, /"language" comes after the file/);
    const bad = new FormData();
    bad.append('language', 'fr');
    bad.append('file', new Blob(['video bytes']), 'a.mp4');
    await expectProblem(await post(bad), 400, /language/);
    const big = new FormData();
    big.append('file', new Blob([new Uint8Array(s3Limit + 1)]), 'a.mp4');
    await expectProblem(await post(big), 413, /limit/);
    expect(await s3.list('incoming/')).toEqual(before);
  });

  it('takes the old contract on S3', async () => {
    const res = await fetch(`${s3Base}/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'dave', file: Buffer.from('old video').toString('base64') }) });
    expect(res.status).toBe(200);
    const { videoId } = (await res.json()) as { videoId: string };
    expect((await s3.head(incomingKey(videoId)))?.sha256).toBe(sha256(Buffer.from('old video')));
  });

  const startDirect = (key: string | undefined, body: unknown) =>
    fetch(`${s3Base}/v1/uploads/s3`, { method: 'POST', headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) }, body: JSON.stringify(body) });

  const complete = (key: string, url: string, parts: { partNumber: number; etag: string }[]) =>
    fetch(`${s3Base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ parts }) });

  interface Started { videoId: string; workflowId: string; partSize: number; parts: { partNumber: number; url: string }[]; completeUrl: string; expiresAt: string }

  /** PUTs each slice to its presigned URL with plain fetch, as a browser would; returns the ETags. */
  async function putParts(started: Started, slices: Buffer[]) {
    const etags = [];
    for (const { partNumber, url } of started.parts) {
      const res = await fetch(url, { method: 'PUT', body: new Uint8Array(slices[partNumber - 1]!) });
      expect(res.status, await res.clone().text()).toBe(200);
      etags.push({ partNumber, etag: res.headers.get('etag')! });
    }
    return etags;
  }

  /** 11 MiB whose parts differ; moto answers 500 to the PUT of some random part bodies. */
  const elevenMiB = () => Buffer.concat([Buffer.alloc(5 * MiB, 1), Buffer.alloc(5 * MiB, 2), Buffer.alloc(MiB, 3)]);

  const slice = (video: Buffer, partSize: number) => Array.from({ length: Math.ceil(video.length / partSize) }, (_, i) => video.subarray(i * partSize, (i + 1) * partSize));

  it('direct-to-S3: presigned parts PUT by plain fetch, then completed; the workflow waits at stage uploading until then', async () => {
    const video = elevenMiB();
    const res = await startDirect(alice, { fileName: 'match.mp4', size: video.length, contentType: 'video/mp4', sha256: sha256(video), partSize: 5 * MiB, language: 'ko' });
    expect(res.status).toBe(201);
    const started = (await res.json()) as Started;
    expect(started).toMatchObject({ workflowId: `video-${started.videoId}`, partSize: 5 * MiB, completeUrl: `/v1/uploads/s3/${started.videoId}/complete` });
    expect(started.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(Date.parse(started.expiresAt)).toBeGreaterThan(Date.now());
    expect(await stage(started.videoId)).toBe('uploading');

    const etags = await putParts(started, slice(video, 5 * MiB));
    await expectProblem(await complete(bob, started.completeUrl, etags), 404, /no direct-to-S3 upload/);
    const done = await complete(alice, started.completeUrl, etags);
    expect(done.status).toBe(202);
    expect(await done.json()).toMatchObject({ videoId: started.videoId, size: video.length, sha256: sha256(video) });
    expect(await signalled(started.videoId)).toEqual({ key: incomingKey(started.videoId), size: video.length, sha256: sha256(video) });
    expect(sha256(await readAll(await s3.get(incomingKey(started.videoId))))).toBe(sha256(video));
    expect((await s3.head(incomingKey(started.videoId)))?.metadata).toMatchObject({ userId: 'alice', fileName: 'match.mp4' });
    await expectProblem(await complete(alice, started.completeUrl, etags), 409, /already completed/);
  });

  it('direct-to-S3: refuses a wrong part list and parts that do not add up to the declared size, keeping the upload open', async () => {
    const video = elevenMiB();
    const started = (await (await startDirect(alice, { fileName: 'a.mp4', size: video.length, partSize: 5 * MiB })).json()) as Started;
    const short = slice(video, 5 * MiB);
    short[2] = short[2]!.subarray(1);
    const etags = await putParts(started, short);
    await expectProblem(await complete(alice, started.completeUrl, etags.slice(0, 2)), 400, /has 3 parts; 2 were listed/);
    await expectProblem(await complete(alice, started.completeUrl, [etags[1]!, etags[0]!, etags[2]!]), 400, /numbered 1 to 3 in order/);
    await expectProblem(await complete(alice, started.completeUrl, [etags[0]!, { partNumber: 2, etag: etags[0]!.etag }, etags[2]!]), 400, /part 2's ETag/);
    await expectProblem(await complete(alice, started.completeUrl, etags), 400, /part 3 holds 1048575 bytes, not 1048576/);
    await expectProblem(await complete(alice, started.completeUrl, []), 400, /parts/);
    expect(await openUploads(incomingKey(started.videoId))).toHaveLength(1);
    expect(await signalled(started.videoId)).toBeUndefined();

    await expectProblem(await complete(alice, started.completeUrl, etags), 400, /part 3 holds/);
  });

  it('direct-to-S3: refuses a missing key, a bad body, a size over the limit and a bad part size', async () => {
    await expectProblem(await startDirect(undefined, { fileName: 'a.mp4', size: 10 }), 401, /Bearer/);
    await expectProblem(await startDirect(alice, { fileName: 'a.mp4' }), 400, /size/);
    await expectProblem(await startDirect(alice, { fileName: 'a.mp4', size: 10, extra: 1 }), 400, /extra/);
    await expectProblem(await startDirect(alice, { fileName: 'a.mp4', size: s3Limit + 1 }), 413, /limit/);
    await expectProblem(await startDirect(alice, { fileName: 'a.mp4', size: 10, partSize: 1024 }), 400, /partSize/);
    await expectProblem(await complete(alice, '/v1/uploads/s3/nosuchvideo1/complete', [{ partNumber: 1, etag: 'x' }]), 404, /no direct-to-S3 upload/);
  });

  it('direct-to-S3: a JSON body that stalls is cut with 408, and nothing starts', async () => {
    const at = await serve(s3, { uploadLimits: { ...roomy, idleTimeoutMs: 1000 } });
    const before = await env.client.workflow.count(`BingUserId = 'bob'`);
    const stalled = stalledRequest(at, {
      path: '/v1/uploads/s3', headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json' }, length: 100, first: Buffer.from('{"fileName": "a.m'),
    });
    const answer = await stalled.answer;
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toMatchObject({ status: 408, detail: expect.stringMatching(/sent nothing for 1s/) });
    expect(await env.client.workflow.count(`BingUserId = 'bob'`)).toEqual(before);
  });

  it('ingest computes the sha256 of an upload signalled without one, and refuses one that does not match its declared sha256', async () => {
    const path = await testPattern(join(dir, 'pattern.mp4'));
    const video = await readFile(path);
    const ingest = createIngest(s3);
    await s3.put(incomingKey('ingestnosha1'), video);
    await s3.client.send(new CopyObjectCommand({ Bucket: bucket, Key: incomingKey('ingestnosha1'), CopySource: `${bucket}/${incomingKey('ingestnosha1')}`, MetadataDirective: 'REPLACE', Metadata: {} }));
    expect((await s3.head(incomingKey('ingestnosha1')))?.sha256).toBeUndefined();
    const ingested = await ingest({ videoId: 'ingestnosha1', userId: 'alice', upload: { key: incomingKey('ingestnosha1'), size: video.length } });
    expect(ingested).toMatchObject({ key: 'uploads/alice/ingestnosha1/source', sha256: sha256(video) });

    await s3.put(incomingKey('ingestbadsha1'), video);
    await expect(ingest({ videoId: 'ingestbadsha1', userId: 'alice', upload: { key: incomingKey('ingestbadsha1'), size: video.length, sha256: 'a'.repeat(64) } }))
      .rejects.toThrow(/does not match its sha256/);
    expect(await s3.head(incomingKey('ingestbadsha1'))).toBeUndefined();
  });

  // Last: its sweep goes on aborting every multipart upload in the bucket older than two seconds.
  it('tus on the S3 store: an upload past BING_UPLOAD_TIMEOUT is aborted by the sweep', async () => {
    const expiring = await serve(s3, { uploadTimeout: '2s' });
    const created = await create(alice, 1000, undefined, expiring);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;
    await patch(alice, location, 0, randomBytes(400), expiring);
    expect(await openUploads(incomingKey(videoId))).toHaveLength(1);
    await expect.poll(() => openUploads(incomingKey(videoId)), { timeout: 15_000, interval: 500 }).toEqual([]);
    expect(await s3.list(incomingKey(videoId))).toEqual([]);
  });
});
