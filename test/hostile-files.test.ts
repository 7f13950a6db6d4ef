// Hostile files: whatever is not one video in an allowed container is refused at ingest, with a
// reason a user understands, and removed before a GPU job starts; a playlist naming another user's
// result or a file outside storage never brings a byte of it into anything stored.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngest, sourceKey } from '../activities/ingest';
import { probeVideo } from '../activities/probe';
import { LocalStorage } from '../activities/storage/local';
import { incomingKey, progressQuery, uploadCompletedSignal } from '../contracts/video-commentary';
import { FakeRunner } from './helpers/fake-runner';
import { timeSkippingEnv } from './helpers/temporal';
import { runWithVideoWorkers, storedUpload } from './helpers/video-workers';
import { testPattern } from './helpers/videos';

const run = promisify(execFile);

let env: TestWorkflowEnvironment;
let dir: string;
let storage: LocalStorage;
let runner: FakeRunner;
const victimKey = 'results/victim1/commentated.mp4';
/** Another user's commentated video, and a file outside storage: what the attacker is after. */
const targets: { marker: string; samples: Buffer[] }[] = [];

/** A video of its own, with a marker in its metadata. */
async function target(path: string): Promise<string> {
  const marker = `target-${randomUUID()}`;
  await testPattern(path, { seconds: 2, size: '176x144', comment: marker });
  const bytes = await readFile(path);
  // Pieces of the coded pictures: any copy of the video, remuxed or not, holds them.
  const samples = [0.3, 0.5, 0.7].map((at) => bytes.subarray(Math.floor(bytes.length * at), Math.floor(bytes.length * at) + 32));
  targets.push({ marker, samples });
  return path;
}

const playlist = (segment: string) => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n${segment}\n#EXT-X-ENDLIST\n`;

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Every stored file but the victim's own: none may hold a target's marker or its pictures. */
async function expectNoTargetBytesStored() {
  const files = (await filesUnder(storage.root)).filter((f) => f !== storage.localPath(victimKey));
  expect(files.length).toBeGreaterThan(0);
  for (const file of files) {
    const bytes = await readFile(file);
    for (const { marker, samples } of targets) {
      expect(bytes.includes(marker), file).toBe(false);
      for (const sample of samples) expect(bytes.includes(sample), file).toBe(false);
    }
  }
}

beforeAll(async () => {
  env = await timeSkippingEnv();
  dir = await mkdtemp(join(tmpdir(), 'bing-hostile-'));
  storage = new LocalStorage(join(dir, 'storage'));
  runner = new FakeRunner(storage, async () => env.currentTimeMs(), () => ({ durationMs: 0, outputs: {}, failureReason: 'a refused file reached a GPU job' }));
}, 300_000);

afterAll(async () => {
  await env?.teardown();
  await rm(dir, { recursive: true, force: true });
});

describe('an HLS playlist uploaded as a video', () => {
  const attack = (videoId: string, segment: string) => runWithVideoWorkers(env, { storage, runner }, `hostile-${videoId}`, async () => {
    const handle = await env.client.workflow.start('videoCommentary', {
      taskQueue: `hostile-${videoId}`, workflowId: `video-${videoId}`,
      args: [{ videoId, userId: 'mallory', fileName: 'match.mp4', language: 'en', uploadTimeout: '24h' }],
    });
    await handle.signal(uploadCompletedSignal, await storedUpload(storage, videoId, Buffer.from(playlist(segment))));
    expect(await handle.result().catch((e: unknown) => e)).toBeInstanceOf(WorkflowFailedError);
    return handle.query(progressQuery);
  });

  it('naming another user\'s commentated.mp4 fails the request with the reason, and nothing of the video is read', async () => {
    await storage.upload(await target(join(dir, 'victim.mp4')), victimKey);
    const progress = await attack('playlist1', storage.localPath(victimKey));
    expect(progress).toMatchObject({ stage: 'failed', error: 'the file is a playlist (hls), not a video file' });
    expect(progress.stages.ingest.state).toBe('failed');
    expect(await storage.head(incomingKey('playlist1'))).toBeUndefined();
    expect(runner.startCalls).toEqual([]);
    await expectNoTargetBytesStored();
  });

  it('naming a file outside storage fails the request with the reason, and nothing of the file is read', async () => {
    await mkdir(join(dir, 'outside'));
    const progress = await attack('playlist2', await target(join(dir, 'outside', 'private.mp4')));
    expect(progress).toMatchObject({ stage: 'failed', error: 'the file is a playlist (hls), not a video file' });
    expect(await storage.head(incomingKey('playlist2'))).toBeUndefined();
    expect(runner.startCalls).toEqual([]);
    await expectNoTargetBytesStored();
  });
});

