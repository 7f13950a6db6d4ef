// Action events against the clip generator's ground truth: one-to-one matches of the same action
// with start and end each within ±tolerance seconds (greedy, truth in time order, closest first).
// Tracker ids are not gt ids, so the headline match is by action and time only; `idMap` (tracker
// id → the gt id it overlaps most often at IoU ≥ 0.5) gives a stricter match that also needs the
// same players (in order; a meet's in any order).
import type { ActionEvent, ActionName } from '../jobs/formats';
import { iou } from '../jobs/mot/box';
import type { MotBox } from '../test/fixtures/clip/score';

export interface Counts {
  truth: number;
  predicted: number;
  tp: number;
}

export function matchEvents(predicted: ActionEvent[], truth: ActionEvent[], tolerance = 1, idMap?: Map<number, number>): Map<ActionName, Counts> {
  const out = new Map<ActionName, Counts>();
  const counts = (a: ActionName): Counts => {
    let c = out.get(a);
    if (!c) out.set(a, (c = { truth: 0, predicted: 0, tp: 0 }));
    return c;
  };
  for (const p of predicted) counts(p.action).predicted++;
  const used = new Set<number>();
  for (const g of [...truth].sort((a, b) => a.start - b.start)) {
    counts(g.action).truth++;
    let best = -1;
    let bestCost = Infinity;
    predicted.forEach((p, i) => {
      if (used.has(i) || p.action !== g.action) return;
      if (idMap && !sameIds(g.action, p.trackIds.map((id) => idMap.get(id) ?? -id), g.trackIds)) return;
      const ds = Math.abs(p.start - g.start);
      const de = Math.abs(p.end - g.end);
      if (ds <= tolerance && de <= tolerance && ds + de < bestCost) {
        best = i;
        bestCost = ds + de;
      }
    });
    if (best >= 0) {
      used.add(best);
      counts(g.action).tp++;
    }
  }
  return out;
}

function sameIds(action: ActionName, a: number[], b: number[]): boolean {
  if (action === 'meet') return [...a].sort().join() === [...b].sort().join();
  return a.join() === b.join();
}

export function prf(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.predicted ? c.tp / c.predicted : 0;
  const recall = c.truth ? c.tp / c.truth : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

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
