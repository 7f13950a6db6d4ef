// Dense, smoothed per-frame series of a track: gaps up to a limit are interpolated, longer gaps split
// the track into segments. Positions are the feet (bottom centre of the box) in source pixels.
import type { Track } from '../formats';

export interface Segment {
  trackId: number;
  /** Frame of index 0 (1-based video frame). */
  first: number;
  /** Smoothed foot x, foot y, box width and height per frame. */
  x: Float64Array;
  y: Float64Array;
  w: Float64Array;
  h: Float64Array;
  /** Detection score per frame, 0 where interpolated. */
  score: Float64Array;
}

export const segmentLength = (s: Segment): number => s.x.length;
export const lastFrame = (s: Segment): number => s.first + s.x.length - 1;

/** Centred moving average of odd `window`, shrinking at the ends. */
export function smooth(values: Float64Array, window: number): Float64Array {
  const half = Math.max(0, Math.floor(window / 2));
  const out = new Float64Array(values.length);
  const prefix = new Float64Array(values.length + 1);
  for (let i = 0; i < values.length; i++) prefix[i + 1] = prefix[i]! + values[i]!;
  for (let i = 0; i < values.length; i++) {
    const a = Math.max(0, i - half);
    const b = Math.min(values.length - 1, i + half);
    out[i] = (prefix[b + 1]! - prefix[a]!) / (b - a + 1);
  }
  return out;
}

export function oddWindow(seconds: number, fps: number): number {
  return Math.max(1, 2 * Math.round((seconds * fps) / 2) + 1);
}

/** Splits a track into dense segments; `maxGap` in frames, `window` the smoothing window in frames. */
export function trackSegments(track: Track, maxGap: number, window: number): Segment[] {
  const byFrame = new Map<number, Track['boxes'][number]>();
  for (const b of track.boxes) {
    const seen = byFrame.get(b.frame);
    if (!seen || b.score > seen.score) byFrame.set(b.frame, b);
  }
  const boxes = [...byFrame.values()].sort((a, b) => a.frame - b.frame);
  const groups: (typeof boxes)[] = [];
  for (const b of boxes) {
    const group = groups.at(-1);
    const prev = group?.at(-1);
    if (group && prev && b.frame - prev.frame - 1 <= maxGap) group.push(b);
    else groups.push([b]);
  }
  return groups.map((group) => {
    const first = group[0]!.frame;
    const n = group.at(-1)!.frame - first + 1;
    const raw = { x: new Float64Array(n), y: new Float64Array(n), w: new Float64Array(n), h: new Float64Array(n) };
    const score = new Float64Array(n);
    for (let k = 0; k < group.length; k++) {
      const a = group[k]!;
      const b = group[k + 1] ?? a;
      const span = Math.max(1, b.frame - a.frame);
      for (let f = a.frame; f <= b.frame; f++) {
        const t = (f - a.frame) / span;
        const i = f - first;
        raw.x[i] = lerp(a.x + a.w / 2, b.x + b.w / 2, t);
        raw.y[i] = lerp(a.y + a.h, b.y + b.h, t);
        raw.w[i] = lerp(a.w, b.w, t);
        raw.h[i] = lerp(a.h, b.h, t);
      }
      score[a.frame - first] = a.score;
    }
    return {
      trackId: track.id,
      first,
      x: smooth(raw.x, window),
      y: smooth(raw.y, window),
      w: smooth(raw.w, window),
      h: smooth(raw.h, window),
      score,
    };
  });
}

const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;

/** Index of `frame` in the segment, or -1. */
export function indexAt(s: Segment, frame: number): number {
  const i = frame - s.first;
  return i >= 0 && i < s.x.length ? i : -1;
}
