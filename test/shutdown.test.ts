// Graceful shutdown under `npm start`: the API told SIGTERM finishes the upload in progress and
// refuses a new one with 503 until it closes; the worker told SIGTERM during the MOT job exits
// within its grace time, the job process runs on, and the retried activity adopts it.
import { request } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoStatus } from '../client/videos-service';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

let stack: LocalStack;
let clipPath: string;
let clip: Buffer;

beforeAll(async () => {
  stack = await LocalStack.create({ BING_WORKER_SHUTDOWN_GRACE: '1s', BING_API_SHUTDOWN_GRACE: '2m', BING_WORKER_METRICS_ADDRESS: '' });
  clipPath = (await makeClip({ seed: 109, outDir: join(stack.dataDir, 'clip'), seconds: 12 })).videoPath;
  clip = await readFile(clipPath);
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

const ended = (s: VideoStatus) => s.status !== 'running';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function untilGone(pid: number): Promise<void> {
  while (alive(pid)) await sleep(100);
}

describe('graceful shutdown on the local stack', () => {
  it('API: an upload in progress at SIGTERM completes (202), one started after is refused with 503 and Retry-After', async () => {
    const user = 'gail';
    const headers = { authorization: `Bearer ${await stack.apiKey()}`, 'x-bing-user': user, 'content-type': 'video/mp4' };
    const upload = request(`${stack.apiUrl}/v1/videos?name=draining`, { method: 'POST', headers: { ...headers, 'content-length': String(clip.length) } });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      upload.once('error', reject);
      upload.once('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.once('end', () => resolve({ status: res.statusCode!, body }));
      });
    });
    const half = Math.floor(clip.length / 2);
    upload.write(clip.subarray(0, half));
    while (!((await (await stack.api('/v1/videos?stage=uploading', user)).json()) as { videos: unknown[] }).videos.length) await sleep(100);

    const api = await stack.childPid('api/server.ts');
    process.kill(api, 'SIGTERM');
    // Draining, it says it is not ready, so a load balancer sends no more.
    while ((await fetch(`${stack.apiUrl}/readyz`)).status !== 503) await sleep(100);

    const refused = await stack.api('/v1/videos?name=late', user, { method: 'POST', body: new Uint8Array(clip), headers: { 'content-type': 'video/mp4' } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 503, title: 'Shutting down' });
    // Reads are still served while it drains.
    expect((await stack.api('/v1/videos', user)).status).toBe(200);

    upload.end(clip.subarray(half));
    const { status, body } = await answer;
    expect(status).toBe(202);
    await untilGone(api);
    await stack.apiAnswers();
    const { videoId } = JSON.parse(body) as { videoId: string };
    const done = await stack.waitFor(videoId, user, ended);
    expect(done.status, done.error).toBe('completed');
    const { videos } = (await (await stack.api('/v1/videos', user)).json()) as { videos: { name?: string }[] };
    expect(videos.map((v) => v.name)).not.toContain('late');
  });

  it('worker: SIGTERM during the MOT job exits within its grace time, the job runs on and its retried activity adopts it', async () => {
    const user = 'hank';
    const videoId = await stack.upload(clipPath, user);
    const inMot = await stack.waitFor(videoId, user, (s) => (s.stage === 'mot' && s.stages.mot.progress > 0) || ended(s));
    expect(inMot.stage).toBe('mot');

    const worker = await stack.childPid('workers/worker.ts');
    process.kill(worker, 'SIGTERM');
    await untilGone(worker);
    expect(stack.log).toMatch(/worker exited \(0\)/);
    const state = JSON.parse(await readFile(join(stack.dataDir, 'jobs', `video-${videoId}-mot-1`, 'state.json'), 'utf8')) as { pid: number; status: string };
    // The job outlived the worker: its process runs, or it had already finished on its own.
    expect(alive(state.pid) || state.status === 'Completed', JSON.stringify(state)).toBe(true);

    const status = await stack.waitFor(videoId, user, ended);
    expect(status.status, status.error).toBe('completed');
    const { jobs } = (await (await stack.api('/v1/jobs', user)).json()) as { jobs: { name: string; starts: number; status: string }[] };
    expect(jobs.filter((j) => j.name.startsWith(`video-${videoId}-mot`))).toEqual([
      expect.objectContaining({ name: `video-${videoId}-mot-1`, status: 'Completed', starts: 1 }),
    ]);
  });
});
