// Team events from the ball: possession (the ball at a player's feet, moving with the player), pass
// (the ball travels from a player to a team-mate), tackle (an opponent closes in and takes the ball
// off the carrier), shot (the ball leaves a player fast towards a goal side and no team-mate
// receives it in flight), dribble (a player keeps the ball while moving).
import type { Track } from '../formats';
import type { CameraMotion } from './camera';
import { clamp01, timeOf, type Draft } from './events';
import { velocity, type Motion } from './motion';
import type { ActionParams } from './params';
import { indexAt, smooth } from './series';

export interface BallPath {
  first: number;
  /** Ball centre per frame; NaN where unknown. */
  x: Float64Array;
  y: Float64Array;
  /** Velocity with the camera's motion taken off, pixels per second. */
  vx: Float64Array;
  vy: Float64Array;
}

/** The ball's path over all ball tracks (the best-scored box per frame), short gaps interpolated. */
export function ballPath(tracks: Track[], params: ActionParams, fps: number, camera?: CameraMotion): BallPath | null {
  const best = new Map<number, { x: number; y: number; score: number }>();
  for (const t of tracks) {
    if (t.class !== 'ball') continue;
    for (const b of t.boxes) {
      const seen = best.get(b.frame);
      if (!seen || b.score > seen.score) best.set(b.frame, { x: b.x + b.w / 2, y: b.y + b.h / 2, score: b.score });
    }
  }
  if (best.size === 0) return null;
  const frames = [...best.keys()].sort((a, b) => a - b);
  const first = frames[0]!;
  const n = frames.at(-1)! - first + 1;
  const x = new Float64Array(n).fill(NaN);
  const y = new Float64Array(n).fill(NaN);
  const maxGap = Math.round(params.ballMaxGapSeconds * fps);
  for (let k = 0; k < frames.length; k++) {
    const fa = frames[k]!;
    const a = best.get(fa)!;
    x[fa - first] = a.x;
    y[fa - first] = a.y;
    const fb = frames[k + 1];
    if (fb === undefined || fb - fa - 1 > maxGap) continue;
    const b = best.get(fb)!;
    for (let f = fa + 1; f < fb; f++) {
      const t = (f - fa) / (fb - fa);
      x[f - first] = a.x + (b.x - a.x) * t;
      y[f - first] = a.y + (b.y - a.y) * t;
    }
  }
  // Light smoothing and velocity within each known stretch (the ball moves fast: 3 frames).
  const vx = new Float64Array(n).fill(NaN);
  const vy = new Float64Array(n).fill(NaN);
  let i = 0;
  while (i < n) {
    if (Number.isNaN(x[i]!)) { i++; continue; }
    let j = i;
    while (j + 1 < n && !Number.isNaN(x[j + 1]!)) j++;
    const sx = smooth(x.subarray(i, j + 1), 3);
    const sy = smooth(y.subarray(i, j + 1), 3);
    x.set(sx, i);
    y.set(sy, i);
    const v = velocity(sx, sy, 1, fps);
    for (let k = 0; k < v.vx.length; k++) {
      vx[i + k] = v.vx[k]! - (camera?.vx[first + i + k] ?? 0);
      vy[i + k] = v.vy[k]! - (camera?.vy[first + i + k] ?? 0);
    }
    i = j + 1;
  }
  return { first, x, y, vx, vy };
}

interface Run { player: number; from: number; to: number }

/**
 * The player who has the ball, as runs over the ball path. The ball is a player's when it is within
 * the radius of the feet and moves with the player; the holder keeps it until someone else is
 * clearly nearer or it leaves.
 */
