// tus 1.0 at /v1/uploads against a real dev server: creation, resumption after a cut, limits,
// ownership and termination, at the protocol level and through tus-js-client as the CLI uses it.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import express from 'express';
import { pino } from 'pino';
import * as tus from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import { LocalStorage } from '../activities/storage/local';
import { createApp, type AppOptions } from '../api/app';
import { fileUrlStorage } from '../api/cli/api-client';
import { UrlSigner } from '../api/signed-urls';
import { VideosService } from '../api/videos-service';
import { videoWorkflowId } from '../common/ids';
import { incomingKey } from '../workflows/definitions';
import { listenOnLoopback } from './helpers/http';
import { localEnv } from './helpers/temporal';

const alice = 'alice-key-0123456789';
const bob = 'bob-key-0123456789ab';
const keys = new Map([[alice, 'alice'], [bob, 'bob']]);
const maxUploadBytes = 4 << 20;

let env: TestWorkflowEnvironment;
let dir: string;
let tusDir: string;
let storage: LocalStorage;
let server: Server;
let base: string;
/** The PATCH requests the server received, per upload id: their Upload-Offset and Content-Length. */
const patched = new Map<string, { offset: number; length: number }[]>();

beforeAll(async () => {
  env = await localEnv();
  dir = await mkdtemp(join(tmpdir(), 'bing-uploads-'));
  tusDir = join(dir, 'tus');
  storage = new LocalStorage(join(dir, 'storage'));
  const options: AppOptions = {
    client: env.client,
    videos: new VideosService(env.client, 'uploads-test-no-worker'),
    runner: new LocalJobRunner({ jobsDir: join(dir, 'jobs'), storage, commands: { mot: [], action: [], train: [] }, stopGraceMs: 0 }),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage, apiKeys: keys, maxUploadBytes, uploadTimeout: '1h', logger: pino({ level: 'silent' }), tusDir,
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
  ({ server, base } = await listenOnLoopback(outer));
});

afterAll(async () => {
  server?.close();
  await env?.teardown();
  await rm(dir, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const tusHeaders = (key: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, 'tus-resumable': '1.0.0', ...extra });

async function create(key: string, length: number | string, body?: Buffer): Promise<Response> {
  return fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: tusHeaders(key, {
      'upload-length': String(length),
      'upload-metadata': `filename ${b64('clip.mp4')},language ${b64('en')}`,
      ...(body ? { 'content-type': 'application/offset+octet-stream' } : {}),
    }),
    body: body ? new Uint8Array(body) : undefined,
  });
}

const patch = (key: string, location: string, offset: number, body: Buffer) =>
  fetch(`${base}${location}`, { method: 'PATCH', headers: tusHeaders(key, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }), body: new Uint8Array(body) });

const head = (key: string, location: string) => fetch(`${base}${location}`, { method: 'HEAD', headers: tusHeaders(key) });

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

describe('tus uploads', () => {
  it('creates an upload (the workflow starts), takes it in two PATCHes, stores it and signals its sha256', async () => {
    const video = randomBytes(300_000);
    const created = await create(alice, video.length);
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

  it('takes a whole upload in the creation request (creation-with-upload)', async () => {
    const video = randomBytes(50_000);
    const created = await create(alice, video.length, video);
    expect(created.status).toBe(201);
    expect(created.headers.get('upload-offset')).toBe(String(video.length));
    const videoId = created.headers.get('bing-video-id')!;
    expect((await signalled(videoId))?.sha256).toBe(sha256(video));
  });

  it('resumes an upload cut at half: HEAD tells the half, the next PATCH carries only the rest', async () => {
    const video = randomBytes(1_000_000);
    const half = video.length / 2;
    const created = await create(alice, video.length);
    const location = created.headers.get('location')!;
    const videoId = created.headers.get('bing-video-id')!;

    // Send the first half in a request that is cut before its declared end.
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      async pull(c) {
        c.enqueue(video.subarray(0, half));
        await new Promise((resolve) => setTimeout(resolve, 300));
        controller.abort();
        c.close();
      },
    });
    await fetch(`${base}${location}`, {
      method: 'PATCH', signal: controller.signal, body: stream, duplex: 'half',
      headers: tusHeaders(alice, { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(video.length) }),
    } as RequestInit).catch(() => undefined);

    await expect.poll(async () => (await head(alice, location)).headers.get('upload-offset'), { timeout: 10_000 }).toBe(String(half));
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
    const before = await readdir(tusDir).catch(() => []);
    const stored = await storage.list('incoming/');
    for (const [length, status] of [['-1', 400], [String(maxUploadBytes + 1), 413], ['abc', 400], ['0', 400]] as const) {
      const res = await create(alice, length);
      expect(res.status, length).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const badMeta = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: tusHeaders(alice, { 'upload-length': '10', 'upload-metadata': `filename ${b64('a.mp4')},language ${b64('fr')}` }) });
    expect(badMeta.status).toBe(400);
    expect(((await badMeta.json()) as { detail: string }).detail).toMatch(/language/);
    const noName = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: tusHeaders(alice, { 'upload-length': '10' }) });
    expect(noName.status).toBe(400);
    const noKey = await fetch(`${base}/v1/uploads`, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '10' } });
    expect(noKey.status).toBe(401);
    expect(await readdir(tusDir).catch(() => [])).toEqual(before);
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
      metadata: { filename: 'clip.mp4', language: 'en' }, urlStorage, removeFingerprintOnSuccess: true, retryDelays: [],
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
    expect(await urlStorage.findAllUploads()).toEqual([]);
  });
});
