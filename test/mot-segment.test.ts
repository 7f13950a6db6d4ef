// The MOT job on one segment of a video (BING_FIRST_FRAME, BING_END_FRAME), beside the same job on
// the whole video: the segment's boxes keep the video's frame numbers, its detections are the whole
// run's, and its tracks follow the same players once it has seen them for a second.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ActionsFile, TracksFile } from '../jobs/formats';
import { iou } from '../jobs/mot/box';
import { detectionGroupsOf, detectsOn } from '../jobs/mot/pipeline';
import { makeClip, type Clip } from './fixtures/clip';
import { readMot, type MotBox } from './fixtures/clip/score';
import { runReferenceJob, type ReferenceJobRun } from './helpers/reference-job';
import { scratchDir } from './helpers/scratch';

const FPS = 25;
const FRAMES = 9 * FPS;
const FIRST = 75;
const END = 200;
const segmentEnv = { BING_FIRST_FRAME: String(FIRST), BING_END_FRAME: String(END) };

const dir = scratchDir('mot-segment');
let clip: Clip;
let whole: ReferenceJobRun;
let segment: ReferenceJobRun;

const output = (run: ReferenceJobRun, file: string): string => join(run.root, 'processing', 'output', 'tracks', file);
const tracksOf = (run: ReferenceJobRun): TracksFile => JSON.parse(readFileSync(output(run, 'tracks.json'), 'utf8')) as TracksFile;
/** detections.txt's lines whose 1-based frame is in [from, to]. */
const detectionLines = (run: ReferenceJobRun, from = 1, to = Infinity): string[] =>
  readFileSync(output(run, 'detections.txt'), 'utf8').split('\n').filter((l) => l && Number(l.split(',')[0]) >= from && Number(l.split(',')[0]) <= to);
const mot = (name: string, env: Record<string, string> = {}, video = clip.videoPath): ReferenceJobRun =>
  runReferenceJob('mot', join(dir, name), { video }, env);

beforeAll(async () => {
  clip = await makeClip({ seed: 11, seconds: FRAMES / FPS, outDir: join(dir, 'clip') });
  whole = mot('whole');
  segment = mot('segment', segmentEnv);
}, 300_000);