export function possessionRuns(ball: BallPath, persons: Motion[], params: ActionParams, fps: number): Run[] {
  const n = ball.x.length;
  const owner = new Int32Array(n).fill(-1);
  let holder = -1;
  for (let i = 0; i < n; i++) {
    const bx = ball.x[i]!;
    const by = ball.y[i]!;
    if (Number.isNaN(bx)) { holder = -1; continue; }
    const frame = ball.first + i;
    const dist = new Map<number, number>();
    for (let p = 0; p < persons.length; p++) {
      const m = persons[p]!;
      const k = indexAt(m.segment, frame);
      if (k < 0) continue;
      const h = m.segment.h[k]!;
      const d = Math.hypot(bx - m.segment.x[k]!, by - m.segment.y[k]!) / h;
      if (d > params.possessionRadius) continue;
      const rel = Math.hypot(ball.vx[i]! - m.vx[k]!, ball.vy[i]! - m.vy[k]!) / h;
      if (rel > params.possessionMaxRelSpeed) continue;
      dist.set(p, d);
    }
    let bestP = -1;
    for (const [p, d] of dist) if (bestP < 0 || d < dist.get(bestP)!) bestP = p;
    if (holder >= 0 && dist.has(holder) && bestP !== holder && dist.get(bestP)! > 0.6 * dist.get(holder)!) bestP = holder;
    owner[i] = bestP;
    holder = bestP;
  }
  let runs: Run[] = [];
  const bridge = Math.round(params.possessionGapSeconds * fps);
  for (let i = 0; i < n; i++) {
    if (owner[i]! < 0) continue;
    const last = runs.at(-1);
    if (last && persons[last.player]!.segment.trackId === persons[owner[i]!]!.segment.trackId && i - last.to - 1 <= bridge) last.to = i;
    else runs.push({ player: owner[i]!, from: i, to: i });
  }
  const minFrames = Math.round(params.possessionMinSeconds * fps);
  runs = runs.filter((r) => r.to - r.from + 1 >= minFrames);
  // Runs of the same player split by a dropped short run join again.
  const joined: Run[] = [];
  for (const r of runs) {
    const last = joined.at(-1);
    if (last && persons[last.player]!.segment.trackId === persons[r.player]!.segment.trackId && r.from - last.to - 1 <= bridge) last.to = r.to;
    else joined.push({ ...r });
  }
  return joined;
}

