// HOTA (Luiten et al., IJCV 2021) of MOTChallenge boxes, computed as TrackEval's HOTA does, since the
// pinned motmetrics 1.4.0 has no HOTA: box IoU as the similarity; a global alignment score per
// (gt id, tracker id) pair from the IoU-normalised overlap over the whole sequence; per frame a
// Hungarian matching maximising alignment × IoU; then for each α in 0.05, 0.10, …, 0.95 the matches
// with IoU ≥ α count as TPs, DetA = TP / (TP + FN + FP), AssA = mean over TPs of the
// TPA / (TPA + FNA + FPA) of their id pair, HOTA_α = √(DetA·AssA); HOTA is the mean over α.
import { assign } from './mot/assign';
import { iou } from './mot/box';
import type { MotBox } from './mot-metrics';

export interface Hota {
  hota: number;
  detA: number;
  assA: number;
  locA: number;
}

const ALPHAS = Array.from({ length: 19 }, (_, k) => 0.05 + 0.05 * k);
const EPS = 1e-10;

function byFrame(boxes: MotBox[]): Map<number, MotBox[]> {
  const map = new Map<number, MotBox[]>();
  for (const b of boxes) {
    const list = map.get(b.frame);
    if (list) list.push(b);
    else map.set(b.frame, [b]);
  }
  return map;
}

export function hota(gt: MotBox[], hyp: MotBox[]): Hota {
  const gtFrames = byFrame(gt);
  const hypFrames = byFrame(hyp);
  const frames = [...new Set([...gtFrames.keys(), ...hypFrames.keys()])].sort((a, b) => a - b);
  const key = (g: number, h: number): string => `${g},${h}`;
  const gtCount = new Map<number, number>();
  const hypCount = new Map<number, number>();
  const potential = new Map<string, number>();
  const sims = new Map<number, number[][]>();
  for (const f of frames) {
    const g = gtFrames.get(f) ?? [];
    const h = hypFrames.get(f) ?? [];
    for (const a of g) gtCount.set(a.id, (gtCount.get(a.id) ?? 0) + 1);
    for (const b of h) hypCount.set(b.id, (hypCount.get(b.id) ?? 0) + 1);
    if (!g.length || !h.length) continue;
    const sim = g.map((a) => h.map((b) => iou(a, b)));
    sims.set(f, sim);
    const rowSum = sim.map((r) => r.reduce((s, v) => s + v, 0));
    const colSum = h.map((_, j) => sim.reduce((s, r) => s + r[j]!, 0));
    g.forEach((a, i) => h.forEach((b, j) => {
      const s = sim[i]![j]!;
      const denom = rowSum[i]! + colSum[j]! - s;
      if (denom > EPS) potential.set(key(a.id, b.id), (potential.get(key(a.id, b.id)) ?? 0) + s / denom);
    }));
  }
  const alignment = (gid: number, hid: number): number => {
    const p = potential.get(key(gid, hid)) ?? 0;
    return p / (gtCount.get(gid)! + hypCount.get(hid)! - p);
  };
  const tp = ALPHAS.map(() => 0);
  const fn = ALPHAS.map(() => 0);
  const fp = ALPHAS.map(() => 0);
  const loc = ALPHAS.map(() => 0);
  const pairs = ALPHAS.map(() => new Map<string, number>());
  for (const f of frames) {
    const g = gtFrames.get(f) ?? [];
    const h = hypFrames.get(f) ?? [];
    const sim = sims.get(f);
    if (!sim) {
      for (let a = 0; a < ALPHAS.length; a++) {
        fn[a]! += g.length;
        fp[a]! += h.length;
      }
      continue;
    }
    // Maximise alignment × IoU: cost 1 − score, every pair allowed (the α threshold comes after).
    const { matches } = assign(g.map((a, i) => h.map((b, j) => 1 - alignment(a.id, b.id) * sim[i]![j]!)), 1);
    ALPHAS.forEach((alpha, a) => {
      let n = 0;
      for (const [i, j] of matches) {
        const s = sim[i]![j]!;
        if (s < alpha - EPS) continue;
        n++;
        loc[a]! += s;
        const k = key(g[i]!.id, h[j]!.id);
        pairs[a]!.set(k, (pairs[a]!.get(k) ?? 0) + 1);
      }
      tp[a]! += n;
      fn[a]! += g.length - n;
      fp[a]! += h.length - n;
    });
  }
  const per = ALPHAS.map((_, a) => {
    let assSum = 0;
    for (const [k, count] of pairs[a]!) {
      const [gid, hid] = k.split(',').map(Number) as [number, number];
      assSum += (count * count) / Math.max(1, gtCount.get(gid)! + hypCount.get(hid)! - count);
    }
    const assA = assSum / Math.max(1, tp[a]!);
    const detA = tp[a]! / Math.max(1, tp[a]! + fn[a]! + fp[a]!);
    return { hota: Math.sqrt(detA * assA), detA, assA, locA: tp[a]! ? loc[a]! / tp[a]! : 1 };
  });
  const mean = (pick: (x: Hota) => number): number => per.reduce((s, x) => s + pick(x), 0) / per.length;
  return { hota: mean((x) => x.hota), detA: mean((x) => x.detA), assA: mean((x) => x.assA), locA: mean((x) => x.locA) };
}
