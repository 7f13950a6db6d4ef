// The ball's path through the video from per-frame candidates: candidates are chained into
// tracklets by nearest neighbour around a constant-velocity prediction, then the best-scoring
// sequence of tracklets that a ball could have travelled is kept (one ball, so one at a time),
// and short gaps between them are interpolated.
import type { TrackBox } from '../formats';

/** A track box's fields, but the frame is 0-based and x, y are the centre (source pixels). */
export type BallPoint = TrackBox;

export interface BallPathOptions {
  /** Players' boxes per 0-based frame (source pixels): a candidate over a body is likely kit. */
  bodies?: (frame: number) => readonly { x: number; y: number; w: number; h: number }[];
  /** Fastest ball, pixels per frame. */
  maxStep: number;
  /** Gaps up to this many frames are interpolated. */
  maxGap: number;
  /** Frames a tracklet may go without a candidate. */
  maxMissing: number;
}

/** The share of a player's box, from the top, where the ball is unlikely, and what it costs a candidate there. */
const BODY_SHARE = 0.88;
const BODY_DISCOUNT = 0.15;

interface Tracklet {
  points: BallPoint[];
  vx: number;
  vy: number;
  score: number;
}

const last = (t: Tracklet): BallPoint => t.points[t.points.length - 1]!;

function buildTracklets(frames: BallPoint[][], o: BallPathOptions): Tracklet[] {
  const done: Tracklet[] = [];
  let active: Tracklet[] = [];
  frames.forEach((candidates, frame) => {
    const pairs: { t: Tracklet; c: BallPoint; d: number }[] = [];
    for (const t of active) {
      const p = last(t);
      const dt = frame - p.frame;
      const px = p.x + t.vx * dt;
      const py = p.y + t.vy * dt;
      const known = t.points.length > 1;
      const gate = (known ? p.h + 0.5 * Math.hypot(t.vx, t.vy) : o.maxStep) * dt;
      for (const c of candidates) {
        const d = Math.hypot(c.x - px, c.y - py);
        if (d <= gate) pairs.push({ t, c, d });
      }
    }
    pairs.sort((a, b) => a.d - b.d);
    const usedT = new Set<Tracklet>();
    const usedC = new Set<BallPoint>();
    for (const { t, c } of pairs) {
      if (usedT.has(t) || usedC.has(c)) continue;
      usedT.add(t);
      usedC.add(c);
      const p = last(t);
      const dt = frame - p.frame;
      const k = t.points.length > 1 ? 0.6 : 1;
      t.vx = (1 - k) * t.vx + (k * (c.x - p.x)) / dt;
      t.vy = (1 - k) * t.vy + (k * (c.y - p.y)) / dt;
      t.points.push(c);
      t.score += c.score;
    }
    for (const c of candidates) if (!usedC.has(c)) active.push({ points: [c], vx: 0, vy: 0, score: c.score });
    active = active.filter((t) => {
      if (frame - last(t).frame < o.maxMissing + 1) return true;
      done.push(t);
      return false;
    });
  });
  return [...done, ...active];
}

/** The ball's points, one per frame where it is known, in frame order. */
export function ballPath(candidates: BallPoint[][], o: BallPathOptions): BallPoint[] {
  const frames = o.bodies ? candidates.map((c, f) => discountBodies(c, o.bodies!(f))) : candidates;
  // A tracklet of one or two frames is as likely clutter as ball: it counts for less.
  const tracklets = buildTracklets(frames, o)
    .map((t) => ({ ...t, score: t.points.length < 3 ? 0.3 * t.score : t.score }))
    .sort((a, b) => a.points[0]!.frame - b.points[0]!.frame);
  // Longest path over tracklets a ball could go through, one after the other.
  const best = tracklets.map((t) => t.score);
  const previous = tracklets.map(() => -1);
  for (let j = 0; j < tracklets.length; j++) {
    const first = tracklets[j]!.points[0]!;
    for (let i = 0; i < j; i++) {
      const end = last(tracklets[i]!);
      const dt = first.frame - end.frame;
      if (dt <= 0 || Math.hypot(first.x - end.x, first.y - end.y) > o.maxStep * dt + end.h) continue;
      if (best[i]! + tracklets[j]!.score > best[j]!) {
        best[j] = best[i]! + tracklets[j]!.score;
        previous[j] = i;
      }
    }
  }
  let k = best.reduce((m, v, i) => (v > (best[m] ?? -Infinity) ? i : m), -1);
  const chain: Tracklet[] = [];
  for (; k >= 0; k = previous[k]!) chain.unshift(tracklets[k]!);
  return interpolate(chain.flatMap((t) => t.points), o.maxGap);
}

function interpolate(points: BallPoint[], maxGap: number): BallPoint[] {
  const out: BallPoint[] = [];
  points.forEach((a, i) => {
    out.push(a);
    const b = points[i + 1];
    if (!b || b.frame - a.frame - 1 > maxGap) return;
    for (let f = a.frame + 1; f < b.frame; f++) {
      const u = (f - a.frame) / (b.frame - a.frame);
      const mix = (p: number, q: number): number => p + u * (q - p);
      out.push({ frame: f, x: mix(a.x, b.x), y: mix(a.y, b.y), w: mix(a.w, b.w), h: mix(a.h, b.h), score: 0.5 * Math.min(a.score, b.score) });
    }
  });
  return out;
}

/** White kit (shorts, socks) is clutter the ball cannot be told from; the feet are left alone. */
function discountBodies(candidates: BallPoint[], bodies: readonly { x: number; y: number; w: number; h: number }[]): BallPoint[] {
  return candidates.map((c) => {
    const over = bodies.some((b) => c.x >= b.x && c.x <= b.x + b.w && c.y >= b.y && c.y <= b.y + BODY_SHARE * b.h);
    return over ? { ...c, score: c.score * BODY_DISCOUNT } : c;
  });
}

export interface BallEvidence {
  /** Frames in the video, its frame rate and its height in pixels. */
  frames: number;
  fps: number;
  frameHeight: number;
  bodies: (frame: number) => readonly { x: number; y: number; w: number; h: number }[];
  /** See BallSettings in settings.ts. */
  minCoverage: number;
  minSpeed: number;
  nearFeet: number;
  minNearShare: number;
}

/**
 * Whether a path is a ball's rather than clutter's (a bright speck on a street): long enough over
 * the video, moving, and at players' feet often enough.
 */
export function hasBallEvidence(path: readonly BallPoint[], e: BallEvidence): boolean {
  if (!path.length || path.length < e.minCoverage * e.frames) return false;
  let travel = 0;
  for (let k = 1; k < path.length; k++) travel += Math.hypot(path[k]!.x - path[k - 1]!.x, path[k]!.y - path[k - 1]!.y);
  const seconds = Math.max(1, path[path.length - 1]!.frame - path[0]!.frame) / e.fps;
  if (travel / seconds < e.minSpeed * e.frameHeight) return false;
  const near = path.filter((p) => e.bodies(p.frame).some((b) => Math.hypot(p.x - (b.x + b.w / 2), p.y - (b.y + b.h)) <= e.nearFeet * b.h)).length;
  return near >= e.minNearShare * path.length;
}
