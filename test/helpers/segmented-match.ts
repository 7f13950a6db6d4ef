// A synthetic match cut into overlapping segments as the segment MOT jobs would see it: ground-truth
// players moving over the whole video (two of them side by side all match long, one coming on and
// one going off inside an overlap, one coming on mid-segment), each segment's tracks with its own
// shuffled ids, a little box noise, a late start at each segment's first frames, team indices
// swapped in one segment, and a ball that one segment does not find.
import type { Track, TrackBox, TracksFile } from '../../activities/commentary/actions';
import { planSegments, type Segment } from '../../contracts/segments';
import { iou } from '../../jobs/mot/box';

export const fps = 10;
export const frames = 560;
/** Three segments: [0, 240), [200, 440), [400, 560), cores split in the middle of each overlap. */
export const segments: Segment[] = planSegments(frames, fps, { seconds: 20, maxParallel: 1, overlapSeconds: 4 });
/** The segment whose team indices are the other way round. */
export const swappedSegment = 1;
/** Segments whose MOT job found no ball. */
export const ballless = new Set([1]);

export const players = 13;
const kits: [number, number, number][] = [[200, 30, 30], [30, 50, 200]];

function rng(seed: number) {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}

/** Frames (0-based) where player `p` is on the pitch. */
export function onPitch(p: number, frame: number): boolean {
  if (p === 10) return frame >= 215; // comes on inside the first overlap
  if (p === 11) return frame < 425; // goes off inside the second
  if (p === 12) return frame >= 300; // comes on in the middle of the second segment
  return true;
}

export const teamOf = (p: number): 0 | 1 => (p % 2) as 0 | 1;

/** Player `p`'s true box on 0-based `frame`; player 1 runs beside player 0 (their boxes overlap by a third). */
export function truth(p: number, frame: number): { x: number; y: number; w: number; h: number } {
  if (p === 1) {
    const b = truth(0, frame);
    return { ...b, x: b.x + 20, y: b.y + 5 };
  }
  return { x: 100 + 85 * p + 60 * Math.sin(frame / 40 + p), y: 300 + 150 * Math.cos(frame / 55 + 2 * p), w: 40, h: 90 };
}

export function ballTruth(frame: number): { x: number; y: number; w: number; h: number } {
  return { x: 600 + 300 * Math.sin(frame / 30), y: 350 + 100 * Math.cos(frame / 20), w: 10, h: 10 };
}

/** Ground truth in MOTChallenge form (1-based frames, ids 1..players). */
export function groundTruth(): { frame: number; id: number; x: number; y: number; w: number; h: number }[] {
  const rows = [];
  for (let f = 0; f < frames; f++) {
    for (let p = 0; p < players; p++) if (onPitch(p, f)) rows.push({ frame: f + 1, id: p + 1, ...truth(p, f) });
  }
  return rows;
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** Segment `segment`'s MOT output: its own ids (shuffled), boxes on 1-based frames of the whole video. */
export function segmentTracks(segment: Segment): TracksFile {
  const next = rng(1000 + segment.index);
  const noisy = (b: { x: number; y: number; w: number; h: number }, f: number): TrackBox => ({
    frame: f + 1, x: r1(b.x + (next() - 0.5) * 3), y: r1(b.y + (next() - 0.5) * 3), w: r1(b.w + (next() - 0.5) * 2), h: r1(b.h + (next() - 0.5) * 2), score: 0.9,
  });
  // A track is confirmed a few frames after the job starts, as a tracker's would be.
  const start = segment.firstFrame + (segment.index === 0 ? 0 : 3);
  const ids = Array.from({ length: players + 1 }, (_, i) => i + 1).sort(() => next() - 0.5);
  const tracks: Track[] = [];
  for (let p = 0; p < players; p++) {
    const boxes: TrackBox[] = [];
    for (let f = start; f < segment.endFrame; f++) if (onPitch(p, f)) boxes.push(noisy(truth(p, f), f));
    if (!boxes.length) continue;
    const team = segment.index === swappedSegment ? ((1 - teamOf(p)) as 0 | 1) : teamOf(p);
    const kit = kits[teamOf(p)]!;
    tracks.push({ id: ids[p]!, class: 'person', team, color: kit.map((c) => Math.round(c + (next() - 0.5) * 20)) as [number, number, number], boxes });
  }
  if (!ballless.has(segment.index)) {
    const boxes: TrackBox[] = [];
    for (let f = start; f < segment.endFrame; f++) boxes.push(noisy(ballTruth(f), f));
    tracks.push({ id: ids[players]!, class: 'ball', team: null, color: null, boxes });
  }
  const segmentFrames = segment.endFrame - segment.firstFrame;
  return {
    video: { width: 1280, height: 720, fps, frames: segmentFrames, duration: segmentFrames / fps },
    detector: { name: 'synthetic', segment: segment.index },
    tracks: tracks.sort((a, b) => a.id - b.id),
  };
}

/** The ground-truth player (0-based) whose true box on that 1-based frame a box covers, if any. */
export function playerAt(box: TrackBox): number | undefined {
  let best: { p: number; overlap: number } | undefined;
  for (let p = 0; p < players; p++) {
    if (!onPitch(p, box.frame - 1)) continue;
    const overlap = iou(box, truth(p, box.frame - 1));
    if (overlap >= 0.5 && (!best || overlap > best.overlap)) best = { p, overlap };
  }
  return best?.p;
}

/** The ground-truth player most of a track's boxes cover, and how many of its boxes cover another or none. */
export function followedPlayer(track: Pick<Track, 'boxes'>): { player: number | undefined; strays: number } {
  const votes = new Map<number, number>();
  for (const box of track.boxes) {
    const p = playerAt(box);
    if (p !== undefined) votes.set(p, (votes.get(p) ?? 0) + 1);
  }
  const [best] = [...votes].sort((a, b) => b[1] - a[1]);
  return { player: best?.[0], strays: track.boxes.length - (best?.[1] ?? 0) };
}

export interface TrueEvent {
  start: number;
  end: number;
  action: string;
  /** 0-based ground-truth players. */
  players: number[];
}

/**
 * Events every 1.7 s or so, and three at each boundary between two segments' cores: just before,
 * on it, just after (each segment's action job sees those in the overlap).
 */
export function groundTruthEvents(): TrueEvent[] {
  const actions = ['pass', 'shot', 'dribble', 'tackle', 'sprint', 'possession'];
  const events: TrueEvent[] = [];
  const add = (start: number, i: number) => {
    const action = actions[i % actions.length]!;
    const a = i % 10;
    const players = action === 'pass' || action === 'tackle' ? [a, (a + 3) % 10] : [a];
    events.push({ start: Math.round(start * 1000) / 1000, end: Math.round((start + 0.8) * 1000) / 1000, action, players });
  };
  for (let t = 0.3, i = 0; t < frames / fps - 1; t += 1.7, i++) add(t, i);
  for (const s of segments.slice(1)) [-0.1, 0, 0.1].forEach((d, i) => add(s.coreFirstFrame / fps + d, i));
  return events.sort((a, b) => a.start - b.start);
}
