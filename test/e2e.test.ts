// End to end on the local stack as `npm start` runs it: the real dev server, workers, API and
// reference jobs, driven through the `bing` command line and the HTTP API.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoStatus } from '../api/videos-service';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

const run = promisify(execFile);

interface GroundTruthEvent { action: string; start: number; end: number }

let stack: LocalStack;
let clipDir: string;
let clip: string;

beforeAll(async () => {
  stack = await LocalStack.create();
  clipDir = join(stack.dataDir, 'clips');
  clip = (await makeClip({ seed: 101, outDir: clipDir, seconds: 8 })).videoPath;
  await stack.start();
}, 300_000);

afterAll(async () => {
  await stack?.dispose();
});

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = { authorization: `Bearer ${await stack.apiKey()}`, 'x-bing-user': 'carol', ...(init.headers as Record<string, string>) };
  return fetch(`${stack.apiUrl}${path}`, { ...init, headers });
}

async function upload(file: string): Promise<string> {
  const res = await api('/v1/videos?name=clip', { method: 'POST', body: await readFile(file), headers: { 'content-type': 'application/octet-stream' } });
  expect(res.status).toBe(202);
  return ((await res.json()) as { videoId: string }).videoId;
}

async function waitFor(videoId: string, done: (s: VideoStatus) => boolean, timeoutMs = 240_000): Promise<VideoStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = (await (await api(`/v1/videos/${videoId}`)).json()) as VideoStatus;
    if (done(status) || Date.now() > deadline) return status;
    await sleep(300);
  }
}

const ended = (s: VideoStatus) => s.status !== 'running';

describe('the local stack', () => {
  it('turns a generated clip into commentary grounded in its events, visible by user and stage', async () => {
    const { stdout, code, stderr } = await stack.bing('process', clip, '--user', 'e2e-user', '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as VideoStatus & { commentary: { lines: { start: number; end: number; text: string; eventIds: string[] }[] } };
    expect(result.status).toBe('completed');
    expect(result.result?.source.facts).toMatchObject({ width: 1280, height: 720, fps: 25 });

    const storageRoot = join(stack.dataDir, 'storage', 'objects');
    const actions = JSON.parse(await readFile(join(storageRoot, result.result!.results.actions), 'utf8')) as { events: (GroundTruthEvent & { id: string })[] };
    const truth = (JSON.parse(await readFile(join(clipDir, 'events.json'), 'utf8')) as { events: GroundTruthEvent[] }).events;
    const { lines } = result.commentary;
    expect(lines.length).toBeGreaterThan(0);
    const byId = new Map(actions.events.map((e) => [e.id, e]));
    for (const line of lines) {
      expect(line.eventIds.every((id) => byId.has(id))).toBe(true);
      expect(line.start).toBeGreaterThanOrEqual(byId.get(line.eventIds[0]!)!.start - 0.001);
    }
    const inTruth = lines.filter((line) => line.eventIds.some((id) => {
      const event = byId.get(id)!;
      return truth.some((t) => t.action === event.action && Math.abs(t.start - event.start) <= 1);
    }));
    expect(inTruth.length).toBeGreaterThan(0);

    const { client, close } = await stack.temporalClient();
    try {
      const found: string[] = [];
      for (let i = 0; i < 40 && !found.length; i++) {
        for await (const wf of client.workflow.list({ query: `BingUserId = 'e2e-user' AND BingStage = 'done'` })) found.push(wf.workflowId);
        if (!found.length) await sleep(250);
      }
      expect(found).toEqual([result.workflowId]);
    } finally {
      await close();
    }
  });

  it('accepts any container and codec that ffmpeg decodes', async () => {
    const avi = join(clipDir, 'clip.avi');
    const mkv = join(clipDir, 'clip.mkv');
    await run('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-t', '4', '-c:v', 'mpeg4', '-q:v', '4', avi]);
    await run('ffmpeg', ['-v', 'error', '-y', '-i', clip, '-t', '4', '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', mkv]);
    const ids = [await upload(avi), await upload(mkv)];
    const statuses = await Promise.all(ids.map((id) => waitFor(id, ended)));
    expect(statuses.map((s) => [s.status, s.result?.source.facts.codec])).toEqual([['completed', 'mpeg4'], ['completed', 'vp9']]);
  });

  it('fails bytes that are not a video, saying why', async () => {
    const res = await api('/v1/videos', { method: 'POST', body: 'hello, not a video' });
    const { videoId } = (await res.json()) as { videoId: string };
    const status = await waitFor(videoId, ended);
    expect(status).toMatchObject({ status: 'failed', stage: 'failed' });
    expect(status.error).toMatch(/not a (readable )?video/);
  });

  it('finishes a request that was running when the stack stopped, once it starts again', async () => {
    const videoId = await upload(clip);
    const inMot = await waitFor(videoId, (s) => s.stage === 'mot' || ended(s));
    expect(inMot.stage).toBe('mot');
    await stack.stop();
    const { stdout } = await run('pgrep', ['-f', join(stack.dataDir, 'jobs')]).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
    await stack.start();
    const status = await waitFor(videoId, ended);
    expect(status.status).toBe('completed');
    const state = JSON.parse(await readFile(join(stack.dataDir, 'jobs', `video-${videoId}-mot-1`, 'state.json'), 'utf8')) as { starts: number };
    expect(state.starts).toBeLessThanOrEqual(2);
  });
});