export function ballEvents(tracks: Track[], persons: Motion[], params: ActionParams, fps: number, width: number, camera?: CameraMotion): Draft[] {
  const ball = ballPath(tracks, params, fps, camera);
  if (!ball) return [];
  const runs = possessionRuns(ball, persons, params, fps);
  const team = new Map(tracks.map((t) => [t.id, t.team]));
  const out: Draft[] = [];
  const n = ball.x.length;
  const t = (i: number) => timeOf(ball.first + i, fps);
  const idOf = (r: Run) => persons[r.player]!.segment.trackId;
  const heightOf = (r: Run, i: number) => {
    const seg = persons[r.player]!.segment;
    return seg.h[Math.min(seg.h.length - 1, Math.max(0, ball.first + i - seg.first))]!;
  };
  /** Distance between two players' feet in body heights at ball index i, or NaN. */
  const apart = (a: Run, b: Run, i: number) => {
    const sa = persons[a.player]!.segment;
    const sb = persons[b.player]!.segment;
    const ia = indexAt(sa, ball.first + i);
    const ib = indexAt(sb, ball.first + i);
    if (ia < 0 || ib < 0) return NaN;
    return Math.hypot(sa.x[ia]! - sb.x[ib]!, sa.y[ia]! - sb.y[ib]!) / ((sa.h[ia]! + sb.h[ib]!) / 2);
  };

  for (const r of runs) {
    const secs = (r.to - r.from + 1) / fps;
    out.push({ start: t(r.from), end: t(r.to), trackIds: [idOf(r)], action: 'possession', confidence: clamp01(0.6 + 0.4 * Math.min(1, secs / 1.5)) });
    // Dribble: the holder moves with the ball for long enough.
    const m = persons[r.player]!;
    let from = -1;
    const flush = (to: number) => {
      if (from >= 0 && (to - from + 1) / fps >= params.dribbleMinSeconds) {
        out.push({ start: t(from), end: t(to), trackIds: [idOf(r)], action: 'dribble', confidence: clamp01(0.6 + 0.4 * Math.min(1, (to - from + 1) / fps / (2 * params.dribbleMinSeconds))) });
      }
      from = -1;
    };
    for (let i = r.from; i <= r.to; i++) {
      const k = indexAt(m.segment, ball.first + i);
      const moving = k >= 0 && m.state[k]! > 0 && m.speed[k]! >= params.dribbleSpeed;
      if (moving && from < 0) from = i;
      if (!moving) flush(i - 1);
    }
    flush(r.to);
  }

  for (let k = 0; k < runs.length; k++) {
    const a = runs[k]!;
    const next = runs[k + 1];
    const h = heightOf(a, a.to);
    // Follow the released ball until it is received, comes to rest, is lost or flies too long.
    const limit = Math.min(n - 1, next ? next.from : Infinity, a.to + Math.round(params.passMaxSeconds * fps));
    let peak = 0;
    let last = a.to;
    let rest = 0;
    let rested = false;
    for (let i = a.to; i <= limit; i++) {
      if (Number.isNaN(ball.x[i]!)) break;
      last = i;
      const v = Math.hypot(ball.vx[i]!, ball.vy[i]!) / h;
      peak = Math.max(peak, v);
      rest = v < params.ballRestSpeed && peak >= params.ballRestSpeed ? rest + 1 : 0;
      if (rest >= Math.round(0.2 * fps)) { rested = true; last = i - rest + 1; break; }
    }
    // Received in flight (or handed over at close quarters): the next holder takes it straight off.
    const received = next !== undefined && !rested && last === limit && limit === next.from && idOf(next) !== idOf(a);
    const teamA = team.get(idOf(a)) ?? null;
    const teamB = next ? team.get(idOf(next)) ?? null : null;
    const sameTeam = received && teamA !== null && teamA === teamB;

    const dx = ball.x[last]! - ball.x[a.to]!;
    const side = dx >= 0 ? width - ball.x[last]! : ball.x[last]!;
    const towardsGoal = Math.abs(dx) >= 2 * h && side <= 0.25 * width;
    if (!sameTeam && peak >= params.shotSpeed && towardsGoal) {
      let end = last;
      const margin = params.goalMargin * width;
      for (let i = a.to; i <= last; i++) if (ball.x[i]! <= margin || ball.x[i]! >= width - margin) { end = i; break; }
      out.push({
        start: t(a.to), end: t(end), trackIds: [idOf(a)], action: 'shot',
        confidence: clamp01((side <= margin ? 0.8 : 0.6) + 0.2 * Math.min(1, peak / params.shotSpeed - 1)),
      });
      continue;
    }
    if (!received) continue;
    const b = next!;
    const travel = Math.hypot(ball.x[b.from]! - ball.x[a.to]!, ball.y[b.from]! - ball.y[a.to]!) / h;
    let closest = Infinity;
    for (let i = a.to - Math.round(0.3 * fps); i <= b.from + Math.round(0.3 * fps); i++) {
      const d = apart(a, b, i);
      if (!Number.isNaN(d)) closest = Math.min(closest, d);
    }
    const close = closest <= params.tackleDistance;
    if (sameTeam) {
      out.push({ start: t(a.to), end: t(b.from), trackIds: [idOf(a), idOf(b)], action: 'pass', confidence: travel >= params.passMinDistance ? 0.9 : 0.6 });
    } else if (close) {
      // The challenge starts where the winner began closing in on the carrier: from their closest
      // approach before the change, back while the distance kept shrinking.
      const earliest = Math.max(a.from, a.to - Math.round(params.tackleMaxSeconds * fps));
      let start = a.to;
      let nearest = apart(a, b, a.to);
      for (let i = a.to - 1; i >= Math.max(earliest, a.to - Math.round(fps)); i--) {
        const d = apart(a, b, i);
        if (!Number.isNaN(d) && (Number.isNaN(nearest) || d < nearest)) { nearest = d; start = i; }
      }
      // Closing in: at least a quarter body height per second, judged over 0.2 s steps.
      const step = Math.max(1, Math.round(0.2 * fps));
      let slack = 0;
      for (let i = start - step; i >= earliest; i -= step) {
        const before = apart(a, b, i);
        const after = apart(a, b, i + step);
        if (Number.isNaN(before) || Number.isNaN(after)) break;
        if (before - after < (0.25 * step) / fps) {
          if (++slack > 1) break;
          continue;
        }
        slack = 0;
        start = i;
      }
      const known = teamA !== null && teamB !== null;
      out.push({
        start: t(start), end: t(b.from), trackIds: [idOf(b), idOf(a)], action: 'tackle',
        confidence: known ? clamp01(0.6 + 0.4 * (1 - closest / params.tackleDistance)) : 0.4,
      });
    } else if (teamA === null || teamB === null) {
      if (travel >= params.passMinDistance) out.push({ start: t(a.to), end: t(b.from), trackIds: [idOf(a), idOf(b)], action: 'pass', confidence: 0.45 });
    }
  }
  return out;
}
