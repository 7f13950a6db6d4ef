// A long video's commentary while it runs (#18): GET /v1/videos/{id}/commentary, the event stream
// and `bing watch` on a real dev server, VideosService and storage, with a stand-in workflow
// (test/workflows/scripted-video.ts) that reports the segments each test sets.
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Commentary, CommentaryLine } from '../activities/commentary/actions';
import { toSrt, toWebVtt } from '../activities/commentary/subtitles';
import { LocalJobView } from '../activities/gpu/local-job-view';
import { LocalStorage } from '../activities/storage/local';
import { createApp } from '../api/app';
import { UrlSigner } from '../api/signed-urls';
import { RetrainingService } from '../client/retraining-service';
import { VideosService } from '../client/videos-service';
import { newVideoId, videoWorkflowId } from '../common/ids';
import { segmentEventId, segmentPrefix, type SegmentProgress } from '../contracts/segments';
import { resultsPrefix, searchAttributes, stageNames, type Progress, type VideoManifest } from '../contracts/video-commentary';
import { projectRoot } from '../workers/tools';
import { listenOnLoopback } from './helpers/http';
import { noRetraining } from './helpers/retraining';
import { scratchDir } from './helpers/scratch';
import { localEnv } from './helpers/temporal';
import { complete, reportProgress, videoCommentary } from './workflows/scripted-video';

const user = 'alice';
const apiKey = 'alice-key-0123456789';
const taskQueue = 'partial-commentary-test';

const dir = scratchDir('partial-commentary');
const storage = new LocalStorage(dir);
let env: TestWorkflowEnvironment;
let worker: Worker;
let working: Promise<void>;
let server: Server;
let base: string;

beforeAll(async () => {
  env = await localEnv();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: join(projectRoot, 'test', 'workflows', 'scripted-video.ts') });
  working = worker.run();
  const app = createApp({
    client: env.client,
    videos: new VideosService(env.client, taskQueue),
    jobs: new LocalJobView(join(dir, 'jobs')),
    signer: new UrlSigner('a-test-secret-of-thirty-two-chars!'),
    storage, apiKeys: new Map([[apiKey, user]]), maxUploadBytes: 1000, legacyBodyLimit: 10_000, tusDir: join(dir, 'tus'), uploadTimeout: '1h',
    retraining: new RetrainingService(env.client, noRetraining), logger: pino({ level: 'silent' }),
  });
  ({ server, base } = await listenOnLoopback(app));
});

afterAll(async () => {
  server?.close();
  worker?.shutdown();
  await working;
  await env?.teardown();
});

const call = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });

const line = (start: number, text: string): CommentaryLine => ({ start, end: start + 2, text, eventIds: [`e${start}`] });
/** Segment `index`'s lines as the whole video names their events (the final actions.json's ids). */
const asWhole = (index: number) => segmentLines[index]!.map((l) => ({ ...l, eventIds: l.eventIds.map((id) => segmentEventId(index, id)) }));
/** Each segment's commentary: 120 s segments, times of the whole video. */
const segmentLines = [
  [line(3, 'Red 4 takes it forward.'), line(61, 'A long pass to the wing.')],
  [line(125, 'Blue 7 wins it back.'), line(170, 'Shot, just wide!')],
  [line(243, 'Red 9 sprints clear.'), line(300, 'Tackle by Blue 2.')],
];

/** A running request at stage mot with three segments, those in `commented` having their commentary stored. */
async function progress(videoId: string, commented: number[]): Promise<Progress> {
  const segments: SegmentProgress[] = [];
  for (const index of [0, 1, 2]) {
    const done = commented.includes(index);
    const segment: SegmentProgress = {
      index, startSeconds: index * 120, endSeconds: index * 120 + 124, mot: done ? 'done' : 'running', motProgress: done ? 1 : 0.5,
      action: done ? 'done' : 'pending', commentary: done ? 'done' : 'pending',
    };
    if (done) {
      const key = `${segmentPrefix(resultsPrefix(videoId, 1), index)}commentary.json`;
      const lines = segmentLines[index]!;
      const commentary: Commentary = { language: 'en', model: 'template', lines, text: lines.map((l) => l.text).join(' ') };
      await storage.put(key, JSON.stringify(commentary));
      Object.assign(segment, { commentaryKey: key, lines: lines.length });
    }
    segments.push(segment);
  }
  const stages = Object.fromEntries(stageNames.map((s) => [s, { state: s === 'mot' ? 'running' : s === 'uploading' || s === 'ingest' ? 'done' : 'pending', progress: 0 }]));
  return { videoId, userId: user, run: 1, stage: 'mot', stages: stages as Progress['stages'], segments };
}

