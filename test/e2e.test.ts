// End to end on the local stack as `npm start` runs it: the real dev server, workers, API and
// reference jobs, driven through the `bing` command line and the HTTP API.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { WebVTTParser } from 'webvtt-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Language } from '../contracts/video-commentary';
import { containsHangul } from '../activities/commentary/grounding';
import type { VideoStatus } from '../client/videos-service';
import { makeClip } from './fixtures/clip';
import { probe } from './helpers/probe';
import { LocalStack } from './helpers/stack';
import { projectRoot } from '../workers/tools';

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

const user = 'carol';
const api = (path: string, init: RequestInit = {}) => stack.api(path, user, init);
const upload = (file: string) => stack.upload(file, user);
const waitFor = (videoId: string, done: (s: VideoStatus) => boolean, timeoutMs?: number) => stack.waitFor(videoId, user, done, timeoutMs);

const ended = (s: VideoStatus) => s.status !== 'running';

const savedFiles = ['commentary.json', 'commentary.srt', 'commentary.vtt', 'commentary.wav', 'commentated.mp4'];

/**
 * What `bing ... --save DIR` wrote: the commentary in `language` (Korean in Hangul), subtitles that
 * parse and say its lines, and the commentated video with picture, voice and subtitles, as long as the clip.
 */
async function expectSavedCommentary(dir: string, language: Language) {
  expect((await readdir(dir)).sort()).toEqual(savedFiles);
  const commentary = JSON.parse(await readFile(join(dir, 'commentary.json'), 'utf8')) as { language: string; lines: { text: string }[] };
  expect(commentary.language).toBe(language);
  const texts = commentary.lines.map((l) => l.text);
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) expect(containsHangul(text), text).toBe(language === 'ko');

  const vtt = new WebVTTParser().parse(await readFile(join(dir, 'commentary.vtt'), 'utf8'), 'subtitles');
  expect(vtt.errors).toEqual([]);
  expect(vtt.cues).toHaveLength(texts.length);
  const srt = (await readFile(join(dir, 'commentary.srt'), 'utf8')).split('\n\n').filter(Boolean);
  for (const block of srt) expect(block).toMatch(/^\d+\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n[^\n]+$/);
  expect(srt.map((block) => block.split('\n')[2])).toEqual(texts);

  const video = await probe(join(dir, 'commentated.mp4'));
  expect(video.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'subtitle', 'video']);
  const frames = Math.abs(Number(video.format.duration) - Number((await probe(clip)).format.duration)) * 25;
  expect(frames).toBeLessThanOrEqual(2);
}

