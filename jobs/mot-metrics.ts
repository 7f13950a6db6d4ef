// CLEAR-MOT (MOTA) and identity (IDF1) scores of a tracker's MOTChallenge boxes against ground
// truth, matched at IoU ≥ 0.5: the training job's measure of a MOT model, also used by the tests
// and the bench (HOTA is in mot-hota.ts).
import { readFileSync } from 'node:fs';
import { assign } from './mot/assign';
import { iou } from './mot/box';

export interface MotBox {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface MotScore {
  mota: number;
  idf1: number;
  gt: number;
  falseNegatives: number;
  falsePositives: number;
  idSwitches: number;
  gtIds: number;
  hypIds: number;
}

export function readMot(path: string): MotBox[] {
  return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((line) => {
    const [frame = 0, id = 0, x = 0, y = 0, w = 0, h = 0] = line.split(',').map(Number);
    return { frame, id, x, y, w, h };
  });
}

export function score(gt: MotBox[], hyp: MotBox[], threshold = 0.5): MotScore {
  const byFrame = (boxes: MotBox[]): Map<number, MotBox[]> => {
    const map = new Map<number, MotBox[]>();
    for (const b of boxes) map.set(b.frame, [...(map.get(b.frame) ?? []), b]);
    return map;
  };
  const gtFrames = byFrame(gt);
  const hypFrames = byFrame(hyp);
  const frames = [...new Set([...gtFrames.keys(), ...hypFrames.keys()])].sort((a, b) => a - b);
  let fn = 0;
  let fp = 0;
  let switches = 0;
  const lastMatch = new Map<number, number>();
  const together = new Map<string, number>(); // "gt,hyp" -> frames where they overlap enough
  for (const f of frames) {
    const g = gtFrames.get(f) ?? [];
    const h = hypFrames.get(f) ?? [];
    const { matches } = assign(g.map((a) => h.map((b) => 1 - iou(a, b))), 1 - threshold);
    fn += g.length - matches.length;
    fp += h.length - matches.length;
    for (const [i, j] of matches) {
      const gid = g[i]!.id;
      const hid = h[j]!.id;
      if (lastMatch.has(gid) && lastMatch.get(gid) !== hid) switches++;
      lastMatch.set(gid, hid);
    }
    for (const a of g) for (const b of h) if (iou(a, b) >= threshold) together.set(`${a.id},${b.id}`, (together.get(`${a.id},${b.id}`) ?? 0) + 1);
  }
  const gtIds = [...new Set(gt.map((b) => b.id))];
  const hypIds = [...new Set(hyp.map((b) => b.id))];
  const most = Math.max(1, ...together.values());
  const { matches } = assign(gtIds.map((g) => hypIds.map((h) => most - (together.get(`${g},${h}`) ?? 0))), most);
  const idtp = matches.reduce((s, [i, j]) => s + (together.get(`${gtIds[i]},${hypIds[j]}`) ?? 0), 0);
  return {
    mota: 1 - (fn + fp + switches) / Math.max(1, gt.length),
    idf1: (2 * idtp) / Math.max(1, gt.length + hyp.length),
    gt: gt.length,
    falseNegatives: fn,
    falsePositives: fp,
    idSwitches: switches,
    gtIds: gtIds.length,
    hypIds: hypIds.length,
  };
}