async function startRequest(commented: number[]): Promise<{ videoId: string; handle: WorkflowHandle<typeof videoCommentary> }> {
  const videoId = newVideoId();
  const handle = await env.client.workflow.start(videoCommentary, {
    taskQueue, workflowId: videoWorkflowId(videoId), args: [await progress(videoId, commented)],
    typedSearchAttributes: [{ key: searchAttributes.userId, value: user }, { key: searchAttributes.videoId, value: videoId }],
  });
  return { videoId, handle };
}

/** Stores the final commentary files and completes the request with them as its results. */
async function completeRequest(videoId: string, handle: WorkflowHandle<typeof videoCommentary>): Promise<Record<'json' | 'vtt' | 'srt', string>> {
  const prefix = resultsPrefix(videoId, 1);
  const lines = segmentLines.flat();
  const files = {
    json: `${JSON.stringify({ language: 'en', model: 'template', lines, text: 'the final text' }, null, 2)}\n`,
    vtt: toWebVtt(lines, { duration: 360 }),
    srt: toSrt(lines, { duration: 360 }),
  };
  for (const [format, body] of Object.entries(files)) await storage.put(`${prefix}commentary.${format}`, body);
  const results = { commentary: `${prefix}commentary.json`, commentaryVtt: `${prefix}commentary.vtt`, commentarySrt: `${prefix}commentary.srt` } as VideoManifest['results'];
  await handle.executeUpdate(complete, { args: [{ videoId, userId: user, run: 1, results } as VideoManifest] });
  await handle.result();
  return files;
}

/** The events of a stream as they arrive. */
async function* serverSentEvents(res: Response): AsyncGenerator<{ event: string; data: unknown }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      const events = (buffered + chunk.value).split('\n\n');
      buffered = events.pop()!;
      for (const text of events) {
        const [, event, data] = /^event: (\w+)\ndata: (.*)$/s.exec(text) ?? [];
        if (event) yield { event, data: JSON.parse(data!) };
      }
    }
  } finally {
    await reader.cancel();
  }
}

