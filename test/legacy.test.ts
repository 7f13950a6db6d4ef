// The old contract, POST /request with JSON {file: <base64 video>, userId}, against a real dev server
// and local storage: both member orders, the body streamed into storage as it arrives, refusals that
// leave nothing stored and no request running, x-api-key, and when the route is on at all.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { LocalStorage } from '../activities/storage/local';
import { createApp, type AppOptions } from '../api/app';
import { Base64Decoder } from '../api/legacy/base64-stream';
import { legacyRequestOn } from '../api/legacy/switch';
import { RetrainingService } from '../client/retraining-service';
import { UrlSigner } from '../api/signed-urls';
import { VideosService } from '../client/videos-service';
import { videoWorkflowId } from '../common/ids';
import { defaultUploadLimits } from '../api/upload-admission';
import { incomingKey, searchAttributes, uploadFailedSignal } from '../contracts/video-commentary';
import { expectProblem, signalled, uploadSignal } from './helpers/api-checks';
import { listenOnLoopback } from './helpers/http';
import { noRetraining } from './helpers/retraining';
import { localEnv } from './helpers/temporal';

const bodyLimit = 8 << 20;
const legacyKey = 'legacy-key-0123456789abcdef';

let env: TestWorkflowEnvironment;
let dir: string;
let storage: LocalStorage;
let base: string;
let keyed: string;
let impatient: string;
const servers: Server[] = [];

async function serve(overrides: Partial<AppOptions> = {}): Promise<string> {
  const app = createApp({
    client: env.client,
    videos: new VideosService(env.client, 'legacy-test-no-worker'),
    jobs: new LocalJobView(join(dir, 'jobs')),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage, apiKeys: new Map(), maxUploadBytes: 1000, legacyBodyLimit: bodyLimit, tusDir: join(dir, 'tus'), uploadTimeout: '1h',
    retraining: new RetrainingService(env.client, noRetraining), logger: pino({ level: 'silent' }),
    ...overrides,
  });
  const { server, base: url } = await listenOnLoopback(app);
  servers.push(server);
  return url;
}

beforeAll(async () => {
  env = await localEnv();
  dir = await mkdtemp(join(tmpdir(), 'bing-legacy-'));
  storage = new LocalStorage(dir);
  base = await serve();
  keyed = await serve({ legacyApiKeys: ['another-key-0123456789', legacyKey] });
  impatient = await serve({ uploadLimits: { ...defaultUploadLimits, idleTimeoutMs: 1000 } });
});

