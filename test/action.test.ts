// The action-recognition job, run as a child process under the container contract, on synthetic
// tracks with known play: players walk, run, sprint, stop and meet along scripted paths, and a ball
// is dribbled, passed, tackled away and shot. Events are scored by precision and recall at +-1 s.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActionEvent, ActionName, ActionsFile, Track, TracksFile } from '../jobs/formats';
import { jobCommands } from '../common/job-programs';
import { mulberry32 } from '../contracts/random';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// The scene: players move in straight legs at nominal speeds in body heights per second.

type Gait = 'stand' | 'walk' | 'run' | 'sprint';
// The built-in model's scale: walking 0.5, running 1.2, sprinting 2.4 body heights per second (the
// speeds of the generated clips in test/fixtures/clip).
const GAIT_SPEED: Record<Gait, number> = { stand: 0, walk: 0.5, run: 1.2, sprint: 2.4 };

interface Leg { gait: Gait; t0: number; t1: number; x0: number; y0: number; x1: number; y1: number }
interface Player { id: number; team: 0 | 1; h: number; legs: Leg[] }

/** A player's script: from a start point, legs of a gait for a duration in a direction (unit vector). */
function player(id: number, team: 0 | 1, h: number, x: number, y: number, steps: [Gait, number, number?, number?][]): Player {
  const legs: Leg[] = [];
  let t = 0;
  for (const [gait, secs, dx = 0, dy = 0] of steps) {
    const norm = Math.hypot(dx, dy) || 1;
    const d = GAIT_SPEED[gait] * h * secs;
    const x1 = x + (dx / norm) * d;
    const y1 = y + (dy / norm) * d;
    legs.push({ gait, t0: t, t1: t + secs, x0: x, y0: y, x1, y1 });
    t += secs;
    x = x1;
    y = y1;
  }
  return { id, team, h, legs };
}

const DURATION = 15;

const PLAYERS: Player[] = [
  player(1, 0, 80, 200, 380, [['stand', 2], ['run', 2, 1], ['stand', 2], ['sprint', 1.5, 1], ['run', 1.5, -1], ['stand', 6]]),
  player(2, 0, 90, 700, 430, [['stand', 6], ['run', 2, -1], ['stand', 7]]),
  player(3, 0, 110, 880, 600, [['stand', 1], ['walk', 3, -1], ['stand', 3], ['sprint', 1, 1], ['stand', 7]]),
  player(4, 1, 90, 380, 440, [['stand', 6.5], ['walk', 1.5, 1], ['stand', 1], ['run', 1.5, -1, 0.5], ['stand', 4.5]]),
  player(5, 1, 110, 665, 605, [['stand', 11], ['walk', 2, 0, -1], ['stand', 2]]),
  player(6, 1, 70, 1000, 250, [['stand', 3], ['run', 2, -1], ['sprint', 1, -1], ['walk', 2, -1], ['stand', 7]]),
];

function positionAt(p: Player, t: number): { x: number; y: number; vx: number } {
  const leg = p.legs.find((l) => t >= l.t0 && t < l.t1) ?? p.legs.at(-1)!;
  const u = Math.min(1, Math.max(0, (t - leg.t0) / (leg.t1 - leg.t0)));
  return { x: leg.x0 + (leg.x1 - leg.x0) * u, y: leg.y0 + (leg.y1 - leg.y0) * u, vx: (leg.x1 - leg.x0) / (leg.t1 - leg.t0) };
}

/** The ball: held (at the holder's leading foot) or flying in a straight line. */
type BallPhase =
  | { kind: 'held'; player: number; t0: number; t1: number }
  | { kind: 'fly'; t0: number; t1: number; to?: number; speed?: number };