describe('the local stack', () => {
  it('turns a generated clip into commentary grounded in its events, visible by user and stage, saved by the CLI', async () => {
    const saved = join(stack.dataDir, 'saved-en');
    const { stdout, code, stderr } = await stack.bing('process', clip, '--user', 'e2e-user', '--json', '--save', saved);
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
    await expectSavedCommentary(saved, 'en');

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

  it('commentates in Korean: `bing process --language ko --save` and `bing commentary --save` write the same Hangul files', async () => {
    const saved = join(stack.dataDir, 'saved-ko');
    const processed = await stack.bing('process', clip, '--user', 'e2e-ko', '--language', 'ko', '--save', saved);
    expect(processed.code, processed.stderr).toBe(0);
    expect(processed.stdout).toMatch(/Commentary \(ko\):\n {2}\[00:0\d\.\d - 00:0\d\.\d\] .*[\uac00-\ud7a3]/);
    expect(processed.stderr).toContain(`wrote ${join(saved, 'commentated.mp4')}`);
    await expectSavedCommentary(saved, 'ko');

    const videoId = /^video (\S+) /m.exec(processed.stderr)![1]!;
    const again = join(stack.dataDir, 'saved-ko-again');
    const shown = await stack.bing('commentary', videoId, '--user', 'e2e-ko', '--format', 'srt', '--save', again);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe(await readFile(join(saved, 'commentary.srt'), 'utf8'));
    expect(shown.stderr.match(/^wrote .+$/gm)).toHaveLength(savedFiles.length);
    for (const file of savedFiles) expect(await readFile(join(again, file)), file).toEqual(await readFile(join(saved, file)));
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

  it('serves the old clients: a Python script posting {file: base64, userId} with only its URL changed', async () => {
    // `requests` comes with the tools install-tools put in .tools/py (moto needs it too).
    const env = { ...process.env, PYTHONPATH: join(projectRoot, '.tools', 'py') };
    const { stdout } = await run('python3', [join(__dirname, 'fixtures', 'old-client.py'), `${stack.apiUrl}/request`, clip, 'old-client-user'], { env });
    const [code, body] = stdout.split('\n');
    expect(code).toBe('200');
    const { videoId, statusUrl } = JSON.parse(body!) as { videoId: string; statusUrl: string };
    expect(statusUrl).toBe(`/v1/videos/${videoId}`);
    const headers = { authorization: `Bearer ${await stack.apiKey()}`, 'x-bing-user': 'old-client-user' };
    let status: VideoStatus;
    do {
      await sleep(500);
      status = (await (await fetch(`${stack.apiUrl}${statusUrl}`, { headers })).json()) as VideoStatus;
    } while (status.status === 'running');
    expect(status.status).toBe('completed');
    expect(status.result!.source.sha256).toBe(createHash('sha256').update(await readFile(clip)).digest('hex'));
  });

  it('fails bytes that are not a video, saying why', async () => {
    const res = await api('/v1/videos', { method: 'POST', body: 'hello, not a video' });
    const { videoId } = (await res.json()) as { videoId: string };
    const status = await waitFor(videoId, ended);
    expect(status).toMatchObject({ status: 'failed', stage: 'failed' });
    expect(status.error).toMatch(/not a (readable )?video/);
    const { code, stderr } = await stack.bing('commentary', videoId, '--user', 'carol');
    expect(code).toBe(1);
    expect(stderr).toMatch(/Commentary not ready: the request is failed at stage failed: not a/);
  });

  it('streams status changes as server-sent events until the request ends', async () => {
    const videoId = await upload(clip);
    const res = await fetch(`${stack.apiUrl}/v1/videos/${videoId}/events?key=${await stack.apiKey()}&user=carol`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    const stages = [...text.matchAll(/^data: (\{.*\})$/gm)].map((m) => (JSON.parse(m[1]!) as Partial<VideoStatus>).stage).filter(Boolean);
    expect(stages).toEqual(expect.arrayContaining(['mot', 'action', 'done']));
    expect(stages.indexOf('mot')).toBeLessThan(stages.indexOf('done'));
    expect(text.trimEnd().endsWith('event: end\ndata: {}')).toBe(true);
  });

  it('cancels a request during its MOT job: the job stops and nothing partial remains', async () => {
    // Long enough that its MOT job is still running when the cancel arrives, on a quiet machine too.
    const longClip = (await makeClip({ seed: 104, outDir: join(clipDir, 'long'), seconds: 24 })).videoPath;
    const videoId = await upload(longClip);
    await waitFor(videoId, (s) => (s.stage === 'mot' && s.stages.mot.progress > 0) || ended(s));
    // What an operator types in the Web UI finds exactly the requests in that stage.
    const { client, close } = await stack.temporalClient();
    try {
      let inMot: string[] = [];
      for (let i = 0; i < 40 && inMot.length !== 1; i++) {
        inMot = [];
        for await (const wf of client.workflow.list({ query: `BingUserId = 'carol' AND BingStage = 'mot'` })) inMot.push(wf.workflowId);
        if (inMot.length !== 1) await sleep(250);
      }
      expect(inMot).toEqual([`video-${videoId}`]);
    } finally {
      await close();
    }
    const asked = Date.now();
    expect((await api(`/v1/videos/${videoId}/cancel`, { method: 'POST' })).status).toBe(202);
    const status = await waitFor(videoId, ended, 20_000);
    expect(status).toMatchObject({ status: 'cancelled', stage: 'cancelled' });
    expect(Date.now() - asked).toBeLessThan(10_000);
    const { stdout } = await run('pgrep', ['-f', join(stack.dataDir, 'jobs', `video-${videoId}-mot-1`)]).catch(() => ({ stdout: '' }));
    expect(stdout.trim()).toBe('');
    const { jobs } = (await (await api('/v1/jobs')).json()) as { jobs: { name: string; status: string; starts: number }[] };
    expect(jobs.find((j) => j.name === `video-${videoId}-mot-1`)).toMatchObject({ status: 'Stopped', starts: 1 });
    expect(Object.keys((await (await api(`/v1/videos/${videoId}`)).json() as { files: object }).files)).toEqual(['source']);
  });

  it('reruns a finished request as a second run with its own jobs and results; of reruns sent at once, one starts', async () => {
    const videoId = await upload(clip);
    const first = await waitFor(videoId, ended);
    expect(first.status).toBe('completed');
    const rerun = () => api(`/v1/videos/${videoId}/rerun`, { method: 'POST' });
    const answers = await Promise.all([rerun(), rerun(), rerun(), rerun()]);
    expect(answers.map((r) => r.status).sort()).toEqual([202, 409, 409, 409]);
    for (const refused of answers.filter((r) => r.status === 409)) {
      expect(((await refused.json()) as { detail: string }).detail).toMatch(/another rerun of the request started first|still running/);
    }
    expect(await answers.find((r) => r.status === 202)!.json()).toMatchObject({ run: 2 });
    const second = await waitFor(videoId, (s) => s.run === 2 && ended(s));
    expect(second).toMatchObject({ status: 'completed', run: 2 });
    expect(second.result!.results.commentary).toBe(`results/${videoId}/run-2/commentary.json`);
    expect(second.result!.source.sha256).toBe(first.result!.source.sha256);
    const { stdout } = await stack.bing('jobs', '--json');
    const names = (JSON.parse(stdout) as { name: string }[]).map((j) => j.name);
    expect(names).toEqual(expect.arrayContaining([`video-${videoId}-mot-1`, `video-${videoId}-mot-2`]));
  });

  it('serves result files by signed links, with ranges for seeking', async () => {
    const videoId = await upload(clip);
    const status = (await (await api(`/v1/videos/${(await waitFor(videoId, ended)).videoId}`)).json()) as VideoStatus & { files: Record<string, string> };
    expect(Object.keys(status.files)).toEqual(expect.arrayContaining(['source', 'tracks.json', 'actions.json', 'commentary.json', 'commentary.vtt', 'manifest.json']));
    const vtt = await fetch(`${stack.apiUrl}${status.files['commentary.vtt']}`);
    expect(vtt.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(await vtt.text()).toMatch(/^WEBVTT/);
    const part = await fetch(`${stack.apiUrl}${status.files.source}`, { headers: { range: 'bytes=4-11' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('ftypisom');
    const forged = status.files.source!.replace(/signature=[^&]+/, 'signature=forged');
    expect((await fetch(`${stack.apiUrl}${forged}`)).status).toBe(403);
  });

  it('survives its worker killed with SIGKILL during the MOT job, without a second job', async () => {
    const videoId = await upload(clip);
    await waitFor(videoId, (s) => (s.stage === 'mot' && s.stages.mot.progress > 0) || ended(s));
    const worker = await stack.childPid('workers/worker.ts');
    process.kill(worker, 'SIGKILL');
    const status = await waitFor(videoId, ended);
    expect(status.status).toBe('completed');
    expect(await stack.childPid('workers/worker.ts')).not.toBe(worker);
    const { jobs } = (await (await api('/v1/jobs')).json()) as { jobs: { name: string; starts: number; status: string }[] };
    const mot = jobs.filter((j) => j.name.startsWith(`video-${videoId}-mot`));
    expect(mot).toEqual([expect.objectContaining({ name: `video-${videoId}-mot-1`, status: 'Completed', starts: 1 })]);
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

describe('starting the local stack', () => {
  it('refuses an API port that is also the Temporal port, saying which settings clash', async () => {
    const clash = await LocalStack.create({ TEMPORAL_ADDRESS: '127.0.0.1:7233', BING_API_PORT: '7233' });
    await expect(clash.start()).rejects.toThrow('TEMPORAL_ADDRESS and BING_API_PORT both name port 7233');
    await clash.dispose();
  });
});
