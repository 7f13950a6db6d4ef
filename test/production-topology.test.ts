// The production topology without Docker: every BING process from the build output with plain
// node, as docker-compose.yml runs them. A Temporal frontend (the dev server), S3 (moto) as storage,
// two API processes that share only their signing secret, two workflow workers and one GPU-job
// worker whose local runner keeps its job directories on its own disk (a self-hosted GPU box). A
// video whose resumable upload starts on API 1 and ends on API 2 is followed through API 2; the
// workflow worker that holds the request's sticky cache is killed during the MOT job; the request
// completes on the other, its results in the bucket, with one MOT job.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Storage } from '../activities/storage/s3';
import type { VideoStatus } from '../client/videos-service';
import { videoWorkflowId } from '../common/ids';
import { makeClip } from './fixtures/clip';
import { BingApi } from './helpers/bing-api';
import { BingProcess } from './helpers/bing-process';
import { ensureBuilt } from './helpers/build';
import { motoBucket, startMoto, type Moto } from './helpers/moto';
import { freePorts } from './helpers/ports';
import { scratchDir } from './helpers/scratch';
import { localEnv } from './helpers/temporal';

const bucket = 'bing-production';
const operatorKey = 'topology-operator-key-0123456789';
const user = 'fran';
const root = scratchDir('topology');
/** The GPU box's data directory: its job directories, and API 1's, as compose mounts bing-data in both. */
const gpuBox = join(root, 'gpu-box');

let temporal: TestWorkflowEnvironment;
let moto: Moto;
let storage: S3Storage;
let apis: [BingApi, BingApi];
let workers: BingProcess[];
let processes: BingProcess[];
let clip: string;