const BALL: BallPhase[] = [
  { kind: 'held', player: 1, t0: 0, t1: 4.5 },
  { kind: 'fly', t0: 4.5, t1: 5.3, to: 2 },
  { kind: 'held', player: 2, t0: 5.3, t1: 8.0 },
  { kind: 'fly', t0: 8.0, t1: 8.3, to: 4 },
  { kind: 'held', player: 4, t0: 8.3, t1: 10.5 },
  { kind: 'fly', t0: 10.5, t1: DURATION, speed: 7 },
];

/** Player 4 starts towards player 2 at 6.5 s and takes the ball off him at 8 s. */
const TACKLE_FROM = 6.5;

const byId = (id: number): Player => PLAYERS.find((p) => p.id === id)!;

function heldBall(p: Player, t: number): { x: number; y: number } {
  // The ball sits ahead of the feet: in the direction of travel, or where the player goes next.
  const leg = p.legs.find((l) => t >= l.t0 && t < l.t1) ?? p.legs.at(-1)!;
  const moving = (l: Leg) => l.x1 !== l.x0;
  const facing = moving(leg) ? leg : p.legs.find((l) => l.t0 >= leg.t1 && moving(l)) ?? [...p.legs].reverse().find((l) => l.t1 <= leg.t0 && moving(l));
  const dir = facing ? Math.sign(facing.x1 - facing.x0) : 1;
  const at = positionAt(p, t);
  return { x: at.x + dir * 0.3 * p.h, y: at.y - 0.05 * p.h };
}

/** Direction of a shot: the way the shooter last moved. */
function shotDirection(p: Player, t: number): number {
  const leg = [...p.legs].reverse().find((l) => l.t0 < t && l.x1 !== l.x0);
  return leg ? Math.sign(leg.x1 - leg.x0) : 1;
}

function ballAt(t: number): { x: number; y: number } {
  const k = BALL.findIndex((b) => t >= b.t0 && t < b.t1);
  const phase = BALL[k]!;
  if (phase.kind === 'held') return heldBall(byId(phase.player), t);
  const prev = BALL[k - 1] as Extract<BallPhase, { kind: 'held' }>;
  const from = heldBall(byId(prev.player), phase.t0);
  if (phase.to !== undefined) {
    const to = heldBall(byId(phase.to), phase.t1);
    const u = (t - phase.t0) / (phase.t1 - phase.t0);
    return { x: from.x + (to.x - from.x) * u, y: from.y + (to.y - from.y) * u };
  }
  // A shot towards the goal the shooter runs at.
  const shooter = byId(prev.player);
  return { x: from.x + shotDirection(shooter, phase.t0) * phase.speed! * shooter.h * (t - phase.t0), y: from.y };
}

// ---------------------------------------------------------------------------------------------
// Tracks as a tracker would give them: jittered boxes, missed detections, at any scale and fps.