describe('MOT job on a segment', () => {
  it('keeps the whole video\'s frame numbers and facts, and says which frames it covers', () => {
    expect(whole.status, whole.stderr).toBe(0);
    expect(segment.status, segment.stderr).toBe(0);
    expect(segment.stderr).toContain(`frames [${FIRST}, ${END}) of the video, seeking to the first`);
    const file = tracksOf(segment);
    expect(file.video).toEqual(tracksOf(whole).video);
    expect(file.video).toMatchObject({ fps: FPS, frames: FRAMES });
    expect(file.segment).toEqual({ firstFrame: FIRST, endFrame: END });
    expect(tracksOf(whole).segment).toBeUndefined();
    const frames = file.tracks.flatMap((t) => t.boxes.map((b) => b.frame));
    const rows = readMot(output(segment, 'tracks.txt')).map((b) => b.frame);
    console.log(`segment [${FIRST}, ${END}): ${file.tracks.length} tracks, boxes on frames ${Math.min(...frames)}..${Math.max(...frames)}`);
    for (const f of [...frames, ...rows]) {
      expect(f).toBeGreaterThanOrEqual(FIRST + 1);
      expect(f).toBeLessThanOrEqual(END);
    }
    expect(Math.max(...rows)).toBe(END);
    // Progress counts the segment's frames: from 0 to 1, every frame reported inside the segment.
    expect(segment.progress[0]!.progress).toBe(0);
    expect(segment.progress.at(-1)!.progress).toBe(1);
    const reported = segment.progress.filter((p) => p.frame !== undefined);
    expect(reported.length).toBeGreaterThan(5);
    for (const p of reported) expect(p.progress).toBeCloseTo((p.frame! - FIRST) / (END - FIRST), 3);
  });

  it('detects on the whole run\'s frames, with the whole run\'s detections', () => {
    const inRange = detectionLines(whole, FIRST + 1, END);
    const frames = (lines: string[]) => [...new Set(lines.map((l) => Number(l.split(',')[0])))];
    console.log(`detections in [${FIRST + 1}, ${END}]: ${inRange.length} whole, ${detectionLines(segment).length} segment, on ${frames(inRange).length} frames`);
    expect(frames(detectionLines(segment))).toEqual(frames(inRange));
    expect(detectionLines(segment)).toEqual(inRange);
  });

  it('follows the same people as the whole run once it has seen them for a second', () => {
    const from = FIRST + FPS + 1;
    const people = (run: ReferenceJobRun): MotBox[] => readMot(output(run, 'tracks.txt')).filter((b) => b.frame >= from);
    const byFrame = new Map<number, MotBox[]>();
    for (const b of people(whole)) byFrame.set(b.frame, [...(byFrame.get(b.frame) ?? []), b]);
    const ours = people(segment);
    const matched = ours.filter((b) => (byFrame.get(b.frame) ?? []).some((w) => iou(w, b) > 0.5)).length;
    const theirs = people(whole).filter((b) => b.frame <= END).length;
    console.log(`frames ${from}..${END}: ${matched}/${ours.length} segment boxes have a whole-run partner (IoU > 0.5); the whole run has ${theirs}`);
    expect(ours.length).toBeGreaterThan(0.9 * theirs);
    expect(matched / ours.length).toBeGreaterThan(0.9);
  });

  it('reads the same frames where the container cannot seek exactly (MPEG-TS: decoded from the start)', () => {
    const ts = join(dir, 'clip.ts');
    execFileSync('ffmpeg', ['-v', 'error', '-i', clip.videoPath, '-c', 'copy', '-f', 'mpegts', ts]);
    const run = mot('segment-ts', segmentEnv, ts);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('decoding from the start');
    expect(detectionLines(run)).toEqual(detectionLines(segment));
  }, 120_000);

  it('fails with a reason when the segment is not one of the video', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ BING_FIRST_FRAME: '-1', BING_END_FRAME: '100' }, /^BING_FIRST_FRAME must be a frame index \(an integer from 0\), got '-1'$/],
      [{ BING_FIRST_FRAME: String(FRAMES), BING_END_FRAME: String(FRAMES + 100) }, new RegExp(`^BING_FIRST_FRAME \\(${FRAMES}\\) is beyond the video, which has ${FRAMES} frames$`)],
      [{ BING_FIRST_FRAME: '100', BING_END_FRAME: '100' }, /^BING_END_FRAME \(100\) must be greater than BING_FIRST_FRAME \(100\)$/],
      [{ BING_END_FRAME: '100' }, /^BING_FIRST_FRAME and BING_END_FRAME go together/],
    ];
    cases.forEach(([env, reason], k) => {
      const run = mot(`bad-${k}`, env);
      expect(run.status, run.stderr).toBe(1);
      expect(run.failure).toMatch(reason);
    });
  }, 120_000);

  it('lets the action job time a segment\'s events from the start of the video, however far in it lies', () => {
    const action = (name: string, file: TracksFile): ActionsFile => {
      const root = join(dir, name);
      mkdirSync(join(root, 'processing', 'input', 'tracks'), { recursive: true });
      writeFileSync(join(root, 'processing', 'input', 'tracks', 'tracks.json'), JSON.stringify(file));
      const run = runReferenceJob('action', root, {});
      expect(run.status, run.stderr).toBe(0);
      return JSON.parse(readFileSync(join(root, 'processing', 'output', 'actions', 'actions.json'), 'utf8')) as ActionsFile;
    };
    const file = tracksOf(segment);
    const near = action('action-near', file);
    // The same segment 3000 frames later in a video of 12000: frames 3076..3200.
    const shift = 3000;
    const far = action('action-far', {
      ...file,
      video: { ...file.video, frames: 12_000, duration: 12_000 / FPS },
      segment: { firstFrame: FIRST + shift, endFrame: END + shift },
      tracks: file.tracks.map((t) => ({ ...t, boxes: t.boxes.map((b) => ({ ...b, frame: b.frame + shift })) })),
    });
    console.log(`action on the segment: ${near.events.length} events in ${near.events[0]?.start}..${near.events.at(-1)?.end} s; 3000 frames later: ${far.events[0]?.start}..${far.events.at(-1)?.end} s`);
    expect(near.events.length).toBeGreaterThan(0);
    for (const e of near.events) {
      expect(e.start).toBeGreaterThanOrEqual(FIRST / FPS);
      expect(e.end).toBeLessThanOrEqual((END - 1) / FPS);
    }
    expect(far.events.map((e) => ({ ...e, start: e.start - shift / FPS, end: e.end - shift / FPS }))).toEqual(
      near.events.map((e) => ({ ...e, start: expect.closeTo(e.start, 3), end: expect.closeTo(e.end, 3) })),
    );
  }, 120_000);
});

describe('detection groups of a range', () => {
  // Every 6th frame detected, two frames to the detector at a time: (0, 6), (12, 18), …, (72, 78), …
  const detected = detectsOn({ stride: 6 }, FPS);

  it('widens a range to whole groups of detection frames, and no further', () => {
    expect(detectionGroupsOf({ first: 75, end: 200 }, detected, 2, 1000)).toEqual({ first: 72, end: 200 });
    expect(detectionGroupsOf({ first: 73, end: 195 }, detected, 2, 1000)).toEqual({ first: 72, end: 199 });
    expect(detectionGroupsOf({ first: 84, end: 90 }, detected, 2, 1000)).toEqual({ first: 84, end: 91 });
    expect(detectionGroupsOf({ first: 80, end: 195 }, detected, 2, 196)).toEqual({ first: 80, end: 196 });
    expect(detectionGroupsOf({ first: 75, end: 200 }, detected, 1, 1000)).toEqual({ first: 75, end: 200 });
    expect(detectionGroupsOf({ first: 79, end: 83 }, detected, 2, 1000)).toEqual({ first: 79, end: 83 });
    expect(detectionGroupsOf({ first: 75 }, detected, 2, 1000)).toEqual({ first: 72, end: undefined });
  });
});
