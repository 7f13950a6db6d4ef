// The API's contract at its edges: keys, users, limits and problem+json, against a real dev server.
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { LocalStorage } from '../activities/storage/local';
import { UrlSigner } from '../api/signed-urls';
import { createApp } from '../api/app';
import { RetrainingService } from '../client/retraining-service';
import { noRetraining } from './helpers/retraining';
import { keyedVideoId } from '../api/routes/videos';
import { VideosService } from '../client/videos-service';
import { incomingKey } from '../contracts/video-commentary';
import { listenOnLoopback } from './helpers/http';
import { scratchDir } from './helpers/scratch';
import { localEnv } from './helpers/temporal';

const keys = new Map([['alice-key-0123456789', 'alice'], ['bob-key-0123456789ab', 'bob'], ['local-key-0123456789', '*']]);
const maxUploadBytes = 1000;
const webhookSecret = 'a-webhook-secret-for-tests';

const dir = scratchDir('api');
const storage = new LocalStorage(dir);
let env: TestWorkflowEnvironment;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await localEnv();
  const app = createApp({
    client: env.client,
    videos: new VideosService(env.client, 'api-test-no-worker'),
    jobs: new LocalJobView(join(dir, 'jobs')),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage, apiKeys: keys, maxUploadBytes, legacyBodyLimit: 10_000, tusDir: join(dir, 'tus'), uploadTimeout: '1h', retraining: new RetrainingService(env.client, noRetraining), webhookSecret, logger: pino({ level: 'silent' }),
  });
  ({ server, base } = await listenOnLoopback(app));
});

afterAll(async () => {
  server?.close();
  await env?.teardown();
});

const call = (path: string, key: string | undefined, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });

async function expectProblem(res: Response, status: number, detail: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as { status: number; title: string; detail: string };
  expect(body.status).toBe(status);
  expect(`${body.title}: ${body.detail}`).toMatch(detail);
}