beforeAll(async () => {
  await ensureBuilt();
  // startMoto sets the AWS variables in process.env at once: before the dev server's spawn reads the
  // environment on another thread, which a change under it fails with EFAULT ("Bad address").
  [moto, temporal] = await Promise.all([startMoto(), localEnv()]);
  storage = await motoBucket(moto, bucket);
  const dataDirs = ['api-2', 'worker-1', 'worker-2'].map((name) => join(root, name));
  await Promise.all([gpuBox, ...dataDirs].map((dir) => mkdir(dir)));
  // Long enough that the MOT job is still running when the event stream shows it, on a quiet machine too.
  clip = (await makeClip({ seed: 29, outDir: join(root, 'clip'), seconds: 12 })).videoPath;

  const shared = {
    PATH: process.env.PATH, HOME: process.env.HOME,
    TEMPORAL_ADDRESS: temporal.address,
    BING_STORAGE: 's3', BING_S3_BUCKET: bucket, BING_S3_ENDPOINT: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1',
    BING_API_KEYS: `${operatorKey}:*`,
    BING_URL_SECRET: 'topology-signing-secret-0123456789abcdef',
  };
  const ports = await freePorts(2);
  apis = ports.map((port) => new BingApi(`http://127.0.0.1:${port}`, () => Promise.resolve(operatorKey))) as [BingApi, BingApi];
  const apiProcesses = [gpuBox, dataDirs[0]!].map((dir, i) => new BingProcess('dist/api/server.js', { ...shared, BING_DATA_DIR: dir, BING_API_PORT: String(ports[i]) }));
  workers = [1, 2].map((i) => new BingProcess('dist/workers/worker.js', { ...shared, BING_DATA_DIR: dataDirs[i]!, BING_WORKER_ROLE: 'workflows' }));
  const gpuWorker = new BingProcess('dist/workers/worker.js', { ...shared, BING_DATA_DIR: gpuBox, BING_WORKER_ROLE: 'gpu' });
  processes = [...apiProcesses, ...workers, gpuWorker];
  await Promise.all([
    ...apiProcesses.map((api, i) => api.waitFor(() => fetch(`${apis[i]!.apiUrl}/healthz`).then((r) => r.ok, () => false))),
    ...[...workers, gpuWorker].map((worker) => worker.waitFor(() => worker.log.includes('workers polling'))),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all((processes ?? []).map((p) => p.stop()));
  storage?.client.destroy();
  await Promise.all([temporal?.teardown(), moto?.stop()]);
});

/** The pids of the workers that completed the workflow's tasks, in order (a worker's identity is pid@host). */
async function workflowTaskWorkers(client: Client, videoId: string): Promise<number[]> {
  const { events } = await client.workflow.getHandle(videoWorkflowId(videoId)).fetchHistory();
  return (events ?? []).flatMap((e) => {
    const identity = e.workflowTaskCompletedEventAttributes?.identity;
    return identity ? [Number(identity.split('@')[0])] : [];
  });
}

const ended = (s: VideoStatus) => s.status !== 'running';

/** A tus upload of FILE created with its first half on one API and finished on another, as behind a load balancer; its video id. */
async function uploadAcross(first: BingApi, second: BingApi, file: string): Promise<string> {
  const video = await readFile(file);
  const half = Math.floor(video.length / 2);
  const tus = { 'tus-resumable': '1.0.0', 'content-type': 'application/offset+octet-stream' };
  const created = await first.api('/v1/uploads', user, {
    method: 'POST',
    headers: { ...tus, 'upload-length': String(video.length), 'upload-metadata': `filename ${Buffer.from('clip.mp4').toString('base64')}` },
    body: new Uint8Array(video.subarray(0, half)),
  });
  expect(created.status, await created.clone().text()).toBe(201);
  expect(created.headers.get('upload-offset')).toBe(String(half));
  const rest = await second.api(created.headers.get('location')!, user, { method: 'PATCH', headers: { ...tus, 'upload-offset': String(half) }, body: new Uint8Array(video.subarray(half)) });
  expect(rest.status, await rest.clone().text()).toBe(204);
  return created.headers.get('bing-video-id')!;
}

describe('the production topology, from the build output', () => {
  let videoId: string;
  let completed: VideoStatus & { files: Record<string, string> };

  it('completes a request uploaded through API 1 and API 2 and followed through API 2 after a kill -9 of the workflow worker holding it, with one MOT job', async () => {
    const [api1, api2] = apis;
    videoId = await uploadAcross(api1, api2, clip);
    const inMot = await api2.follow(videoId, user, (s) => (s.stage === 'mot' && s.stages.mot.progress > 0) || ended(s));
    expect(inMot.stage, inMot.error).toBe('mot');

    const holders = await workflowTaskWorkers(temporal.client, videoId);
    const holder = workers.find((w) => w.pid === holders.at(-1));
    expect(holder, `the last workflow task's worker ${holders.at(-1)} is one of ${workers.map((w) => w.pid).join(', ')}`).toBeDefined();
    await holder!.kill();

    const status = await api2.waitFor(videoId, user, ended, 360_000);
    expect(status.status, status.error).toBe('completed');
    expect(status.result!.source.sha256).toBe(createHash('sha256').update(await readFile(clip)).digest('hex'));
    const survivor = workers.find((w) => w !== holder)!;
    expect((await workflowTaskWorkers(temporal.client, videoId)).slice(holders.length)).toContain(survivor.pid);

    const { jobs } = (await (await api1.api('/v1/jobs', user)).json()) as { jobs: { name: string; status: string; starts: number }[] };
    expect(jobs.filter((j) => j.name.startsWith(`video-${videoId}-mot`))).toEqual([expect.objectContaining({ name: `video-${videoId}-mot-1`, status: 'Completed', starts: 1 })]);
    completed = (await (await api2.api(`/v1/videos/${videoId}`, user)).json()) as typeof completed;
  }, 420_000);

  it('keeps the results in the bucket, none on the processes\' disks', async () => {
    const stored = await storage.list(`results/${videoId}/`);
    expect(stored).toEqual(expect.arrayContaining([...Object.values(completed.result!.results), `results/${videoId}/manifest.json`]));
    for (const dir of ['gpu-box', 'api-2', 'worker-1', 'worker-2']) expect(existsSync(join(root, dir, 'storage')), dir).toBe(false);
  });

  it('gives file links any caller can follow, and page tokens one API signs and the other honours', async () => {
    const [api1, api2] = apis;
    const vtt = await fetch(completed.files['commentary.vtt']!);
    expect(vtt.status).toBe(200);
    expect(await vtt.text()).toMatch(/^WEBVTT/);

    // A second request to page through: bytes that are no video, ended at ingest.
    const refused = await api1.api('/v1/videos?name=notes', user, { method: 'POST', body: 'not a video', headers: { 'content-type': 'application/octet-stream' } });
    const { videoId: second } = (await refused.json()) as { videoId: string };
    expect((await api1.waitFor(second, user, ended)).status).toBe('failed');
    const first = (await (await api2.api('/v1/videos?pageSize=1', user)).json()) as { videos: { videoId: string }[]; nextPageToken?: string };
    expect(first.nextPageToken).toBeDefined();
    const next = await api1.api(`/v1/videos?pageSize=1&pageToken=${encodeURIComponent(first.nextPageToken!)}`, user);
    expect(next.status).toBe(200);
    const page = (await next.json()) as { videos: { videoId: string }[] };
    expect([...first.videos, ...page.videos].map((v) => v.videoId).sort()).toEqual([videoId, second].sort());
  });
});
