// Scores recognised events against labelled ones: one-to-one matches of the same action with start
// and end each within ±tolerance seconds (greedy, truth in time order, closest first). Track ids
// of a tracker are not the labeller's, so by default only action and time must agree; `idMap`
// (predicted id → labelled id) makes a stricter match that also needs the same players (in order;
// a meet's in any order).
import type { ActionEvent, ActionName } from './formats';

export interface Counts {
  truth: number;
  predicted: number;
  tp: number;
}

export interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

type Timed = Pick<ActionEvent, 'start' | 'end' | 'action' | 'trackIds'>;

export function matchEvents(predicted: Timed[], truth: Timed[], tolerance = 1, idMap?: Map<number, number>): Map<ActionName, Counts> {
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

/** The counts of all actions (and of several examples) pooled. */
export function pooled(counts: Iterable<Counts>): Counts {
  const total: Counts = { truth: 0, predicted: 0, tp: 0 };
  for (const c of counts) {
    total.truth += c.truth;
    total.predicted += c.predicted;
    total.tp += c.tp;
  }
  return total;
}

export function prf(c: Counts): Scores {
  const precision = c.predicted ? c.tp / c.predicted : 0;
  const recall = c.truth ? c.tp / c.truth : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}
