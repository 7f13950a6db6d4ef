// A panning camera moves every player on screen by the same amount. Its velocity is estimated per
// frame as the velocity most players share (players who stand still agree exactly), smoothed over
// time; a static camera comes out as zero because standing players agree on zero.
import { velocity } from './motion';
import type { ActionParams } from './params';
import { indexAt, lastFrame, smooth, type Segment } from './series';

export interface CameraMotion {
  /** Camera-induced image velocity in pixels per second, per 1-based frame (index 0 unused). */
  vx: Float64Array;
  vy: Float64Array;
}

export function staticCamera(frames: number): CameraMotion {
  return { vx: new Float64Array(frames + 1), vy: new Float64Array(frames + 1) };
}

export function estimateCamera(segments: Segment[], frames: number, params: ActionParams, fps: number): CameraMotion {
  const out = staticCamera(frames);
  if (!params.cameraCompensation || segments.length === 0) return out;
  const lag = Math.max(1, Math.round(params.speedLagSeconds * fps));
  const vel = segments.map((s) => velocity(s.x, s.y, lag, fps));
  const raw = { vx: new Float64Array(frames + 1), vy: new Float64Array(frames + 1) };
  const known = new Uint8Array(frames + 1);
  // Only the frames the tracks span can be known: a segment of a long video spans a small part of it.
  const from = Math.max(1, segments.reduce((m, s) => Math.min(m, s.first), Infinity));
  const to = Math.min(frames, segments.reduce((m, s) => Math.max(m, lastFrame(s)), 0));
  for (let f = from; f <= to; f++) {
    const vs: { vx: number; vy: number; h: number }[] = [];
    segments.forEach((s, k) => {
      const i = indexAt(s, f);
      if (i >= 0) vs.push({ vx: vel[k]!.vx[i]!, vy: vel[k]!.vy[i]!, h: s.h[i]! });
    });
    if (vs.length < 3) continue;
    const hMed = median(vs.map((v) => v.h));
    // Within 0.15 body heights per second of each other counts as the same motion.
    const tol = 0.15 * hMed;
    let best: typeof vs = [];
    let bestNorm = Infinity;
    for (const c of vs) {
      const inliers = vs.filter((v) => Math.hypot(v.vx - c.vx, v.vy - c.vy) <= tol);
      const norm = Math.hypot(c.vx, c.vy);
      if (inliers.length > best.length || (inliers.length === best.length && norm < bestNorm)) {
        best = inliers;
        bestNorm = norm;
      }
    }
    if (best.length < Math.max(2, Math.ceil(0.3 * vs.length))) continue;
    raw.vx[f] = best.reduce((s, v) => s + v.vx, 0) / best.length;
    raw.vy[f] = best.reduce((s, v) => s + v.vy, 0) / best.length;
    known[f] = 1;
  }
  // A camera pans smoothly: a running median over 6 s (a group of players running together for a
  // second or two must not pass for a pan), then a moving average over 1 s. Drifts slower than a
  // tenth of a body height per second are left alone: they change no motion state.
  const half = Math.round(3 * fps);
  const deadband = 0.1 * median(segments.flatMap((s) => [s.h[0]!, s.h[s.h.length - 1]!]));
  const medX = new Float64Array(frames + 1);
  const medY = new Float64Array(frames + 1);
  for (let f = Math.max(1, from - half); f <= Math.min(frames, to + half); f++) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (let g = Math.max(1, f - half); g <= Math.min(frames, f + half); g++) {
      if (!known[g]) continue;
      xs.push(raw.vx[g]!);
      ys.push(raw.vy[g]!);
    }
    medX[f] = xs.length ? median(xs) : 0;
    medY[f] = ys.length ? median(ys) : 0;
    if (Math.hypot(medX[f]!, medY[f]!) < deadband) medX[f] = medY[f] = 0;
  }
  const window = 2 * Math.round(fps / 2) + 1;
  out.vx.set(smooth(medX, window));
  out.vy.set(smooth(medY, window));
  return out;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