describe('API', () => {
  it('refuses a missing or wrong key with 401', async () => {
    await expectProblem(await call('/v1/videos/abcdefgh1234', undefined), 401, /Bearer/);
    await expectProblem(await call('/v1/videos/abcdefgh1234', 'not-a-key-at-all-000'), 401, /not valid/);
  });

  it('answers unknown routes and ids with 404', async () => {
    await expectProblem(await call('/v1/nothing-here', 'alice-key-0123456789'), 404, /no route/);
    await expectProblem(await call('/v1/videos/..%2F..%2Fetc', 'alice-key-0123456789'), 404, /no video/);
  });

  it('refuses an empty body and a declared size over the limit before storing a byte', async () => {
    await expectProblem(await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: '' }), 400, /empty/);
    const res = await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: Buffer.alloc(maxUploadBytes + 1) });
    await expectProblem(res, 413, /limit is 1000 bytes/);
    expect(await storage.list('incoming/')).toEqual([]);
  });

  it('stops a streamed body that grows past the limit and removes what it stored', async () => {
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(400));
        controller.close();
      },
    });
    const res = await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: chunks, duplex: 'half' } as RequestInit);
    await expectProblem(res, 413, /limit/);
    expect(await storage.list('incoming/')).toEqual([]);
  });

  it('starts the workflow, and shows a video to its owner only', async () => {
    const res = await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'some bytes' });
    expect(res.status).toBe(202);
    const { videoId, workflowId, statusUrl } = (await res.json()) as { videoId: string; workflowId: string; statusUrl: string };
    expect(workflowId).toBe(`video-${videoId}`);
    expect(statusUrl).toBe(`/v1/videos/${videoId}`);
    expect((await storage.head(incomingKey(videoId)))?.size).toBe(10);
    await expectProblem(await call(statusUrl, 'bob-key-0123456789ab'), 404, /no video/);
    await expectProblem(await call(statusUrl, 'local-key-0123456789', { headers: { 'x-bing-user': 'bob' } }), 404, /no video/);
  });

  it('gives the same video for the same Idempotency-Key from the same user, and starts one workflow', async () => {
    const post = (key: string) => call('/v1/videos', key, { method: 'POST', body: 'video bytes', headers: { 'idempotency-key': 'upload-42' } });
    const first = await post('alice-key-0123456789');
    expect(first.status).toBe(202);
    const { videoId } = (await first.json()) as { videoId: string };
    const again = await post('alice-key-0123456789');
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ videoId, replayed: true });
    const bob = (await (await post('bob-key-0123456789ab')).json()) as { videoId: string };
    expect(bob.videoId).not.toBe(videoId);
    const runs = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = 'video-${videoId}'` })) runs.push(wf.runId);
    expect(runs.length).toBeLessThanOrEqual(1);
    expect((await env.client.workflow.getHandle(`video-${videoId}`).describe()).runId).toBeDefined();
  });

  it('answers an Idempotency-Key whose request waits for an upload that no one sends (its API process died) with 409, until the request ends; the key then starts a new run', async () => {
    const videos = new VideosService(env.client, 'api-test-no-worker');
    const videoId = keyedVideoId('alice', 'crashed-upload');
    // What a process that died mid-body leaves behind: a run at stage uploading.
    const crashedRun = await videos.start({ videoId, userId: 'alice', fileName: 'clip.mp4', language: 'en', uploadTimeout: '1h' }, {}, true);
    expect(crashedRun).toBeDefined();
    const post = () => call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'video bytes', headers: { 'idempotency-key': 'crashed-upload' } });
    const meanwhile = await post();
    expect(meanwhile.headers.get('retry-after')).toBe('60');
    await expectProblem(meanwhile, 409, /in progress/);
    // The crash sweep ends it.
    await videos.abandon(videoId, 'the upload broke off');
    const retry = await post();
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ videoId });
    const described = await env.client.workflow.getHandle(`video-${videoId}`).describe();
    expect(described.runId).not.toBe(crashedRun);
    expect(described.status.name).toBe('RUNNING');
  });

  it('refuses a body whose SHA-256 is not the one x-bing-sha256 names, keeping nothing', async () => {
    const wrong = 'a'.repeat(64);
    const before = await storage.list('incoming/');
    const res = await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'video bytes', headers: { 'x-bing-sha256': wrong } });
    await expectProblem(res, 400, /SHA-256 is [0-9a-f]{64}, not a{64}/);
    expect(await storage.list('incoming/')).toEqual(before);
    await expectProblem(await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'x', headers: { 'x-bing-sha256': 'nope' } }), 400, /64 hex/);
    const right = createHash('sha256').update('video bytes').digest('hex');
    expect((await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'video bytes', headers: { 'x-bing-sha256': right } })).status).toBe(202);
    expect((await storage.list('incoming/')).length).toBe(before.length + 1);
  });

  it('answers bad requests in the old contract with the fault, storing nothing', async () => {
    const legacy = (body: string) => call('/request', undefined, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const before = await storage.list('incoming/');
    await expectProblem(await legacy(''), 400, /Empty body/);
    await expectProblem(await legacy('{"file": "AAAA"'), 400, /Invalid JSON/);
    await expectProblem(await legacy('{"file": "AAAA"}'), 400, /Missing userId/);
    await expectProblem(await legacy('{"file": "AAAA", "userId": "../etc"}'), 400, /Invalid userId/);
    await expectProblem(await legacy('{"userId": "dave"}'), 400, /Missing file/);
    await expectProblem(await legacy('{"file": "not base64!", "userId": "dave"}'), 400, /not base64/);
    await expectProblem(await legacy('{"file": "AAA", "userId": "dave"}'), 400, /cut short/);
    await expectProblem(await legacy(JSON.stringify({ file: 'A'.repeat(20_000), userId: 'dave' })), 413, /too large/);
    expect(await storage.list('incoming/')).toEqual(before);
    const ok = await legacy(JSON.stringify({ userId: 'dave', file: Buffer.from('some video bytes').toString('base64') }));
    expect(ok.status).toBe(200);
    const { videoId } = (await ok.json()) as { videoId: string };
    expect((await storage.head(incomingKey(videoId)))?.sha256).toBe(createHash('sha256').update('some video bytes').digest('hex'));
  });

  it('answers direct-to-S3 routes with 404 naming the reason when storage is local', async () => {
    const post = (path: string) => call(path, 'alice-key-0123456789', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await expectProblem(await post('/v1/uploads/s3'), 404, /BING_STORAGE is not s3/);
    await expectProblem(await post('/v1/uploads/s3/abcdefgh1234/complete'), 404, /BING_STORAGE is not s3/);
  });

  it('pages with tokens bound to the user and the filter, and answers any other token with 400', async () => {
    const alice = 'alice-key-0123456789';
    for (const body of ['first video', 'second video']) expect((await call('/v1/videos', alice, { method: 'POST', body })).status).toBe(202);
    const list = async (query: string, key = alice) => call(`/v1/videos?${query}`, key);
    let first: { videos: { videoId: string }[]; nextPageToken?: string } = { videos: [] };
    // Temporal's visibility store takes the new requests in a moment.
    for (let tries = 0; tries < 50 && !first.nextPageToken; tries++) first = (await (await list('pageSize=1')).json()) as typeof first;
    const token = first.nextPageToken!;
    const second = (await (await list(`pageSize=1&pageToken=${token}`)).json()) as { videos: { videoId: string }[] };
    expect(second.videos).toHaveLength(1);
    expect(second.videos[0]!.videoId).not.toBe(first.videos[0]!.videoId);
    const tampered = `${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}`;
    const forged = `${Buffer.from('{"StartTime":"2026-01-01T00:00:00Z"}').toString('base64url')}.9999999999.${'A'.repeat(43)}`;
    for (const [query, key] of [[`pageToken=${tampered}`, alice], [`pageToken=${forged}`, alice], [`pageToken=${token}`, 'bob-key-0123456789ab'], [`stage=done&pageToken=${token}`, alice]]) {
      await expectProblem(await list(query!, key), 400, /pageToken: not one this API gave for this listing/);
    }
    await expectProblem(await list('pageToken=not-a-token'), 400, /pageToken: must be the nextPageToken of a page/);
  });

  it('refuses with 409 to rerun a request that runs, or one that ended before it started', async () => {
    const res = await call('/v1/videos', 'alice-key-0123456789', { method: 'POST', body: 'video bytes' });
    const { videoId } = (await res.json()) as { videoId: string };
    const rerun = () => call(`/v1/videos/${videoId}/rerun`, 'alice-key-0123456789', { method: 'POST' });
    await expectProblem(await rerun(), 409, /still running/);
    // No worker serves this test's task queue: terminated now, the request never started.
    await env.client.workflow.getHandle(`video-${videoId}`).terminate('stopped before it started');
    await expectProblem(await rerun(), 409, /ended before it started/);
  });

  it('refuses a webhook secret of another length in bytes with 401, and ignores an event key that is not URL-encoded, saying why', async () => {
    const post = (secret: string, body: unknown) => call('/v1/events/s3', secret, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    // As many characters as the secret, one of them two bytes in UTF-8.
    await expectProblem(await post(`${webhookSecret.slice(0, -1)}\u00e9`, {}), 401, /BING_WEBHOOK_SECRET/);
    const record = (key: string) => ({ eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), s3: { bucket: { name: 'gasby-mot' }, object: { key, size: 3 } } });
    const res = await post(webhookSecret, { Records: [record('weights/100%25+sure.pt'), record('weights/bad%zz.pt')] });
    expect(res.status).toBe(202);
    const { ignored } = (await res.json()) as { ignored: { key: string; reason: string }[] };
    expect(ignored).toEqual([
      { key: 'weights/100% sure.pt', reason: "s3://gasby-mot/weights/100% sure.pt is under no model kind's bucket and prefix" },
      { key: 'weights/bad%zz.pt', reason: 'the key is not URL-encoded as S3 sends keys (a malformed % escape)' },
    ]);
  });

  it('lets a key for any user name the user, and checks the name', async () => {
    await expectProblem(await call('/v1/videos/abcdefgh1234', 'local-key-0123456789', { headers: { 'x-bing-user': '../alice' } }), 400, /X-Bing-User/);
  });
});

describe('API with Temporal unreachable', () => {
  it('answers a status read with 503 and Retry-After once the client gives up, not 500', async () => {
    // Nothing listens on the discard port: every call fails UNAVAILABLE after the client's retries.
    const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:9' }) });
    const app = createApp({
      client, videos: new VideosService(client, 'api-test-unreachable'), jobs: new LocalJobView(join(dir, 'jobs')),
      signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'), storage, apiKeys: keys, maxUploadBytes, tusDir: join(dir, 'tus'), uploadTimeout: '1h',
      retraining: new RetrainingService(client, noRetraining), logger: pino({ level: 'silent' }),
    });
    const unreachable = await listenOnLoopback(app);
    try {
      const res = await fetch(`${unreachable.base}/v1/videos/abcdefgh1234`, { headers: { authorization: 'Bearer alice-key-0123456789' } });
      expect(res.headers.get('retry-after')).toBe('5');
      await expectProblem(res, 503, /Temporal unavailable/);
    } finally {
      unreachable.server.close();
    }
  }, 60_000);
});