afterAll(async () => {
  for (const server of servers) server.close();
  await env?.teardown();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const post = (body: string, headers: Record<string, string> = {}, at = base) =>
  fetch(`${at}/request`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

/** A POST /request whose chunked body the test writes piece by piece. */
function openPost(at = base) {
  const req = request(`${at}/request`, { method: 'POST', headers: { 'content-type': 'application/json' } });
  // The server may answer and stop reading before the test stops writing.
  req.on('error', () => undefined);
  const response = new Promise<Response>((resolve, reject) => {
    req.once('error', reject);
    req.once('response', async (res) => {
      let text = '';
      for await (const chunk of res) text += (chunk as Buffer).toString();
      resolve(new Response(text, { status: res.statusCode, headers: res.headers as Record<string, string> }));
    });
  });
  return { write: (text: string) => req.write(text), end: (text: string) => req.end(text), response };
}

/** Waits for a condition the server reaches while the test holds a body open. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(50);
}

/** LocalStorage writes an object into its tmp/ folder until the object is whole. */
async function bytesBeingWritten(): Promise<number> {
  const names = await readdir(join(dir, 'tmp')).catch(() => []);
  const sizes = await Promise.all(names.map((name) => stat(join(dir, 'tmp', name)).then((s) => s.size, () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}

/** The reason the request was failed with (the workflow, with no worker here, holds the signal). */
const failedWith = (videoId: string) => signalled<string>(env.client, videoId, uploadFailedSignal.name);

async function userWorkflows(userId: string): Promise<{ videoId: string; status: string }[]> {
  const found = [];
  for await (const wf of env.client.workflow.list({ query: `BingUserId = '${userId}'` })) {
    found.push({ videoId: wf.workflowId.replace(/^video-/, ''), status: wf.status.name });
  }
  return found;
}

/** Runs refusals; nothing of them is left: no object, no temporary file. */
async function expectNothingStored(refusals: () => Promise<void>): Promise<void> {
  const before = await storage.list('incoming/');
  await refusals();
  expect(await storage.list('incoming/')).toEqual(before);
  expect(await readdir(join(dir, 'tmp')).catch(() => [])).toEqual([]);
}

describe('POST /request', () => {
  it('takes the file before or after the userId, with other members and escaped slashes, and signals the request', async () => {
    const video = randomBytes(700_000);
    const file = video.toString('base64');
    const bodies = {
      'userId-first': JSON.stringify({ userId: 'dave', file }),
      'file-first': JSON.stringify({ meta: { file: 1, list: [true, null, -1.5e3, 'x', { userId: 'x' }] }, file, userId: 'dave' }),
      'escaped /': JSON.stringify({ file, userId: 'dave' }).replaceAll('/', '\\/'),
    };
    for (const [order, body] of Object.entries(bodies)) {
      const res = await post(body);
      expect(res.status, order).toBe(200);
      const answer = (await res.json()) as { message: string; videoId: string; statusUrl: string };
      expect(answer).toEqual({ message: 'request received', videoId: answer.videoId, statusUrl: `/v1/videos/${answer.videoId}` });
      const stored = { key: incomingKey(answer.videoId), size: video.length, sha256: sha256(video) };
      expect(await storage.head(stored.key), order).toMatchObject(stored);
      expect(await uploadSignal(env.client, answer.videoId), order).toEqual(stored);
      const described = await env.client.workflow.getHandle(videoWorkflowId(answer.videoId)).describe();
      expect(described.typedSearchAttributes.get(searchAttributes.userId)).toBe('dave');
      expect(described.memo).toMatchObject({ legacy: true });
    }
  });

  it('writes the video into storage while its body is still arriving, in either order', async () => {
    const video = randomBytes(3 << 20);
    const file = video.toString('base64');
    const half = file.length / 2;

    const fileFirst = openPost();
    fileFirst.write(`{"file": "${file.slice(0, half)}`);
    await until(async () => (await bytesBeingWritten()) > 0);
    fileFirst.end(`${file.slice(half)}", "userId": "erin"}`);
    const first = await fileFirst.response;
    expect(first.status).toBe(200);
    expect((await storage.head(incomingKey(((await first.json()) as { videoId: string }).videoId)))?.sha256).toBe(sha256(video));

    // A userId sent first starts the request before the file's bytes have all come.
    const userFirst = openPost();
    userFirst.write(`{"userId": "frank", "file": "${file.slice(0, half)}`);
    await until(async () => (await userWorkflows('frank')).length === 1 && (await bytesBeingWritten()) > 0);
    userFirst.end(`${file.slice(half)}"}`);
    const second = await userFirst.response;
    expect(second.status).toBe(200);
    const { videoId } = (await second.json()) as { videoId: string };
    expect(await userWorkflows('frank')).toEqual([{ videoId, status: 'RUNNING' }]);
    expect((await uploadSignal(env.client, videoId))?.sha256).toBe(sha256(video));
  });

  it('refuses base64 that goes bad mid-file, removing what it wrote and ending the started request', async () => {
    const good = randomBytes(1 << 20).toString('base64');
    await expectNothingStored(async () => {
      const res = await post(`{"userId": "mallory", "file": "${good}!!!!${good}"}`);
      await expectProblem(res, 400, new RegExp(`Invalid base64: .*character ${good.length}`));
    });
    const [request] = await userWorkflows('mallory');
    expect(await failedWith(request!.videoId)).toMatch(/^Invalid base64: file is not base64: invalid base64 at character/);
    expect(await uploadSignal(env.client, request!.videoId)).toBeUndefined();
  });

  it('refuses a userId that is missing or bad after the file, removing the file it had stored', async () => {
    const file = randomBytes(1 << 20).toString('base64');
    await expectNothingStored(async () => {
      await expectProblem(await post(`{"file": "${file}"}`), 400, /Missing userId/);
      await expectProblem(await post(`{"file": "${file}", "userId": 7}`), 400, /Missing userId: userId must be a string/);
      await expectProblem(await post(`{"file": "${file}", "userId": "../etc"}`), 400, /Invalid userId/);
      await expectProblem(await post(`{"file": "${file}", "userId": "${'a'.repeat(1000)}"}`), 400, /Invalid userId/);
      await expectProblem(await post(`{"file": "${file}", "userId": "dave"} trailing`), 400, /Invalid JSON/);
      await expectProblem(await post(`{"file": "${file}", "userId": "dave", "file": "QUJD"}`), 400, /Invalid JSON: "file" appears twice/);
      await expectProblem(await post(`{"file": "${file}", "userId": "dave"`), 400, /Invalid JSON/);
      await expectProblem(await post(`{"file": ""}, "userId": "dave"}`), 400, /Invalid JSON/);
      await expectProblem(await post('{"file": "", "userId": "dave"}'), 400, /Empty file/);
      await expectProblem(await post('{"file": 12, "userId": "dave"}'), 400, /Missing file/);
      await expectProblem(await post('["file", "userId"]'), 400, /Invalid JSON: the body is not a JSON object/);
    });
  });

  it('cuts a chunked body that grows past the limit with 413, storing nothing', async () => {
    await expectNothingStored(async () => {
      const sender = openPost();
      sender.write(`{"userId": "oscar", "file": "`);
      const piece = 'A'.repeat(1 << 20);
      for (let sent = 0; sent <= bodyLimit; sent += piece.length) sender.write(piece);
      sender.end('"}');
      await expectProblem(await sender.response, 413, /limit is 8388608 bytes/);
    });
    const [request] = await userWorkflows('oscar');
    expect(await failedWith(request!.videoId)).toMatch(/^Body too large/);
  });

  it('cuts a body that sends nothing for the idle timeout with 408, removing what it wrote and failing the request', async () => {
    await expectNothingStored(async () => {
      const sender = openPost(impatient);
      sender.write(`{"userId": "stella", "file": "${randomBytes(1 << 20).toString('base64')}`);
      await expectProblem(await sender.response, 408, /Request body timeout: the request body sent nothing for 1s/);
      await until(async () => (await bytesBeingWritten()) === 0);
    });
    const [request] = await userWorkflows('stella');
    expect(await failedWith(request!.videoId)).toMatch(/^Request body timeout/);
  });

  it('asks for x-api-key when BING_LEGACY_API_KEYS names keys', async () => {
    const body = JSON.stringify({ userId: 'dave', file: 'QUJD' });
    await expectProblem(await post(body, {}, keyed), 401, /x-api-key/);
    await expectProblem(await post(body, { 'x-api-key': 'not-the-key-0123456789' }, keyed), 403, /not valid/);
    expect((await post(body, { 'x-api-key': legacyKey }, keyed)).status).toBe(200);
  });
});

describe('the legacy switch', () => {
  it('is on by default only on loopback; BING_LEGACY_REQUEST decides anywhere', () => {
    const on = (host: string, flag?: boolean) => legacyRequestOn({ BING_API_HOST: host, BING_LEGACY_REQUEST: flag });
    expect(['127.0.0.1', '127.0.1.1', '::1', 'localhost'].map((host) => on(host))).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.5', 'api.example.com'].map((host) => on(host))).toEqual([false, false, false, false]);
    expect([on('0.0.0.0', true), on('127.0.0.1', false)]).toEqual([true, false]);
  });
});

describe('Base64Decoder', () => {
  it('decodes base64 split anywhere, across its batches, as Buffer does', () => {
    for (const size of [0, 1, 2, 3, 700_001, 700_002, 1_500_000]) {
      const bytes = randomBytes(size);
      const text = bytes.toString('base64');
      const decoder = new Base64Decoder();
      const out: Buffer[] = [];
      for (let at = 0; at < text.length;) {
        const piece = 1 + Math.floor(Math.random() * 300);
        const decoded = decoder.push(text.slice(at, at + piece));
        if (decoded) out.push(decoded);
        at += piece;
      }
      out.push(decoder.end());
      expect(Buffer.concat(out).equals(bytes), `${size} bytes`).toBe(true);
    }
  });

  it('refuses what is not base64 or is cut short', () => {
    const decode = (...pieces: string[]) => {
      const decoder = new Base64Decoder();
      for (const piece of pieces) decoder.push(piece);
      return decoder.end();
    };
    expect(decode('QU', 'I=').toString()).toBe('AB');
    expect(decode('QQ=', '=').toString()).toBe('A');
    expect(() => decode('QUJD', 'R')).toThrow(/cut short/);
    expect(() => decode('QQ===')).toThrow(/cut short/);
    expect(() => decode('QQ==', 'QQ==')).toThrow(/character 4/);
    expect(() => decode('QUJD\n')).toThrow(/character 4/);
  });
});
