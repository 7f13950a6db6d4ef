// Per-player speed in body heights per second (scale-invariant: box height is the unit) and the
// motion state over time (standing, walking, running, sprinting) with hysteresis and debouncing.
import type { ActionParams } from './params';
import type { Segment } from './series';

export const STATES = ['standing', 'walking', 'running', 'sprinting'] as const;
export type MotionState = (typeof STATES)[number];

export interface StateRun {
  /** Index into STATES. */
  state: number;
  /** Indices into the segment, inclusive. */
  from: number;
  to: number;
}

export interface Motion {
  segment: Segment;
  /** Smoothed speed, body heights per second. */
  speed: Float64Array;
  /** Velocity in pixels per second (for the ball's relative motion). */
  vx: Float64Array;
  vy: Float64Array;
  state: Uint8Array;
  runs: StateRun[];
}

/** Central-difference velocity over +-lag frames, clamped at the segment's ends. */
export function velocity(x: Float64Array, y: Float64Array, lag: number, fps: number): { vx: Float64Array; vy: Float64Array } {
  const n = x.length;
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.max(0, i - lag);
    const b = Math.min(n - 1, i + lag);
    if (b === a) continue;
    const dt = (b - a) / fps;
    vx[i] = (x[b]! - x[a]!) / dt;
    vy[i] = (y[b]! - y[a]!) / dt;
  }
  return { vx, vy };
}

/** Speed and states of a segment; `camera` velocities (px/s per frame) are taken off first. */
export function motionOf(segment: Segment, params: ActionParams, fps: number, camera?: { vx: Float64Array; vy: Float64Array }): Motion {
  const lag = Math.max(1, Math.round(params.speedLagSeconds * fps));
  const { vx, vy } = velocity(segment.x, segment.y, lag, fps);
  if (camera) {
    for (let i = 0; i < vx.length; i++) {
      vx[i] = vx[i]! - (camera.vx[segment.first + i] ?? 0);
      vy[i] = vy[i]! - (camera.vy[segment.first + i] ?? 0);
    }
  }
  const speed = new Float64Array(vx.length);
  for (let i = 0; i < speed.length; i++) speed[i] = Math.hypot(vx[i]!, vy[i]!) / segment.h[i]!;
  const state = hysteresisStates(speed, params);
  const runs = debounce(state, Math.round(params.minStateSeconds * fps));
  for (const r of runs) state.fill(r.state, r.from, r.to + 1);
  return { segment, speed, vx, vy, state, runs };
}

/** State per frame: a state is entered at its threshold and left below threshold * hysteresis. */
export function hysteresisStates(speed: Float64Array, params: ActionParams): Uint8Array {
  const enter = [0, params.walkSpeed, params.runSpeed, params.sprintSpeed];
  const exit = enter.map((e) => e * params.hysteresis);
  const out = new Uint8Array(speed.length);
  let s = -1;
  for (let i = 0; i < speed.length; i++) {
    const v = speed[i]!;
    if (s < 0) {
      s = 0;
      while (s < 3 && v >= enter[s + 1]!) s++;
    } else {
      while (s < 3 && v >= enter[s + 1]!) s++;
      while (s > 0 && v < exit[s]!) s--;
    }
    out[i] = s;
  }
  return out;
}

/** Runs of equal state; runs shorter than `minFrames` are absorbed, shortest first. */
export function debounce(state: Uint8Array, minFrames: number): StateRun[] {
  let runs: StateRun[] = [];
  for (let i = 0; i < state.length; i++) {
    const last = runs.at(-1);
    if (last && last.state === state[i]) last.to = i;
    else runs.push({ state: state[i]!, from: i, to: i });
  }
  for (;;) {
    if (runs.length < 2) break;
    let shortest = -1;
    for (let k = 0; k < runs.length; k++) {
      const len = runs[k]!.to - runs[k]!.from + 1;
      if (len < minFrames && (shortest < 0 || len < runs[shortest]!.to - runs[shortest]!.from + 1)) shortest = k;
    }
    if (shortest < 0) break;
    const run = runs[shortest]!;
    const prev = runs[shortest - 1];
    const next = runs[shortest + 1];
    // Give the frames to the neighbour whose state is nearest (ties: the longer neighbour).
    const pick = !prev ? next! : !next ? prev
      : Math.abs(prev.state - run.state) !== Math.abs(next.state - run.state)
        ? (Math.abs(prev.state - run.state) < Math.abs(next.state - run.state) ? prev : next)
        : (prev.to - prev.from >= next.to - next.from ? prev : next);
    pick.from = Math.min(pick.from, run.from);
    pick.to = Math.max(pick.to, run.to);
    runs.splice(shortest, 1);
    // Coalesce neighbours that now share a state.
    const merged: StateRun[] = [];
    for (const r of runs) {
      const last = merged.at(-1);
      if (last && last.state === r.state) last.to = r.to;
      else merged.push({ ...r });
    }
    runs = merged;
  }
  return runs;
}