describe('commentary while a long video runs', () => {
  it('answers 409 before any segment has its commentary, and the status shows the segments', async () => {
    const { videoId, handle } = await startRequest([]);
    const res = await call(`/v1/videos/${videoId}/commentary`);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ title: 'Commentary not ready', detail: 'the request is running at stage mot' });
    const status = (await (await call(`/v1/videos/${videoId}`)).json()) as Progress;
    expect(status.segments?.map((s) => [s.index, s.mot, s.commentary])).toEqual([[0, 'running', 'pending'], [1, 'running', 'pending'], [2, 'running', 'pending']]);
    await handle.terminate();
  });

  it('answers the lines of the segments commented so far, in time order, with partial: true', async () => {
    const { videoId, handle } = await startRequest([2, 0]);
    const res = await call(`/v1/videos/${videoId}/commentary`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-bing-commentary-segments')).toBe('2/3');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const lines = [...asWhole(0), ...asWhole(2)];
    expect(await res.json()).toEqual({
      language: 'en', model: 'template', lines, text: lines.map((l) => l.text).join(' '), partial: true, segments: { done: 2, total: 3, indexes: [0, 2] },
    });
    const vtt = await call(`/v1/videos/${videoId}/commentary?format=vtt`);
    expect(vtt.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(await vtt.text()).toBe(toWebVtt(lines));
    const srt = await call(`/v1/videos/${videoId}/commentary?format=srt`);
    expect(await srt.text()).toMatch(/^1\n00:00:03,000 --> 00:00:05,000\nRed 4 takes it forward\.\n\n2\n[^]*\n4\n00:05:00,000 --> 00:05:02,000\nTackle by Blue 2\.\n\n$/);
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow();
    // A request that ended without completing has no commentary, however many segments it commented.
    expect((await call(`/v1/videos/${videoId}/commentary`)).status).toBe(409);
  });

  it('streams each segment\'s lines once as a commentary event, and the final files unchanged once completed', async () => {
    const { videoId, handle } = await startRequest([0]);
    const res = await call(`/v1/videos/${videoId}/events`);
    const events = serverSentEvents(res);
    const next = async () => (await events.next()).value!;
    expect((await next()).event).toBe('status');
    expect(await next()).toEqual({ event: 'commentary', data: { index: 0, startSeconds: 0, endSeconds: 124, lines: asWhole(0) } });
    await handle.executeUpdate(reportProgress, { args: [await progress(videoId, [0, 1])] });
    let event = await next();
    expect(event.event).toBe('status');
    expect((event.data as Progress).segments?.[1]).toMatchObject({ commentary: 'done', lines: 2 });
    expect(await next()).toEqual({ event: 'commentary', data: { index: 1, startSeconds: 120, endSeconds: 244, lines: asWhole(1) } });

    const files = await completeRequest(videoId, handle);
    do event = await next(); while (event.event === 'status');
    expect(event.event).toBe('end');
    for (const format of ['json', 'vtt', 'srt'] as const) {
      const final = await call(`/v1/videos/${videoId}/commentary?format=${format}`);
      expect(final.headers.get('x-bing-commentary-segments')).toBeNull();
      expect(await final.text()).toBe(files[format]);
    }
  });

  it('bing watch shows the segments and prints each line as its segment\'s commentary appears', async () => {
    const { videoId, handle } = await startRequest([0]);
    const watch = spawn(process.execPath, [join(projectRoot, 'api', 'cli', 'bin.cjs'), 'watch', videoId], {
      env: { ...process.env, BING_API_URL: base, BING_API_KEY: apiKey }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    watch.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => watch.on('exit', resolve));
    /** Resolves once bing has printed `text`; fails if it ends first. */
    const shown = (text: string) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!stderr.includes(text)) return;
        watch.stderr.off('data', check);
        resolve();
      };
      watch.stderr.on('data', check);
      check();
      void exited.then((code) => reject(new Error(`bing watch ended (${code}) without printing ${text}:\n${stderr}`)));
    });

    try {
      await shown('Red 4 takes it forward.');
      expect(stderr).toMatch(/^segments +\[[#-]+\] +67% {2}1\/3 tracked, 1 commented$/m);
      await handle.executeUpdate(reportProgress, { args: [await progress(videoId, [0, 2])] });
      await shown('Tackle by Blue 2.');
      expect(stderr).toMatch(/segments .* 2\/3 tracked, 2 commented\n/);
      await completeRequest(videoId, handle);
      expect(await exited).toBe(0);
    } finally {
      watch.kill();
    }

    const printed = stderr.split('\n').filter((l) => l.startsWith('  ['));
    expect(printed).toEqual([
      '  [00:03.0 - 00:05.0] Red 4 takes it forward.', '  [01:01.0 - 01:03.0] A long pass to the wing.',
      '  [04:03.0 - 04:05.0] Red 9 sprints clear.', '  [05:00.0 - 05:02.0] Tackle by Blue 2.',
    ]);
  });

  it('the page shows the segments and lists each segment\'s lines as its commentary appears', async () => {
    const { videoId, handle } = await startRequest([2]);
    const browser = await chromium.launch({ executablePath: process.env.BING_CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.addInitScript((key) => localStorage.setItem('bing.apiKey', key), apiKey);
      await page.goto(`${base}/#${videoId}`);
      const listed = (count: number) => page.waitForFunction((n) => document.querySelectorAll('#live-commentary li').length === n, count);
      const texts = () => page.locator('#live-commentary li').allTextContents();
      await listed(2);
      expect(await texts()).toEqual(['4:03.0Red 9 sprints clear.', '5:00.0Tackle by Blue 2.']);
      expect(await page.locator('#segments-line').textContent()).toBe('Segments: 1/3 tracked, 1 commented');

      await handle.executeUpdate(reportProgress, { args: [await progress(videoId, [0, 2])] });
      await listed(4);
      expect(await texts()).toEqual(['0:03.0Red 4 takes it forward.', '1:01.0A long pass to the wing.', '4:03.0Red 9 sprints clear.', '5:00.0Tackle by Blue 2.']);
      expect(await page.locator('#segments-line').textContent()).toBe('Segments: 2/3 tracked, 2 commented');

      // Completed: the result shows the whole commentary instead.
      await completeRequest(videoId, handle);
      await page.waitForSelector('#live', { state: 'hidden' });
      await page.waitForSelector('#segments-line', { state: 'hidden' });
    } finally {
      await browser.close();
    }
  });
});
