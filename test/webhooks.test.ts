// Completion webhooks. A receiver on loopback verifies every delivery with the standardwebhooks
// library. Requests run through the real workflow and activities on the time-skipping server (the
// retries' backoff passes in virtual time); the API's checks of callback URLs run on a dev server.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { LocalStorage } from '../activities/storage/local';
import { createApp } from '../api/app';
import { callbackPolicy } from '../api/callbacks';
import { RetrainingService } from '../client/retraining-service';
import { UrlSigner } from '../api/signed-urls';
import { VideosService } from '../client/videos-service';
import { loadConfig } from '../common/config';
import { videoWorkflowId } from '../common/ids';
import { defaultPayloadConverter } from '@temporalio/common';
import type { completionCallback } from '../workflows/completion-callback';
import {
  callbackWorkflowId, progressQuery, uploadCompletedSignal, uploadFailedSignal, type CallbackEvent, type VideoCommentaryInput,
} from '../contracts/video-commentary';
import { FakeRunner, type FakeJob } from './helpers/fake-runner';
import { listenOnLoopback } from './helpers/http';
import { noRetraining } from './helpers/retraining';
import { syntheticMatch, syntheticTrackList } from './helpers/synthetic-match';
import { localEnv, timeSkippingEnv } from './helpers/temporal';
import { runWithVideoWorkers, storedUpload } from './helpers/video-workers';
import { testPattern } from './helpers/videos';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  event: CallbackEvent;
  verified: boolean;
  answered: number;
}

/** A webhook receiver that answers its deliveries with the given statuses in turn, then 204. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  url = '';
  private readonly server: Server;

  constructor(private readonly answers: number[]) {
    const webhook = new Webhook(secret);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let verified = true;
        try {
          webhook.verify(body, req.headers as Record<string, string>);
        } catch {
          verified = false;
        }
        const answered = answers.shift() ?? 204;
        this.deliveries.push({ headers: req.headers, body, event: JSON.parse(body) as CallbackEvent, verified, answered });
        res.writeHead(answered).end();
      });
    });
  }

  async listen(): Promise<this> {
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/bing`;
    return this;
  }

  accepted = () => this.deliveries.filter((d) => d.answered < 300);
  /** Takes every delivery from now on. */
  acceptFromNow = () => this.answers.splice(0);
  close = () => this.server.close();
}

let dir: string;
let storage: LocalStorage;
const apiKeys = new Map([['alice-key-0123456789', 'alice'], ['bob-key-0123456789ab', 'bob']]);