describe('ingest', () => {
  const ingest = (videoId: string, file: string | Buffer) =>
    storedUpload(storage, videoId, file).then((upload) => createIngest(storage)({ videoId, userId: 'mallory', upload }));

  async function expectRefused(videoId: string, file: string | Buffer, reason: RegExp) {
    const err = await ingest(videoId, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as Error).message).toMatch(reason);
    expect(await storage.head(incomingKey(videoId))).toBeUndefined();
    expect(await storage.head(sourceKey('mallory', videoId))).toBeUndefined();
  }

  it('refuses a concat list and a DASH manifest as playlists', async () => {
    const segment = join(dir, 'segment.mp4');
    await testPattern(segment, { seconds: 2 });
    await expectRefused('concat1', Buffer.from(`ffconcat version 1.0\nfile ${segment}\n`), /^the file is a playlist \(concat\), not a video file$/);
    const mpd = `<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" mediaPresentationDuration="PT2S" minBufferTime="PT1S" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011">
<Period><AdaptationSet mimeType="video/mp4"><Representation id="1" bandwidth="1000"><BaseURL>file://${segment}</BaseURL></Representation></AdaptationSet></Period></MPD>\n`;
    await expectRefused('dash1', Buffer.from(mpd), /^the file is a playlist \(dash\), not a video file$/);
  });

  it('refuses a GIF and a still image as images', async () => {
    const gif = join(dir, 'moving.gif');
    const png = join(dir, 'still.png');
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=160x120:rate=10', gif]);
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120', '-frames:v', '1', png]);
    await expectRefused('gif1', gif, /^the file is an image or an image sequence \(gif\), not a video$/);
    await expectRefused('png1', png, /^the file is an image or an image sequence \(png_pipe\), not a video$/);
  });

  it('never reads an image-sequence pattern: a path such as img%03d.png is refused, not expanded', async () => {
    await mkdir(join(dir, 'frames'));
    await run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=duration=2:size=160x120:rate=10', join(dir, 'frames', 'img%03d.png')]);
    await expect(probeVideo(join(dir, 'frames', 'img%03d.png'))).rejects.toThrow(/^the file is an image or an image sequence \(image2\), not a video$/);
  });

  it('refuses a 1-frame MP4, a half-second MP4 and subtitles', async () => {
    await expectRefused('oneframe1', await testPattern(join(dir, 'one-frame.mp4'), { seconds: 1, rate: 1 }), /^not a video: it holds a single frame \(a still image\)$/);
    await expectRefused('half1', await testPattern(join(dir, 'half.mp4'), { seconds: 0.5 }), /^the video is 0\.\d\d s long; BING needs at least 1 s$/);
    await expectRefused('srt1', Buffer.from('1\n00:00:01,000 --> 00:00:02,000\nnot a video\n'), /^not a video in an accepted container: ffmpeg reads the file as srt; accepted are MP4/);
  });

  it('accepts one-second MP4, MKV and WebM videos', async () => {
    const facts = [];
    for (const [name, codec] of [['ok.mp4', 'libx264'], ['ok.mkv', 'libx264'], ['ok.webm', 'libvpx-vp9']] as const) {
      const videoId = `ok${facts.length}`;
      const { key, facts: found } = await ingest(videoId, await testPattern(join(dir, name), { codec }));
      expect(key).toBe(sourceKey('mallory', videoId));
      facts.push([found.container, found.codec, found.durationSeconds]);
    }
    expect(facts).toEqual([['mov,mp4,m4a,3gp,3g2,mj2', 'h264', 1], ['matroska,webm', 'h264', 1], ['matroska,webm', 'vp9', 1]]);
  });
});