/** `pan`: the camera pans right at this many pixels per second (at scale 1): everything drifts left. */
function makeTracks(opts: { scale: number; fps: number; seed: number; jitter?: number; miss?: number; withBall?: boolean; pan?: number }): TracksFile {
  const { scale, fps } = opts;
  const rand = mulberry32(opts.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const jitter = opts.jitter ?? 0.02;
  const miss = opts.miss ?? 0.05;
  const frames = Math.round(DURATION * fps);
  const width = Math.round(1280 * scale);
  const height = Math.round(720 * scale);
  const tracks: Track[] = PLAYERS.map((p) => ({ id: p.id, class: 'person', team: p.team, color: p.team === 0 ? [200, 30, 30] : [30, 30, 200], boxes: [] }));
  const ball: Track = { id: 99, class: 'ball', team: null, color: null, boxes: [] };
  for (let f = 1; f <= frames; f++) {
    const t = (f - 1) / fps;
    const shift = (opts.pan ?? 0) * t;
    PLAYERS.forEach((p, k) => {
      if (rand() < miss) return;
      const at = positionAt(p, t);
      const h = p.h * scale * (1 + jitter * gauss());
      const w = 0.4 * p.h * scale * (1 + jitter * gauss());
      const x = (at.x - shift) * scale + jitter * p.h * scale * gauss();
      const y = at.y * scale + jitter * p.h * scale * gauss();
      tracks[k]!.boxes.push({ frame: f, x: x - w / 2, y: y - h, w, h, score: 0.6 + 0.3 * rand() });
    });
    const b = ballAt(t);
    if (opts.withBall !== false && b.x > 0 && b.x < 1280 && rand() >= miss) {
      const size = 10 * scale;
      ball.boxes.push({ frame: f, x: (b.x - shift) * scale - size / 2 + 0.5 * scale * gauss(), y: b.y * scale - size / 2 + 0.5 * scale * gauss(), w: size, h: size, score: 0.5 + 0.4 * rand() });
    }
  }
  if (opts.withBall !== false) tracks.push(ball);
  return { video: { width, height, fps, frames, duration: frames / fps }, detector: { name: 'synthetic' }, tracks };
}

// ---------------------------------------------------------------------------------------------
// Ground truth from the script.

type Truth = Omit<ActionEvent, 'id' | 'confidence'>;

function groundTruth(withBall = true): Truth[] {
  const out: Truth[] = [];
  for (const p of PLAYERS) {
    p.legs.forEach((leg, k) => {
      const next = p.legs[k + 1];
      if (leg.gait === 'sprint') out.push({ start: leg.t0, end: leg.t1, trackIds: [p.id], action: 'sprint' });
      if (!next) return;
      if (leg.gait === 'stand' && next.gait !== 'stand') out.push({ start: next.t0, end: next.t0 + 0.5, trackIds: [p.id], action: 'start-moving' });
      if (leg.gait !== 'stand' && next.gait === 'stand') out.push({ start: next.t0, end: next.t0 + 0.5, trackIds: [p.id], action: 'stop' });
    });
  }
  // Meetings: feet within half a body height (image y counted double) for 0.4 s or more.
  const dt = 0.01;
  for (let a = 0; a < PLAYERS.length; a++) {
    for (let b = a + 1; b < PLAYERS.length; b++) {
      const pa = PLAYERS[a]!;
      const pb = PLAYERS[b]!;
      let start = -1;
      for (let t = 0; t <= DURATION + dt; t += dt) {
        const u = positionAt(pa, t);
        const v = positionAt(pb, t);
        const close = t <= DURATION && Math.hypot(u.x - v.x, 2 * (u.y - v.y)) <= 0.5 * (pa.h + pb.h) / 2;
        if (close && start < 0) start = t;
        if (!close && start >= 0) {
          if (t - start >= 0.4) out.push({ start, end: t, trackIds: [pa.id, pb.id], action: 'meet' });
          start = -1;
        }
      }
    }
  }
  if (!withBall) return out;
  BALL.forEach((phase, k) => {
    if (phase.kind === 'held') {
      out.push({ start: phase.t0, end: phase.t1, trackIds: [phase.player], action: 'possession' });
      // Dribble: the holder moving for a second or more while holding the ball.
      for (const leg of byId(phase.player).legs) {
        const from = Math.max(leg.t0, phase.t0);
        const to = Math.min(leg.t1, phase.t1);
        if (leg.gait !== 'stand' && to - from >= 1) out.push({ start: from, end: to, trackIds: [phase.player], action: 'dribble' });
      }
      return;
    }
    const from = (BALL[k - 1] as Extract<BallPhase, { kind: 'held' }>).player;
    if (phase.to === undefined) {
      const shooter = byId(from);
      const release = heldBall(shooter, phase.t0);
      const dir = shotDirection(shooter, phase.t0);
      const distance = dir > 0 ? 1280 - release.x : release.x;
      out.push({ start: phase.t0, end: phase.t0 + distance / (phase.speed! * shooter.h), trackIds: [from], action: 'shot' });
    } else {
      if (byId(from).team === byId(phase.to).team) out.push({ start: phase.t0, end: phase.t1, trackIds: [from, phase.to], action: 'pass' });
      // A tackle: the winner first, from when the challenger starts closing in.
      else out.push({ start: TACKLE_FROM, end: phase.t1, trackIds: [phase.to, from], action: 'tackle' });
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scoring: one-to-one matches of the same action and players, start and end each within +-1 s.

function sameIds(action: ActionName, a: number[], b: number[]): boolean {
  if (action === 'meet') return [...a].sort().join() === [...b].sort().join();
  return a.join() === b.join();
}

interface Score { precision: number; recall: number; f1: number; missed: Truth[]; spurious: ActionEvent[] }

function score(predicted: ActionEvent[], truth: Truth[], tolerance = 1): Score {
  const used = new Set<number>();
  const missed: Truth[] = [];
  for (const g of [...truth].sort((a, b) => a.start - b.start)) {
    let best = -1;
    let bestCost = Infinity;
    predicted.forEach((p, i) => {
      if (used.has(i) || p.action !== g.action || !sameIds(g.action, p.trackIds, g.trackIds)) return;
      const ds = Math.abs(p.start - g.start);
      const de = Math.abs(p.end - g.end);
      if (ds <= tolerance && de <= tolerance && ds + de < bestCost) {
        best = i;
        bestCost = ds + de;
      }
    });
    if (best >= 0) used.add(best);
    else missed.push(g);
  }
  const tp = used.size;
  const precision = predicted.length ? tp / predicted.length : 0;
  const recall = truth.length ? tp / truth.length : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, missed, spurious: predicted.filter((_, i) => !used.has(i)) };
}

// ---------------------------------------------------------------------------------------------
// The job as a child process under the container contract.

interface JobRun { status: number | null; stdout: string; stderr: string; root: string }

function runJob(tracks: string | TracksFile | null, model?: unknown): JobRun {
  const root = mkdtempSync(join(tmpdir(), 'bing-action-'));
  roots.push(root);
  const input = join(root, 'processing', 'input', 'tracks');
  mkdirSync(input, { recursive: true });
  if (tracks !== null) writeFileSync(join(input, 'tracks.json'), typeof tracks === 'string' ? tracks : JSON.stringify(tracks));
  if (model !== undefined) {
    const dir = join(root, 'processing', 'input', 'model');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(model));
  }
  const child = spawnSync(process.execPath, jobCommands().action.slice(1), {
    cwd: join(__dirname, '..'),
    env: { ...process.env, BING_JOB_ROOT: root },
    encoding: 'utf8',
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr, root };
}

const actionsOf = (run: JobRun): ActionsFile & { motion?: unknown[] } =>
  JSON.parse(readFileSync(join(run.root, 'processing', 'output', 'actions', 'actions.json'), 'utf8')) as ActionsFile & { motion?: unknown[] };

function report(label: string, s: Score): void {
  const pct = (v: number) => v.toFixed(3);
  console.log(`${label}: precision ${pct(s.precision)} recall ${pct(s.recall)} F1 ${pct(s.f1)}`);
  for (const m of s.missed) console.log(`  missed ${m.action} [${m.trackIds.join(',')}] ${m.start.toFixed(2)}-${m.end.toFixed(2)}`);
  for (const p of s.spurious) console.log(`  spurious ${p.action} [${p.trackIds.join(',')}] ${p.start.toFixed(2)}-${p.end.toFixed(2)} (${p.confidence})`);
}

describe('action job', () => {
  const truth = groundTruth();

  it('has a ground truth that holds every kind of event', () => {
    const kinds = new Set(truth.map((e) => e.action));
    expect([...kinds].sort()).toEqual(['dribble', 'meet', 'pass', 'possession', 'shot', 'sprint', 'start-moving', 'stop', 'tackle']);
    const meets = truth.filter((e) => e.action === 'meet').map((e) => e.trackIds.join());
    expect(meets.sort()).toEqual(['2,4', '3,5']);
  });

  it.each([
    { scale: 1, fps: 25, seed: 1, pan: 0 },
    { scale: 0.5, fps: 25, seed: 2, pan: 0 },
    { scale: 1.5, fps: 30, seed: 3, pan: 0 },
    { scale: 1, fps: 25, seed: 8, pan: 25 },
  ])('recovers the scripted events at scale $scale, $fps fps, camera pan $pan px/s', ({ scale, fps, seed, pan }) => {
    const run = runJob(makeTracks({ scale, fps, seed, pan }));
    expect(run.status, run.stderr).toBe(0);
    const actions = actionsOf(run);
    expect(actions.model).toEqual({ name: 'bing-action-rules', version: 'builtin' });
    expect(actions.video.fps).toBe(fps);
    for (const e of actions.events) {
      expect(e.confidence).toBeGreaterThanOrEqual(0);
      expect(e.confidence).toBeLessThanOrEqual(1);
      expect(e.end).toBeGreaterThanOrEqual(e.start);
    }
    expect(new Set(actions.events.map((e) => e.id)).size).toBe(actions.events.length);
    const s = score(actions.events, truth);
    report(`scale ${scale}, ${fps} fps, pan ${pan}`, s);
    expect(s.f1).toBeGreaterThanOrEqual(0.8);
    // Progress lines on stdout are JSON, the last one complete.
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; progress: number });
    expect(lines.at(-1)).toMatchObject({ type: 'progress', progress: 1 });
    expect(actions.motion?.length).toBe(PLAYERS.length);
  });

  it('takes a panning camera off the players\' motion', () => {
    const tracks = makeTracks({ scale: 1, fps: 25, seed: 9, pan: 40 });
    const on = score(actionsOf(runJob(tracks)).events, truth);
    const off = score(actionsOf(runJob(tracks, { version: 'no-camera', params: { cameraCompensation: false } })).events, truth);
    report('pan 40, compensated', on);
    report('pan 40, not compensated', off);
    expect(on.f1).toBeGreaterThanOrEqual(0.8);
    expect(on.f1).toBeGreaterThan(off.f1);
  });

  it('recognises motion and meetings without a ball', () => {
    const run = runJob(makeTracks({ scale: 1, fps: 25, seed: 4, withBall: false }));
    expect(run.status, run.stderr).toBe(0);
    const events = actionsOf(run).events;
    const s = score(events, groundTruth(false));
    report('no ball', s);
    expect(s.f1).toBeGreaterThanOrEqual(0.8);
    expect(events.filter((e) => ['possession', 'pass', 'shot', 'dribble', 'tackle'].includes(e.action))).toEqual([]);
  });

  it('stays accurate under heavier detection noise and missed detections', () => {
    const run = runJob(makeTracks({ scale: 1, fps: 25, seed: 5, jitter: 0.06, miss: 0.3 }));
    expect(run.status, run.stderr).toBe(0);
    const s = score(actionsOf(run).events, truth);
    report('noisy', s);
    expect(s.f1).toBeGreaterThanOrEqual(0.8);
  });

  it('uses the model it is given: version and thresholds', () => {
    const tracks = makeTracks({ scale: 1, fps: 25, seed: 6 });
    const run = runJob(tracks, { version: 'test-7', params: { sprintMinSeconds: 60 } });
    expect(run.status, run.stderr).toBe(0);
    const actions = actionsOf(run);
    expect(actions.model.version).toBe('test-7');
    expect(actions.events.filter((e) => e.action === 'sprint')).toEqual([]);
    expect(actions.events.some((e) => e.action === 'start-moving')).toBe(true);
  });

  it('fails with the reason on a bad model', () => {
    const run = runJob(makeTracks({ scale: 1, fps: 25, seed: 7 }), { version: 'x', params: { walkSpeed: -1 } });
    expect(run.status).toBe(1);
    expect(readFileSync(join(run.root, 'output', 'failure'), 'utf8')).toMatch(/walkSpeed/);
  });

  it.each([
    { name: 'not JSON', body: '{"video": ', reason: /tracks\.json is not valid JSON/ },
    { name: 'no tracks', body: JSON.stringify({ video: { width: 1, height: 1, fps: 25, frames: 1, duration: 0.04 }, detector: {} }), reason: /tracks\.json is malformed: tracks/ },
    { name: 'a box without height', body: JSON.stringify({ video: { width: 1, height: 1, fps: 25, frames: 1, duration: 0.04 }, detector: {}, tracks: [{ id: 1, class: 'person', team: 0, color: null, boxes: [{ frame: 1, x: 0, y: 0, w: 1, score: 1 }] }] }), reason: /tracks\.0\.boxes\.0\.h/ },
    { name: 'a zero frame rate', body: JSON.stringify({ video: { width: 1, height: 1, fps: 0, frames: 1, duration: 0.04 }, detector: {}, tracks: [] }), reason: /video\.fps/ },
  ])('fails with the reason on malformed tracks.json: $name', ({ body, reason }) => {
    const run = runJob(body);
    expect(run.status).toBe(1);
    expect(readFileSync(join(run.root, 'output', 'failure'), 'utf8')).toMatch(reason);
    expect(existsSync(join(run.root, 'processing', 'output', 'actions', 'actions.json'))).toBe(false);
  });

  // The clip generator's ground truth (test/fixtures/clip), when it is there: its gt.txt boxes and
  // teams as a TracksFile, its events.json as the truth.
  const generator = join(__dirname, 'fixtures', 'clip', 'index.ts');
  it.skipIf(!existsSync(generator)).each([11, 12])('recovers the events of generated clip %i from its ground-truth tracks', async (seed) => {
    const { makeClip } = (await import(generator)) as { makeClip: (o: { seed: number; outDir: string; seconds?: number }) => Promise<{ gtPath: string; ballPath: string; eventsPath: string; scenePath: string }> };
    const dir = mkdtempSync(join(tmpdir(), 'bing-action-clip-'));
    roots.push(dir);
    const clip = await makeClip({ seed, outDir: dir, seconds: 12 });
    const scene = JSON.parse(readFileSync(clip.scenePath, 'utf8')) as { players: { id: number; team: 0 | 1 }[] };
    const { video, events } = JSON.parse(readFileSync(clip.eventsPath, 'utf8')) as { video: TracksFile['video']; events: ActionEvent[] };
    const tracks = new Map<number, Track>();
    for (const [path, cls] of [[clip.gtPath, 'person'], [clip.ballPath, 'ball']] as const) {
      for (const line of readFileSync(path, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const [frame, id, x, y, w, h] = line.split(',').map(Number) as [number, number, number, number, number, number];
        let track = tracks.get(id);
        if (!track) {
          track = { id, class: cls, team: cls === 'person' ? scene.players.find((p) => p.id === id)?.team ?? null : null, color: null, boxes: [] };
          tracks.set(id, track);
        }
        track.boxes.push({ frame, x, y, w, h, score: 1 });
      }
    }
    const run = runJob({ video, detector: { name: 'ground truth' }, tracks: [...tracks.values()] });
    expect(run.status, run.stderr).toBe(0);
    const s = score(actionsOf(run).events, events);
    report(`generated clip ${seed}`, s);
    expect(s.f1).toBeGreaterThanOrEqual(0.8);
  });

  it('fails with the reason when tracks.json is missing', () => {
    const run = runJob(null);
    expect(run.status).toBe(1);
    expect(readFileSync(join(run.root, 'output', 'failure'), 'utf8')).toMatch(/tracks\/tracks\.json is missing/);
  });
});
