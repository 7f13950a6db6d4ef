// From tracker state to the job's artifacts: a box on every frame of a track (linear
// interpolation between the frames where it was detected, constant velocity after the last
// detection frame), the team split, tracks.json and tracks.txt.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Track as TrackOut, TrackBox, TracksFile, VideoFacts } from '../formats';
import type { BallPoint } from './ballpath';
import type { Detection } from './detector';
import { medianColor, splitTeams } from './team';
import type { Track } from './tracker';

export interface OutputOptions {
  /** Gaps up to this many frames between detections of a track are filled in. */
  maxGap: number;
  /** The last frame (0-based) detection ran on, and the last frame of the video. */
  lastDetectedFrame: number;
  lastFrame: number;
}

/** Tracks for the file; players are split into teams only when two kits were found (`kits`). */
export function buildTracks(tracks: readonly Track[], alive: ReadonlySet<Track>, kits: boolean, options: OutputOptions): TrackOut[] {
  const colors = tracks.map((t) => medianColor(t.colors));
  const teams = kits ? splitTeams(colors, tracks.map((t) => t.colors.length)) : tracks.map(() => null);
  return tracks.map((track, i) => ({
    id: track.id,
    class: 'person',
    team: teams[i] ?? null,
    color: colors[i] ? (colors[i].map(Math.round) as [number, number, number]) : null,
    boxes: boxesOf(track, alive.has(track), options),
  }));
}

function boxesOf(track: Track, alive: boolean, options: OutputOptions): TrackBox[] {
  const boxes: TrackBox[] = [];
  const obs = track.observations;
  obs.forEach((o, k) => {
    boxes.push(box(o.frame, o.box, o.score));
    const next = obs[k + 1];
    if (!next || next.frame - o.frame > options.maxGap) return;
    for (let f = o.frame + 1; f < next.frame; f++) {
      const u = (f - o.frame) / (next.frame - o.frame);
      boxes.push(box(f, {
        x: o.box.x + u * (next.box.x - o.box.x),
        y: o.box.y + u * (next.box.y - o.box.y),
        w: o.box.w + u * (next.box.w - o.box.w),
        h: o.box.h + u * (next.box.h - o.box.h),
      }, Math.min(o.score, next.score)));
    }
  });
  const last = obs[obs.length - 1];
  if (alive && last && last.frame === options.lastDetectedFrame) {
    const { vx, vy } = track.filter.state;
    for (let f = last.frame + 1; f <= options.lastFrame; f++) {
      const d = f - last.frame;
      boxes.push(box(f, { ...last.box, x: last.box.x + vx * d, y: last.box.y + vy * d }, last.score));
    }
  }
  return boxes;
}

/** The ball as one track: a box centred on each point of its path. */
export function ballTrack(path: BallPoint[], id: number): TrackOut {
  return {
    id,
    class: 'ball',
    team: null,
    color: null,
    boxes: path.map((p) => box(p.frame, { x: p.x - p.w / 2, y: p.y - p.h / 2, w: p.w, h: p.h }, p.score)),
  };
}

/** Every person box of every frame (1-based, as in the tracks). */
export function bodiesByFrame(tracks: readonly TrackOut[]): Map<number, TrackBox[]> {
  const frames = new Map<number, TrackBox[]>();
  for (const t of tracks) {
    if (t.class !== 'person') continue;
    for (const b of t.boxes) {
      const list = frames.get(b.frame);
      if (list) list.push(b);
      else frames.set(b.frame, [b]);
    }
  }
  return frames;
}

function box(frame: number, b: { x: number; y: number; w: number; h: number }, score: number): TrackBox {
  const r = (v: number): number => Math.round(v * 10) / 10;
  return { frame: frame + 1, x: r(b.x), y: r(b.y), w: r(b.w), h: r(b.h), score: Math.round(score * 1000) / 1000 };
}

export function writeTracks(dir: string, file: TracksFile): void {
  writeFileSync(join(dir, 'tracks.json'), `${JSON.stringify(file)}\n`);
  const lines = file.tracks
    .filter((t) => t.class === 'person')
    .flatMap((t) => t.boxes.map((b) => ({ t, b })))
    .sort((p, q) => p.b.frame - q.b.frame || p.t.id - q.t.id)
    .map(({ t, b }) => `${b.frame},${t.id},${b.x},${b.y},${b.w},${b.h},${b.score},-1,-1,-1\n`);
  writeFileSync(join(dir, 'tracks.txt'), lines.join(''));
}

export function videoFacts(v: VideoFacts): VideoFacts {
  return { width: v.width, height: v.height, fps: v.fps, frames: v.frames, duration: v.duration };
}

export interface FrameDetections {
  /** 0-based. */
  frame: number;
  boxes: Detection[];
}

/** The detections the tracker was given, in MOTChallenge detection form (id -1, 1-based frames). */
export function writeDetections(dir: string, detections: readonly FrameDetections[]): void {
  const r = (v: number): number => Math.round(v * 10) / 10;
  const lines = detections.flatMap(({ frame, boxes }) => boxes.map((d) => `${frame + 1},-1,${r(d.x)},${r(d.y)},${r(d.w)},${r(d.h)},${Math.round(d.score * 1000) / 1000},-1,-1,-1\n`));
  writeFileSync(join(dir, 'detections.txt'), lines.join(''));
}
