import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionEvent, VideoFacts } from '../jobs/formats';
import { makeClip, type Clip } from './fixtures/clip';
import { readMot } from './fixtures/clip/score';
import { scratchDir } from './helpers/scratch';

const SECONDS = 4;
const dir = scratchDir('clip');
let first: Clip;
let again: Clip;
let other: Clip;

beforeAll(async () => {
  first = await makeClip({ seed: 5, seconds: SECONDS, outDir: join(dir, 'a') });
  again = await makeClip({ seed: 5, seconds: SECONDS, outDir: join(dir, 'b') });
  other = await makeClip({ seed: 6, seconds: SECONDS, outDir: join(dir, 'c') });
});

const read = (path: string): string => readFileSync(path, 'utf8');

describe('clip generator', () => {
  it('is deterministic per seed and differs between seeds', () => {
    for (const key of ['gtPath', 'ballPath', 'eventsPath', 'scenePath'] as const) expect(read(again[key])).toBe(read(first[key]));
    const frames = (clip: Clip): string => execFileSync('ffmpeg', ['-v', 'error', '-i', clip.videoPath, '-f', 'framemd5', '-'], { encoding: 'utf8' });
    expect(frames(again)).toBe(frames(first));
    expect(read(other.gtPath)).not.toBe(read(first.gtPath));
  });

  it('encodes a 1280x720 25 fps H.264 video of the stated length', () => {
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-count_packets',
      '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,nb_read_packets', '-of', 'json', first.videoPath], { encoding: 'utf8' })) as { streams: Record<string, string | number>[] };
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 1280, height: 720, avg_frame_rate: '25/1', nb_read_packets: String(SECONDS * 25) });
  });

  it('writes ground-truth boxes for every player on every frame, tight and inside the picture', () => {
    const scene = JSON.parse(read(first.scenePath)) as { players: { id: number }[] };
    const n = scene.players.length;
    expect(n).toBeGreaterThanOrEqual(6);
    expect(n).toBeLessThanOrEqual(12);
    const gt = readMot(first.gtPath);
    expect(gt).toHaveLength(n * SECONDS * 25);
    expect(new Set(gt.map((b) => b.id))).toEqual(new Set(scene.players.map((p) => p.id)));
    for (const b of gt) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(1280);
      expect(b.y + b.h).toBeLessThanOrEqual(720);
      expect(b.h).toBeGreaterThan(80);
      expect(b.h).toBeLessThan(140);
      expect(b.w).toBeLessThan(b.h);
    }
    const visibility = read(first.gtPath).trim().split('\n').map((l) => Number(l.split(',')[8]));
    expect(Math.min(...visibility)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...visibility)).toBe(1);
    expect(readMot(first.ballPath).length).toBeGreaterThan(0);
  });

  it('has players crossing each other', () => {
    const lines = read(first.gtPath).trim().split('\n').map((l) => l.split(',').map(Number));
    expect(lines.some((l) => l[8]! < 0.9)).toBe(true);
  });

  it('writes timed events that name ground-truth ids and cover motion and ball play', () => {
    const { video, events } = JSON.parse(read(first.eventsPath)) as { video: VideoFacts; events: ActionEvent[] };
    expect(video).toEqual({ width: 1280, height: 720, fps: 25, frames: SECONDS * 25, duration: SECONDS });
    const ids = new Set(readMot(first.gtPath).map((b) => b.id));
    for (const e of events) {
      expect(e.start).toBeGreaterThanOrEqual(0);
      expect(e.end).toBeGreaterThanOrEqual(e.start);
      expect(e.end).toBeLessThanOrEqual(SECONDS);
      for (const id of e.trackIds) expect(ids.has(id)).toBe(true);
    }
    const actions = new Set(events.map((e) => e.action));
    expect(actions).toContain('start-moving');
    expect(actions).toContain('possession');
    expect([...actions].some((a) => ['pass', 'dribble', 'tackle', 'shot'].includes(a))).toBe(true);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });
});
