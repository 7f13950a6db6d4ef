// The web page on the real local stack, in Debian's Chromium driven by playwright-core: a real
// upload through the page to a finished result view with the tracks drawn over the video and the
// commentary showing as subtitles. Screenshots go to test/artifacts/.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoStatus } from '../client/videos-service';
import type { TracksFile } from '../jobs/formats';
import { projectRoot } from '../workers/tools';
import { makeClip } from './fixtures/clip';
import { LocalStack } from './helpers/stack';

const chromiumPath = process.env.BING_CHROMIUM ?? '/usr/bin/chromium';
const artifacts = join(projectRoot, 'test', 'artifacts');

interface CommentaryFile { language: string; lines: { start: number; end: number; text: string }[] }
type Status = VideoStatus & { files?: Record<string, string> };

let stack: LocalStack;
let clipPath: string;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: run infra/install-chromium (as root)`);
  await mkdir(artifacts, { recursive: true });
  stack = await LocalStack.create();
  clipPath = (await makeClip({ seed: 202, outDir: join(stack.dataDir, 'clips'), seconds: 6 })).videoPath;
  await stack.start();
  userDataDir = await mkdtemp(join(tmpdir(), 'bing-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()}`);
  });
}, 300_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  await stack?.dispose();
});

async function status(videoId: string): Promise<Status> {
  const res = await fetch(`${stack.apiUrl}/v1/videos/${videoId}`, { headers: { authorization: `Bearer ${await stack.apiKey()}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Status;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(new URL(url, stack.apiUrl));
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

/** Pauses the video at a time and waits until the frame there is presented and the overlay redrawn. */
async function pauseAt(time: number): Promise<{ frame: number; boxes: number; pixels: number }> {
  return page.evaluate(async (t) => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.getElementById('overlay') as HTMLCanvasElement;
    video.pause();
    const seeked = new Promise((resolve) => video.addEventListener('seeked', resolve, { once: true }));
    video.currentTime = t;
    await seeked;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let pixels = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) pixels++;
    return { frame: Number(canvas.dataset.frame), boxes: Number(canvas.dataset.boxes), pixels };
  }, time);
}

describe('the web page', () => {
  it('uploads a clip with progress, follows it live and shows the tracked result with subtitles', async () => {
    const home = await fetch(`${stack.apiUrl}/`);
    expect(home.status, 'GET / must serve the page: mount webRouter() in api/app.ts').toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);

    await page.goto(`${stack.apiUrl}/`);
    await page.locator('#key-dialog').waitFor({ state: 'visible' });
    await page.fill('#key-input', await stack.apiKey());
    await page.click('#key-save');
    await page.locator('#key-dialog').waitFor({ state: 'hidden' });

    await page.selectOption('#upload-language', 'en');
    await page.setInputFiles('#upload-file', clipPath);
    await page.click('#upload-start');
    await page.locator('#detail').waitFor({ state: 'visible', timeout: 60_000 });
    expect(await page.locator('#upload-progress').evaluate((el) => (el as HTMLProgressElement).value)).toBe(1);
    await expect.poll(() => page.textContent('#upload-text')).toMatch(/^Uploaded video\.mp4/);
    const videoId = decodeURIComponent(new URL(page.url()).hash.slice(1));
    expect(videoId).not.toBe('');

    // Live: the detail view and the list move through the stages without a reload.
    const seen = new Set<string>();
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      const [line, ready] = await page.evaluate(() => [document.getElementById('detail-status')!.textContent ?? '', document.body.dataset.result ?? '']);
      seen.add(line.split(' · ')[1]?.replace(/[\d%…]+$/, '').trim() ?? line);
      if (ready === 'ready') break;
      await sleep(200);
    }
    expect(await page.evaluate(() => document.body.dataset.result), `the result view did not appear; the page saw: ${[...seen].join(', ')}\n${stack.log.slice(-4000)}`).toBe('ready');
    expect(seen.size).toBeGreaterThan(1);
    expect(await page.textContent('#detail-status')).toMatch(/^completed/);
    const row = page.locator(`.video-row[data-video-id="${videoId}"]`);
    await expect.poll(() => row.locator('.badge').textContent()).toBe('completed');
    expect(await page.isVisible('#cancel-button')).toBe(false);
    expect(await page.isVisible('#rerun-button')).toBe(true);

    const done = await status(videoId);
    expect(done.status).toBe('completed');
    const files = done.files!;
    const tracks = await json<TracksFile>(files['tracks.json']!);
    const commentary = await json<CommentaryFile>(files['commentary.json']!);
    expect(commentary.lines.length).toBeGreaterThan(0);

    // Every file is offered for download.
    const links = await page.locator('#downloads a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).textContent));
    for (const name of Object.keys(files).filter((n) => n !== 'source')) expect(links).toContain(name);

    // The video loads from its signed URL.
    await page.waitForFunction(() => (document.getElementById('video') as HTMLVideoElement).readyState >= 2, undefined, { timeout: 30_000 });

    // The overlay: pause on a commentary line at a frame with tracked players, count drawn pixels.
    const { fps } = tracks.video;
    const boxesAt = (frame: number) => tracks.tracks.filter((t) => t.boxes.some((b) => b.frame === frame)).length;
    const timeIn = (l: { start: number; end: number }) => Math.min(l.start + 0.1, (l.start + l.end) / 2);
    const line = commentary.lines.find((l) => boxesAt(Math.floor(timeIn(l) * fps) + 1) > 0) ?? commentary.lines[0]!;
    const at = timeIn(line);
    const drawn = await pauseAt(at);
    expect(drawn.frame).toBe(Math.floor(at * fps) + 1);
    expect(drawn.boxes).toBeGreaterThan(0);
    expect(drawn.boxes).toBeGreaterThanOrEqual(boxesAt(drawn.frame));
    expect(drawn.pixels).toBeGreaterThan(200);

    // The subtitles: the line's cue is active at its start.
    await page.waitForFunction(() => {
      const track = (document.getElementById('video') as HTMLVideoElement).textTracks[0];
      return track?.mode === 'showing' && (track.activeCues?.length ?? 0) > 0;
    }, undefined, { timeout: 10_000 });
    const cue = await page.evaluate(() => {
      const cues = (document.getElementById('video') as HTMLVideoElement).textTracks[0]!.activeCues!;
      return (cues[0] as VTTCue).text;
    });
    expect(cue.length).toBeGreaterThan(0);
    expect(await page.locator('#commentary li.active').count()).toBeGreaterThan(0);
    await page.locator('#detail').screenshot({ path: join(artifacts, 'result-view.png') });

    // The timeline seeks the video.
    const events = await page.locator('#event-list .event-row').count();
    if (events > 0) {
      await page.locator('#event-list .event-row').last().click();
      const time = await page.evaluate(() => (document.getElementById('video') as HTMLVideoElement).currentTime);
      expect(time).toBeGreaterThan(0);
    }

    // Phone width: nothing sticks out sideways, the overlay still draws, the subtitle still shows.
    await page.setViewportSize({ width: 375, height: 812 });
    const narrow = await pauseAt(at);
    expect(narrow.boxes).toBeGreaterThan(0);
    expect(narrow.pixels).toBeGreaterThan(50);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.locator('#detail').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifacts, 'result-view-375.png'), fullPage: true });

    expect(pageErrors).toEqual([]);
  });

  it('finds each track\'s box at a frame: its own, interpolated across a short gap, none past its ends', async () => {
    // A string, so that the test's transform leaves the browser's own import() alone.
    const found = await page.evaluate(`(async () => {
      const { boxAt, frameAt } = await import('/overlay.mjs');
      const box = (frame, x) => ({ frame, x, y: 10, w: 20, h: 40, score: 0.9 });
      const track = { boxes: [box(10, 100), box(12, 110), box(40, 200)] };
      return {
        own: boxAt(track, 12, 5)?.x,
        between: boxAt(track, 11, 5)?.x,
        lost: boxAt(track, 20, 5) ?? null,
        before: boxAt(track, 9, 5) ?? null,
        after: boxAt(track, 41, 5) ?? null,
        frames: [0, 0.039, 0.04, 0.12, 99].map((t) => frameAt(t, { fps: 25, frames: 150 })),
      };
    })()`);
    expect(found).toEqual({ own: 110, between: 105, lost: null, before: null, after: null, frames: [1, 1, 2, 4, 150] });
  });
});