/** The API on loopback, starting requests on `queue`, with the callback settings given. */
function serveApi(client: Client, queue: string, settings: Record<string, string>) {
  const app = createApp({
    client,
    videos: new VideosService(client, queue),
    jobs: new LocalJobView(join(dir, 'jobs')),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage, apiKeys, maxUploadBytes: 10_000, legacyBodyLimit: 10_000, tusDir: join(dir, 'tus'), uploadTimeout: '1h',
    retraining: new RetrainingService(client, noRetraining), logger: pino({ level: 'silent' }),
    callbacks: callbackPolicy(loadConfig(settings)),
  });
  return listenOnLoopback(app);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bing-hooks-'));
  storage = new LocalStorage(join(dir, 'storage'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('completion webhooks of the videoCommentary workflow', () => {
  let env: TestWorkflowEnvironment;
  let runner: FakeRunner;

  beforeAll(async () => {
    env = await timeSkippingEnv();
    const tracks = JSON.stringify({ video: { width: 160, height: 120, fps: 25, frames: 25, duration: 1 }, detector: {}, tracks: syntheticTrackList.map((t) => ({ ...t, boxes: [] })) });
    runner = new FakeRunner(storage, async () => env.currentTimeMs(), (spec): FakeJob => spec.kind === 'mot'
      ? { durationMs: 0, outputs: { 'tracks.json': tracks, 'tracks.txt': '' } }
      : { durationMs: 0, outputs: { 'actions.json': JSON.stringify(syntheticMatch(1)) } });
  });

  afterAll(async () => {
    await env?.teardown();
  });

  const withWorkers = <T>(taskQueue: string, fn: () => Promise<T>, allowPrivate = true) =>
    runWithVideoWorkers(env, { storage, runner, callbacks: { secret, allowPrivate } }, taskQueue, fn);

  const input = (videoId: string, url: string): VideoCommentaryInput => ({
    videoId, userId: 'alice', fileName: 'clip.mp4', language: 'en', uploadTimeout: '24h',
    callback: { url, statusUrl: `https://bing.example/v1/videos/${videoId}` },
  });

  const start = (taskQueue: string, videoId: string, url: string) =>
    env.client.workflow.start('videoCommentary', { taskQueue, workflowId: videoWorkflowId(videoId), args: [input(videoId, url)] });

  /** The outcome of the delivery a request's run started as it ended (its own workflow, which outlives the run). */
  const delivered = (videoId: string, request: WorkflowHandleWithFirstExecutionRunId) =>
    env.client.workflow.getHandle<typeof completionCallback>(callbackWorkflowId(videoId, request.firstExecutionRunId)).result();

  /** Request `videoId` failed with `reason`; the outcome of its completion webhook's delivery. */
  async function failedRequest(taskQueue: string, videoId: string, url: string, reason: string) {
    const handle = await start(taskQueue, videoId, url);
    await handle.signal(uploadFailedSignal, reason);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    return delivered(videoId, handle);
  }

  it('delivers a completed request exactly once, correctly signed, after two refused attempts', async () => {
    const receiver = await new Receiver([500, 503]).listen();
    const video = await testPattern(join(dir, 'clip.mp4'));
    await withWorkers('hooks-completed', async () => {
      const handle = await start('hooks-completed', 'hook1', receiver.url);
      await handle.signal(uploadCompletedSignal, await storedUpload(storage, 'hook1', video));
      const manifest = await handle.result();
      const delivery = await delivered('hook1', handle);
      expect(receiver.deliveries.map((d) => d.answered)).toEqual([500, 503, 204]);
      expect(receiver.deliveries.map((d) => d.verified)).toEqual([true, true, true]);
      // One event: the same webhook-id on every attempt.
      expect(new Set(receiver.deliveries.map((d) => d.headers['webhook-id'])).size).toBe(1);
      const [accepted] = receiver.accepted();
      expect(receiver.accepted()).toHaveLength(1);
      expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(accepted!.body, accepted!.headers as Record<string, string>)).toThrow();
      expect(accepted!.event).toEqual({
        type: 'video.completed', timestamp: expect.any(String),
        data: {
          videoId: 'hook1', userId: 'alice', run: 1, status: 'completed', stage: 'done', statusUrl: 'https://bing.example/v1/videos/hook1',
          manifestKey: 'results/hook1/manifest.json', results: manifest.results,
        },
      });
      expect(delivery).toEqual({ url: receiver.url, state: 'delivered', attempts: 3, lastStatus: 204 });
      expect((await new VideosService(env.client, 'hooks-completed').status('hook1', 'alice'))?.callback).toEqual(delivery);
    });
    receiver.close();
  });

  it('posts the end of a cancelled request', async () => {
    const receiver = await new Receiver([]).listen();
    await withWorkers('hooks-cancelled', async () => {
      const handle = await start('hooks-cancelled', 'hook2', receiver.url);
      // Cancelled while it waits for its upload, once its first activity is done: the time-skipping
      // server fails a cancel that races that activity's completion (ACTIVITY_UNKNOWN) and hangs.
      await vi.waitFor(async () => expect((await handle.query(progressQuery)).models).toBeDefined(), { timeout: 30_000, interval: 100 });
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
      const delivery = await delivered('hook2', handle);
      expect(receiver.accepted().map((d) => [d.verified, d.event.type, d.event.data])).toEqual([[true, 'video.cancelled', {
        videoId: 'hook2', userId: 'alice', run: 1, status: 'cancelled', stage: 'uploading', error: 'cancelled', statusUrl: 'https://bing.example/v1/videos/hook2',
      }]]);
      expect(delivery).toMatchObject({ state: 'delivered', attempts: 1 });
    });
    receiver.close();
  });

  it('posts the end of a failed request with its reason', async () => {
    const receiver = await new Receiver([]).listen();
    await withWorkers('hooks-failed', async () => {
      await failedRequest('hooks-failed', 'hook3', receiver.url, 'Upload interrupted: the request body ended early');
      expect(receiver.accepted().map((d) => [d.verified, d.event.type, d.event.data])).toEqual([[true, 'video.failed', {
        videoId: 'hook3', userId: 'alice', run: 1, status: 'failed', stage: 'uploading',
        error: 'Upload interrupted: the request body ended early', statusUrl: 'https://bing.example/v1/videos/hook3',
      }]]);
    });
    receiver.close();
  });

  it('stops after one attempt when the receiver answers 410', async () => {
    const receiver = await new Receiver([410]).listen();
    await withWorkers('hooks-gone', async () => {
      const delivery = await failedRequest('hooks-gone', 'hook4', receiver.url, 'refused');
      expect(receiver.deliveries.map((d) => d.answered)).toEqual([410]);
      expect(delivery).toEqual({
        url: receiver.url, state: 'failed', attempts: 1, lastStatus: 410, error: 'the receiver answered 410, which stops the retries',
      });
    });
    receiver.close();
  });

  it('shows a delivery that is still retrying in the request\'s status', async () => {
    const receiver = await new Receiver([503]).listen();
    await withWorkers('hooks-retrying', async () => {
      const handle = await start('hooks-retrying', 'hook6', receiver.url);
      await handle.signal(uploadFailedSignal, 'refused');
      const videos = new VideosService(env.client, 'hooks-retrying');
      // Nothing waits on a result here, so the server does not skip the 5 s backoff. The request has
      // ended (failed) while its delivery retries.
      await expect.poll(async () => {
        const status = await videos.status('hook6', 'alice');
        return { status: status?.status, callback: status?.callback };
      }, { timeout: 60_000, interval: 200 }).toEqual({
        status: 'failed', callback: { url: receiver.url, state: 'delivering', attempts: 1, lastStatus: 503, error: 'the receiver answered 503' },
      });
      await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
      await delivered('hook6', handle);
      expect((await videos.status('hook6', 'alice'))?.callback).toEqual({ url: receiver.url, state: 'delivered', attempts: 2, lastStatus: 204 });
    });
    receiver.close();
  });

  it('completes the request at once while its receiver refuses the event, and takes its rerun then', async () => {
    const receiver = await new Receiver(Array<number>(100).fill(503)).listen();
    const video = await testPattern(join(dir, 'refused.mp4'));
    await withWorkers('hooks-refused', async () => {
      const handle = await start('hooks-refused', 'hookrefused', receiver.url);
      await handle.signal(uploadCompletedSignal, await storedUpload(storage, 'hookrefused', video));
      await handle.result();
      const { server, base } = await serveApi(env.client, 'hooks-refused', { BING_CALLBACK_SECRET: secret, BING_CALLBACK_ALLOW_PRIVATE: 'true' });
      const call = (path: string, method = 'GET') => fetch(`${base}${path}`, { method, headers: { authorization: 'Bearer alice-key-0123456789' } });
      await expect.poll(async () => (await call('/v1/videos/hookrefused')).json(), { timeout: 60_000, interval: 200 }).toMatchObject({
        status: 'completed', stage: 'done', callback: { url: receiver.url, state: 'delivering', lastStatus: 503, error: 'the receiver answered 503' },
      });
      const rerun = await call('/v1/videos/hookrefused/rerun', 'POST');
      expect(rerun.status).toBe(202);
      expect(await rerun.json()).toMatchObject({ videoId: 'hookrefused', run: 2 });
      expect(receiver.accepted()).toEqual([]);
      receiver.acceptFromNow();
      expect(await delivered('hookrefused', handle)).toMatchObject({ state: 'delivered', lastStatus: 204, attempts: receiver.deliveries.length });
      expect(receiver.accepted().map((d) => [d.event.type, d.event.data.run])).toEqual([['video.completed', 1]]);
      expect((await env.client.workflow.getHandle(videoWorkflowId('hookrefused')).result()).run).toBe(2);
      server.close();
    });
    receiver.close();
  });

  it('refuses to deliver to a loopback address at delivery time unless private addresses are allowed', async () => {
    const receiver = await new Receiver([]).listen();
    await withWorkers('hooks-private', async () => {
      const delivery = await failedRequest('hooks-private', 'hook5', receiver.url, 'refused');
      expect(receiver.deliveries).toEqual([]);
      expect(delivery).toMatchObject({ state: 'failed', attempts: 1, error: expect.stringMatching(/127\.0\.0\.1 is a loopback, private or link-local address/) });
    }, false);
    receiver.close();
  });
});

describe('callback URLs at the API', () => {
  let env: TestWorkflowEnvironment;
  const queue = 'hooks-api-no-worker';

  beforeAll(async () => {
    env = await localEnv();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  const serve = (settings: Record<string, string>) => serveApi(env.client, queue, settings);

  const post = (base: string, key: string, query: string) =>
    fetch(`${base}/v1/videos?${query}`, { method: 'POST', body: 'not yet a video', headers: { authorization: `Bearer ${key}` } });

  async function expectRefused(res: Response, detail: RegExp) {
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, title: 'Invalid callbackUrl', detail: expect.stringMatching(detail) });
  }

  /** A tus upload's creation, naming a callback in its metadata. */
  const tusCreate = (base: string, key: string, callbackUrl: string) => fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`, 'tus-resumable': '1.0.0', 'upload-length': '10',
      'upload-metadata': `filename ${Buffer.from('a.mp4').toString('base64')},callbackUrl ${Buffer.from(callbackUrl).toString('base64')}`,
    },
  });

  /** The callback a request's workflow was started with. */
  async function startedCallback(videoId: string) {
    const history = await env.client.workflow.getHandle(videoWorkflowId(videoId)).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    return defaultPayloadConverter.fromPayload<VideoCommentaryInput>(payload!).callback;
  }

  it('refuses private, loopback and non-http callback URLs with 400, and any without a signing secret', async () => {
    const { server, base } = await serve({ BING_CALLBACK_SECRET: secret });
    const alice = 'alice-key-0123456789';
    await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent('http://127.0.0.1:9/hook')}`), /loopback, private or link-local address \(127\.0\.0\.1\)/);
    await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent('http://[::ffff:10.0.0.1]/hook')}`), /loopback, private/);
    await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent('http://169.254.169.254/latest')}`), /link-local/);
    for (const reserved of ['[::127.0.0.1]', '[2002:c0a8:101::1]', '[2001:db8::1]', '192.0.2.1', '198.51.100.7', '203.0.113.9']) {
      await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent(`http://${reserved}/hook`)}`), /loopback, private/);
    }
    await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent('http://localhost:9/hook')}`), /host localhost is a loopback/);
    await expectRefused(await post(base, alice, `callbackUrl=${encodeURIComponent('ftp://example.com/hook')}`), /http or https/);
    await expectRefused(await tusCreate(base, alice, 'http://10.1.2.3/hook'), /10\.1\.2\.3/);
    server.close();
    const unsigned = await serve({});
    await expectRefused(await post(unsigned.base, alice, `callbackUrl=${encodeURIComponent('https://example.com/hook')}`), /BING_CALLBACK_SECRET is not set/);
    unsigned.server.close();
  });

  it('takes a private callback URL (query or tus metadata) when BING_CALLBACK_ALLOW_PRIVATE=true, and a user\'s default one from BING_CALLBACK_URLS', async () => {
    const { server, base } = await serve({
      BING_CALLBACK_SECRET: secret, BING_CALLBACK_ALLOW_PRIVATE: 'true', BING_CALLBACK_URLS: 'bob:http://127.0.0.1:9/bob-hooks',
    });
    const named = await post(base, 'alice-key-0123456789', `callbackUrl=${encodeURIComponent('http://127.0.0.1:9/hook')}`);
    expect(named.status).toBe(202);
    const { videoId } = (await named.json()) as { videoId: string };
    expect(await startedCallback(videoId)).toEqual({ url: 'http://127.0.0.1:9/hook', statusUrl: `${base}/v1/videos/${videoId}` });
    const byDefault = await post(base, 'bob-key-0123456789ab', 'language=en');
    expect(byDefault.status).toBe(202);
    const bobs = (await byDefault.json()) as { videoId: string };
    expect(await startedCallback(bobs.videoId)).toEqual({ url: 'http://127.0.0.1:9/bob-hooks', statusUrl: `${base}/v1/videos/${bobs.videoId}` });
    const tus = await tusCreate(base, 'alice-key-0123456789', 'http://10.1.2.3/hook');
    expect(tus.status).toBe(201);
    const tusVideo = tus.headers.get('bing-video-id')!;
    expect(await startedCallback(tusVideo)).toEqual({ url: 'http://10.1.2.3/hook', statusUrl: `${base}/v1/videos/${tusVideo}` });
    const none = await post(base, 'alice-key-0123456789', 'language=en');
    expect(await startedCallback(((await none.json()) as { videoId: string }).videoId)).toBeUndefined();
    server.close();
  });

  it('takes the old contract\'s callbackUrl member before the file, and refuses it after the file or at a private address', async () => {
    const legacy = (base: string, members: Record<string, string>) =>
      fetch(`${base}/request`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(members) });
    const file = Buffer.from('not yet a video').toString('base64');
    const refusing = await serve({ BING_CALLBACK_SECRET: secret });
    await expectRefused(await legacy(refusing.base, { callbackUrl: 'http://192.168.1.20/hook', userId: 'carol', file }), /192\.168\.1\.20/);
    refusing.server.close();
    const { server, base } = await serve({ BING_CALLBACK_SECRET: secret, BING_CALLBACK_ALLOW_PRIVATE: 'true' });
    await expectRefused(await legacy(base, { userId: 'carol', file, callbackUrl: 'http://127.0.0.1:9/hook' }), /must come before file/);
    const taken = await legacy(base, { callbackUrl: 'http://127.0.0.1:9/hook', file, userId: 'carol' });
    expect(taken.status).toBe(200);
    const { videoId } = (await taken.json()) as { videoId: string };
    expect(await startedCallback(videoId)).toEqual({ url: 'http://127.0.0.1:9/hook', statusUrl: `${base}/v1/videos/${videoId}` });
    server.close();
  });
});
