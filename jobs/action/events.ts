// Motion events of single players (start-moving, stop, sprint) and of pairs (meet).
import type { ActionEvent } from '../formats';
import type { Motion } from './motion';
import type { ActionParams } from './params';
import { indexAt, lastFrame } from './series';

export type Draft = Omit<ActionEvent, 'id'>;

/** Seconds from the start of the video of a 1-based frame. */
export const timeOf = (frame: number, fps: number): number => (frame - 1) / fps;
export const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

const mean = (a: Float64Array, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i <= to; i++) s += a[i]!;
  return s / Math.max(1, to - from + 1);
};

export function motionEvents(m: Motion, params: ActionParams, fps: number): Draft[] {
  const out: Draft[] = [];
  const { runs, segment: seg } = m;
  const secs = (r: { from: number; to: number }) => (r.to - r.from + 1) / fps;
  const t = (i: number) => timeOf(seg.first + i, fps);
  const id = seg.trackId;
  for (let k = 0; k + 1 < runs.length; k++) {
    const a = runs[k]!;
    const b = runs[k + 1]!;
    if (a.state === 0 && b.state > 0 && secs(a) >= params.minStandSeconds) {
      const moving = mean(m.speed, b.from, Math.min(b.to, b.from + Math.round(fps)));
      out.push({
        start: t(b.from), end: t(b.from) + Math.min(0.5, secs(b)), trackIds: [id], action: 'start-moving',
        confidence: clamp01(0.5 + 0.25 * Math.min(1, secs(a) / 1) + 0.25 * Math.min(1, moving / (2 * params.walkSpeed) - 0.5)),
      });
    }
    if (a.state > 0 && b.state === 0 && secs(b) >= params.minStandSeconds) {
      const before = mean(m.speed, Math.max(a.from, a.to - Math.round(fps)), a.to);
      out.push({
        start: t(b.from), end: t(b.from) + Math.min(0.5, secs(b)), trackIds: [id], action: 'stop',
        confidence: clamp01(0.5 + 0.25 * Math.min(1, secs(b) / 1) + 0.25 * Math.min(1, before / (2 * params.walkSpeed) - 0.5)),
      });
    }
  }
  for (const r of runs) {
    if (r.state !== 3 || secs(r) < params.sprintMinSeconds) continue;
    const v = mean(m.speed, r.from, r.to);
    out.push({
      start: t(r.from), end: t(r.to), trackIds: [id], action: 'sprint',
      confidence: clamp01(0.55 + 0.25 * Math.min(1, (v / params.sprintSpeed - 1) * 4) + 0.2 * Math.min(1, secs(r) / 2)),
    });
  }
  return out;
}

/** Pairs of players whose feet come within about a body width of each other, at the same depth. */
export function meetEvents(motions: Motion[], params: ActionParams, fps: number): Draft[] {
  const out: Draft[] = [];
  const minFrames = Math.max(1, Math.round(params.meetMinSeconds * fps));
  const bridge = Math.round(params.mergeGapSeconds * fps);
  for (let p = 0; p < motions.length; p++) {
    for (let q = p + 1; q < motions.length; q++) {
      const a = motions[p]!.segment;
      const b = motions[q]!.segment;
      if (a.trackId === b.trackId) continue;
      const from = Math.max(a.first, b.first);
      const to = Math.min(lastFrame(a), lastFrame(b));
      if (to < from) continue;
      let runStart = -1;
      let lastClose = -1;
      let closeness = 0;
      let count = 0;
      const flush = () => {
        if (runStart >= 0 && lastClose - runStart + 1 >= minFrames) {
          out.push({
            start: timeOf(runStart, fps), end: timeOf(lastClose, fps),
            trackIds: [a.trackId, b.trackId].sort((u, v) => u - v), action: 'meet',
            confidence: clamp01(0.5 + 0.3 * (closeness / count) + 0.2 * Math.min(1, (lastClose - runStart + 1) / (2 * minFrames))),
          });
        }
        runStart = -1;
        closeness = 0;
        count = 0;
      };
      for (let f = from; f <= to; f++) {
        const i = indexAt(a, f);
        const j = indexAt(b, f);
        const h = (a.h[i]! + b.h[j]!) / 2;
        const d = Math.hypot(a.x[i]! - b.x[j]!, params.meetDepthWeight * (a.y[i]! - b.y[j]!)) / h;
        const ratio = a.h[i]! / b.h[j]!;
        const close = d <= params.meetDistance && ratio > 0.7 && ratio < 1 / 0.7;
        if (close) {
          if (runStart >= 0 && f - lastClose - 1 > bridge) flush();
          if (runStart < 0) runStart = f;
          lastClose = f;
          closeness += 1 - d / Math.max(1e-9, params.meetDistance);
          count++;
        }
      }
      flush();
    }
  }
  return out;
}
