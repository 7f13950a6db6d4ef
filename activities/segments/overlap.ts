// Which track of a segment is which track of the previous segment: both segments' MOT jobs saw the
// frames they share, so a player's two tracks cover the same boxes there.
import type { Track, TrackBox } from '../commentary/actions';

/** A pair is the same player only if their boxes overlap this much on average over the frames both have... */
const MIN_MEAN_IOU = 0.5;
/** ...and both have boxes on at least this many frames (fewer when the overlap is shorter). */
const MIN_COMMON_FRAMES = 5;

type Box = Pick<TrackBox, 'x' | 'y' | 'w' | 'h'>;

export function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** A track's boxes on the 1-based frames [first, last], by frame. */
function boxesWithin(track: Track, first: number, last: number): Map<number, TrackBox> {
  return new Map(track.boxes.filter((b) => b.frame >= first && b.frame <= last).map((b) => [b.frame, b]));
}

/**
 * The previous segment's track id for each of this segment's person tracks that continues one,
 * judged on the 1-based frames [first, last] both segments read: one to one, the pairs with the
 * most overlap summed over their common frames first.
 */
export function matchAcrossOverlap(previous: readonly Track[], current: readonly Track[], first: number, last: number): Map<number, number> {
  const minCommon = Math.max(1, Math.min(MIN_COMMON_FRAMES, last - first + 1));
  const within = (tracks: readonly Track[]) => tracks
    .filter((t) => t.class === 'person')
    .map((t) => ({ id: t.id, boxes: boxesWithin(t, first, last) }))
    .filter((t) => t.boxes.size > 0);
  const before = within(previous);
  const candidates: { current: number; previous: number; overlap: number }[] = [];
  for (const cur of within(current)) {
    for (const prev of before) {
      let common = 0;
      let overlap = 0;
      for (const [frame, box] of cur.boxes) {
        const other = prev.boxes.get(frame);
        if (!other) continue;
        common++;
        overlap += iou(box, other);
      }
      if (common >= minCommon && overlap / common >= MIN_MEAN_IOU) candidates.push({ current: cur.id, previous: prev.id, overlap });
    }
  }
  candidates.sort((a, b) => b.overlap - a.overlap || a.previous - b.previous || a.current - b.current);
  const matched = new Map<number, number>();
  const taken = new Set<number>();
  for (const c of candidates) {
    if (matched.has(c.current) || taken.has(c.previous)) continue;
    matched.set(c.current, c.previous);
    taken.add(c.previous);
  }
  return matched;
}
