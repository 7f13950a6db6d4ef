// Action events against the clip generator's ground truth are matched by jobs/event-match.ts (the
// training job's scorer); here, the map from tracker ids to gt ids for its stricter same-players match.
import { iou } from '../jobs/mot/box';
import type { MotBox } from '../test/fixtures/clip/score';

/** Each tracker id → the gt id its boxes overlap most often at IoU ≥ 0.5. */
export function mapIds(gt: MotBox[], hyp: MotBox[]): Map<number, number> {
  const gtByFrame = new Map<number, MotBox[]>();
  for (const g of gt) gtByFrame.set(g.frame, [...(gtByFrame.get(g.frame) ?? []), g]);
  const votes = new Map<number, Map<number, number>>();
  for (const b of hyp) {
    let best: MotBox | undefined;
    let bestIou = 0.5;
    for (const g of gtByFrame.get(b.frame) ?? []) {
      const v = iou(g, b);
      if (v >= bestIou) {
        best = g;
        bestIou = v;
      }
    }
    if (!best) continue;
    const m = votes.get(b.id) ?? new Map<number, number>();
    m.set(best.id, (m.get(best.id) ?? 0) + 1);
    votes.set(b.id, m);
  }
  return new Map([...votes].map(([hid, m]) => [hid, [...m].sort((a, c) => c[1] - a[1])[0]![0]]));
}
