// Offline track stitching: a player lost behind another (or missed by the detector for a while)
// comes back as a new track, and two players of one team who cross may leave with each other's
// tracks. Whole tracks are known by now, so tracks are first cut where a close encounter ends, then
// a track that ends is joined to one that starts after it where both their motions point at the
// same place, the kits agree (in colour, and in the kit most of their detections clearly wore) and
// the players look alike (appearance.ts).
import { appearanceDistance, blendAppearance, type Appearance } from './appearance';
import { assign } from './assign';
import type { Box } from './box';
import { colorDistance, medianColor } from './team';
import type { Track } from './tracker';

export interface StitchOptions {
  /** Longest gap bridged, frames. */
  maxGap: number;
  /** Kit colours further apart than this (RGB distance) never join. */
  maxColorDistance: number;
  /** Frames over which a track's end (or start) velocity is measured. */
  velocityFrames: number;
  /** Cost added, at most, for a pair that does not look alike, reached at appearanceScale. */
  appearanceWeight: number;
  appearanceScale: number;
}

/** Isolated detections averaged for the look of a track's end and start. */
const LOOK_SAMPLES = 3;

/**
 * Cuts each track where it comes out of a close encounter (its detection overlapped another's, or
 * it had none for a while), and where a run of ambiguous matches begins (see Observation), so that
 * stitching, which sees both sides, decides who is who.
 */
export function cutAtEncounters(tracks: readonly Track[], cutGap: number): Track[] {
  return tracks.flatMap((track) => {
    const pieces = [track];
    for (let k = track.observations.length - 1; k > 0; k--) {
      const o = track.observations[k]!;
      const before = track.observations[k - 1]!;
      const contested = o.ambiguous && !before.ambiguous;
      if (contested || (o.isolated && (!before.isolated || o.frame - before.frame > cutGap))) pieces.push(track.split(k));
    }
    return [pieces[0]!, ...pieces.slice(1).reverse()];
  });
}

interface End {
  frame: number;
  x: number;
  y: number;
  h: number;
  vx: number;
  vy: number;
}

/** Joins tracks in place (later into earlier) and returns the tracks left, numbered 1..N again. */
export function stitchTracks(tracks: readonly Track[], o: StitchOptions): Track[] {
  const colors = tracks.map((t) => medianColor(t.colors));
  const endLooks = tracks.map((t) => looksOf(t, 'last'));
  const startLooks = tracks.map((t) => looksOf(t, 'first'));
  const ends = tracks.map((t) => endOf(t, 'last', o.velocityFrames));
  const starts = tracks.map((t) => endOf(t, 'first', o.velocityFrames));
  const cost = tracks.map((a, i) => tracks.map((b, j) => {
    if (i === j) return Infinity;
    const e = ends[i]!;
    const s = starts[j]!;
    const gap = s.frame - e.frame;
    if (gap <= 0 || gap > o.maxGap) return Infinity;
    const ca = colors[i];
    const cb = colors[j];
    if (ca && cb && colorDistance(ca, cb) > o.maxColorDistance) return Infinity;
    if (a.kit !== null && b.kit !== null && a.kit !== b.kit) return Infinity;
    const h = (e.h + s.h) / 2;
    if (Math.abs(e.h - s.h) > 0.35 * h) return Infinity;
    const forward = Math.hypot(e.x + e.vx * gap - s.x, e.y + e.vy * gap - s.y);
    const backward = Math.hypot(s.x - s.vx * gap - e.x, s.y - s.vy * gap - e.y);
    const straight = Math.hypot(s.x - e.x, s.y - e.y);
    // Players stop and turn: the straight line is a fair guess too.
    const miss = Math.min((forward + backward) / 2, straight);
    const motion = miss / (h * (0.5 + 0.03 * gap));
    // Past the gate, the full penalty: such pairs are dropped, but keep their order for the assignment.
    if (motion > 1) return motion + o.appearanceWeight;
    const looksEnd = endLooks[i];
    const looksStart = startLooks[j];
    const looks = looksEnd && looksStart ? appearanceDistance(looksEnd, looksStart) : NaN;
    return motion + (Number.isNaN(looks) ? 0 : o.appearanceWeight * Math.min(1, looks / o.appearanceScale));
  }));
  const { matches } = assign(cost, 1 + o.appearanceWeight);
  const next = new Map<Track, Track>(matches.map(([i, j]) => [tracks[i]!, tracks[j]!]));
  const joined = new Set<Track>(next.values());
  const out: Track[] = [];
  for (const head of tracks) {
    if (joined.has(head)) continue;
    for (let t = next.get(head); t; t = next.get(t)) head.absorb(t);
    out.push(head);
  }
  out.sort((a, b) => a.observations[0]!.frame - b.observations[0]!.frame);
  out.forEach((t, i) => (t.id = i + 1));
  return out;
}

function endOf(track: Track, which: 'first' | 'last', span: number): End {
  const obs = track.observations;
  const at = which === 'last' ? obs.length - 1 : 0;
  const o = obs[at]!;
  // The observation about `span` frames further inside the track.
  let k = at;
  const step = which === 'last' ? -1 : 1;
  while (obs[k + step] && Math.abs(obs[k + step]!.frame - o.frame) <= span) k += step;
  const p = obs[k]!;
  const dt = o.frame - p.frame;
  const c = center(o.box);
  const q = center(p.box);
  // One box may be a half-hidden player's or two players': the height is the median over the span.
  const heights = obs.slice(Math.min(at, k), Math.max(at, k) + 1).map((b) => b.box.h).sort((a, b) => a - b);
  return { frame: o.frame, x: c.x, y: c.y, h: heights[heights.length >> 1]!, vx: dt ? (c.x - q.x) / dt : 0, vy: dt ? (c.y - q.y) / dt : 0 };
}

function center(b: Box): { x: number; y: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}

/** The mean appearance of a track's first or last few isolated detections. */
function looksOf(track: Track, which: 'first' | 'last'): Appearance | undefined {
  const obs = which === 'first' ? track.observations : [...track.observations].reverse();
  let looks: Appearance | undefined;
  let n = 0;
  for (const o of obs) {
    if (!o.isolated || !o.appearance) continue;
    n++;
    if (looks) blendAppearance(looks, o.appearance, 1 / n);
    else looks = Float32Array.from(o.appearance);
    if (n === LOOK_SAMPLES) break;
  }
  return looks;
}
