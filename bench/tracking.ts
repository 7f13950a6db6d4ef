// Tracking and action-recognition evaluation on generated clips with seeds the tests do not use
// (tests use 1-12 and 101; the tracker was tuned on 201-264): MOTA and IDF1 from motmetrics' own MOTChallenge app (PyPI
// motmetrics==1.4.0 under .tools/py), HOTA by jobs/mot-hota.ts (1.4.0 has none), action
// events by precision, recall and F1 at ±1 s, and the MOT job's speed beside ffmpeg's decode-only
// speed and the clip's frame rate, with each job's peak RSS. The MOT job and the decode-only ffmpeg
// run on one core (`taskset -c 0`, ffmpeg and ffprobe included, as they inherit it); besides wall
// time the job's CPU time (its own and its children's) is read, which is what it would take on a
// core of its own when others share that core.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionEvent, ActionName, ActionsFile, TracksFile } from '../jobs/formats';
import { makeClip, type Clip } from '../test/fixtures/clip';
import { matchEvents, prf, type Counts } from '../jobs/event-match';
import { mapIds } from './tracking-events';
import { readMot } from '../test/fixtures/clip/score';
import { hota } from '../jobs/mot-hota';
import { DEFAULT_MOT_SETTINGS } from '../jobs/mot/settings';
import { CORE, motmetricsEval, oneCore, pyPath, r1, r3, runAction, runMot, tracksOut, work, type JobRun } from './tracking-jobs';
import { peersInstalled, sameDetectionsBench, type Row } from './tracking-peers';
import { realFootageBench, realSequences } from './tracking-real';

const SEEDS = [301, 302, 303, 304, 305, 306, 307, 308, 309, 310];
const SPEED_SEED = 306;
const SECONDS = 10;
/** The generator's frame rate. */
const CLIP_FPS = 25;
/**
 * Every frame on a short clip; the default cadence on a longer one, where the job's start-up (about
 * a second: Node, the model, the first inference) weighs as little as it does on a real match.
 */
const SPEED_RUNS = [{ stride: '1', seconds: 4 }, { stride: undefined, seconds: 30 }];
const SPEED_REPEATS = 3;
/** The frame rates the same scene is detected at, to show the cadence follows video time. */
const CADENCE_FPS = [25, 10];
const DEFAULT_CADENCE = `${r1(DEFAULT_MOT_SETTINGS.detectionsPerSecond)}/s (default)`;
/** ffmpeg's decode-only speed on the same core: frames / wall seconds of `ffmpeg -i clip -f null -`. */
function decodeFps(video: string, frames: number): number {
  const started = performance.now();
  execFileSync(...oneCore(['ffmpeg', '-v', 'error', '-i', video, '-f', 'null', '-']), { stdio: 'ignore' });
  return frames / ((performance.now() - started) / 1000);
}

/** Frames the detector ran on per second of video. */
function detectionsPerSecond({ detector, video }: TracksFile): number {
  return Number(detector.detectionFrames) / (video.frames / video.fps);
}

export async function trackingBench(): Promise<{ notes: string[]; tracking: Row[]; sameDetections: Row[]; realFootage: Row[]; actions: Row[]; speed: Row[] }> {
  if (!existsSync(join(pyPath, 'motmetrics'))) throw new Error(`motmetrics is not under ${pyPath}: run infra/install-tools`);
  if (!peersInstalled()) throw new Error('trackers is not under .tools/trackers: run infra/install-tools');
  const notes: string[] = [];
  rmSync(work, { recursive: true, force: true });
  const gtDir = join(work, 'mot', 'gt');
  const testDir = join(work, 'mot', 'test');
  mkdirSync(testDir, { recursive: true });

  const tracking: Row[] = [];
  const perSeed: { seed: number; clip: Clip; mot: JobRun; act: JobRun; frames: number; jobFps: number }[] = [];
  for (const seed of SEEDS) {
    const clip = await makeClip({ seed, seconds: SECONDS, outDir: join(work, 'clips', String(seed)) });
    const mot = await runMot(`mot-${seed}`, clip.videoPath);
    const seq = `seed-${seed}`;
    mkdirSync(join(gtDir, seq, 'gt'), { recursive: true });
    copyFileSync(clip.gtPath, join(gtDir, seq, 'gt', 'gt.txt'));
    copyFileSync(join(tracksOut(mot), 'tracks.txt'), join(testDir, `${seq}.txt`));
    const tracks = JSON.parse(readFileSync(join(tracksOut(mot), 'tracks.json'), 'utf8')) as TracksFile;
    const act = await runAction(`action-${seed}`, join(tracksOut(mot), 'tracks.json'));
    perSeed.push({ seed, clip, mot, act, frames: tracks.video.frames, jobFps: Number(tracks.detector.framesPerSecond) });
  }

  const mm = motmetricsEval(gtDir, testDir);
  for (const { seed, clip, mot } of perSeed) {
    const m = mm.get(`seed-${seed}`);
    if (!m) throw new Error(`motmetrics gave no row for seed ${seed}`);
    const h = hota(readMot(clip.gtPath), readMot(join(tracksOut(mot), 'tracks.txt')));
    tracking.push({
      clip: `seed ${seed}`, MOTA: r3(m.MOTA!), IDF1: r3(m.IDF1!), HOTA: r3(h.hota), DetA: r3(h.detA), AssA: r3(h.assA),
      MOTP: r3(m.MOTP!), FP: m.FP!, FN: m.FN!, IDs: m.IDs!, GT: m.GT!,
    });
  }
  const mean = (k: string): number => r3(tracking.reduce((s, r) => s + Number(r[k]), 0) / tracking.length);
  const sum = (k: string): number => tracking.reduce((s, r) => s + Number(r[k]), 0);
  tracking.push({
    clip: `mean of ${tracking.length}`, MOTA: mean('MOTA'), IDF1: mean('IDF1'), HOTA: mean('HOTA'), DetA: mean('DetA'), AssA: mean('AssA'),
    MOTP: mean('MOTP'), FP: sum('FP'), FN: sum('FN'), IDs: sum('IDs'), GT: sum('GT'),
  });

  // Actions: pooled over the clips, by action and overall; by time only and with ids mapped.
  const byTime = new Map<ActionName, Counts>();
  const withIds = new Map<ActionName, Counts>();
  const add = (into: Map<ActionName, Counts>, from: Map<ActionName, Counts>): void => {
    for (const [a, c] of from) {
      const t = into.get(a) ?? { truth: 0, predicted: 0, tp: 0 };
      into.set(a, { truth: t.truth + c.truth, predicted: t.predicted + c.predicted, tp: t.tp + c.tp });
    }
  };
  const total = (m: Map<ActionName, Counts>): Counts => [...m.values()].reduce((s, c) => ({ truth: s.truth + c.truth, predicted: s.predicted + c.predicted, tp: s.tp + c.tp }), { truth: 0, predicted: 0, tp: 0 });
  const actionRow = (what: string, c: Counts, ids: Counts): Row => {
    const s = prf(c);
    return { events: what, truth: c.truth, predicted: c.predicted, matched: c.tp, precision: r3(s.precision), recall: r3(s.recall), F1: r3(s.f1), 'F1 same players': r3(prf(ids).f1) };
  };
  const actions: Row[] = [];
  for (const { seed, clip, mot, act } of perSeed) {
    const truth = (JSON.parse(readFileSync(clip.eventsPath, 'utf8')) as { events: ActionEvent[] }).events;
    const predicted = (JSON.parse(readFileSync(join(act.root, 'processing', 'output', 'actions', 'actions.json'), 'utf8')) as ActionsFile).events;
    const t = matchEvents(predicted, truth, 1);
    const i = matchEvents(predicted, truth, 1, mapIds(readMot(clip.gtPath), readMot(join(tracksOut(mot), 'tracks.txt'))));
    add(byTime, t);
    add(withIds, i);
    actions.push(actionRow(`seed ${seed}, all`, total(t), total(i)));
  }
  for (const a of [...byTime.keys()].sort()) actions.push(actionRow(a, byTime.get(a)!, withIds.get(a)!));
  actions.push(actionRow('all, pooled', total(byTime), total(withIds)));

  // Speed: clips of one scene at stride 1 and the default, beside ffmpeg decoding the same clip.
  const speed: Row[] = [];
  const speedRow = (what: string, cadence: string, frames: number, run: JobRun, inJobFps: number, dec: number): Row => {
    const fps = frames / run.seconds;
    return {
      run: what, cores: `taskset -c ${CORE}`, cadence, frames, 'wall s': r1(run.seconds), 'CPU s': r1(run.cpuSeconds), 'job fps': r1(fps), 'job fps excl. startup': r1(inJobFps),
      'ffmpeg decode fps': r1(dec), 'job / decode': r3(fps / dec), 'real-time factor': r3(fps / CLIP_FPS), 'real-time factor by CPU s': r3(frames / CLIP_FPS / run.cpuSeconds), 'peak RSS MiB': run.peakRssMiB,
    };
  };
  // The core is shared with whatever else runs on the machine: each run is repeated, and the
  // spread of the wall times is reported beside the median run.
  for (const { stride, seconds } of SPEED_RUNS) {
    const clip = await makeClip({ seed: SPEED_SEED, seconds, outDir: join(work, 'clips', `${SPEED_SEED}-${seconds}s`) });
    const frames = seconds * CLIP_FPS;
    const decode = decodeFps(clip.videoPath, frames);
    const runs: JobRun[] = [];
    for (let k = 0; k < SPEED_REPEATS; k++) runs.push(await runMot(`speed-${stride ?? 'default'}-${k}`, clip.videoPath, stride ? { BING_DETECT_STRIDE: stride } : {}));
    runs.sort((a, b) => a.seconds - b.seconds);
    const run = runs[runs.length >> 1]!;
    const t = JSON.parse(readFileSync(join(tracksOut(run), 'tracks.json'), 'utf8')) as TracksFile;
    speed.push({
      ...speedRow(`MOT, ${seconds} s clip (seed ${SPEED_SEED}), median of ${runs.length}`, stride ? 'every frame' : DEFAULT_CADENCE, frames, run, Number(t.detector.framesPerSecond), decode),
      'wall s range': `${r1(runs[0]!.seconds)}-${r1(runs[runs.length - 1]!.seconds)}`,
    });
  }
  for (const { seed, clip, mot, frames, jobFps } of perSeed) {
    speed.push(speedRow(`MOT, ${SECONDS} s clip (seed ${seed})`, DEFAULT_CADENCE, frames, mot, jobFps, decodeFps(clip.videoPath, frames)));
  }
  // One scene at two frame rates: detected as often per second of video.
  const scene = perSeed.find((p) => p.seed === SPEED_SEED)!;
  for (const fps of CADENCE_FPS) {
    const video = join(work, 'clips', `${SPEED_SEED}-${fps}fps.mp4`);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', scene.clip.videoPath, '-r', String(fps), '-c:v', 'libx264', '-preset', 'veryfast', video]);
    const run = await runMot(`cadence-${fps}fps`, video);
    const t = JSON.parse(readFileSync(join(tracksOut(run), 'tracks.json'), 'utf8')) as TracksFile;
    speed.push({ run: `MOT, ${SECONDS} s clip (seed ${SPEED_SEED}) at ${fps} fps`, cadence: DEFAULT_CADENCE, frames: t.video.frames, 'detection frames per second of video': r3(detectionsPerSecond(t)) });
  }
  for (const { seed, act } of perSeed) {
    speed.push({ run: `action, ${SECONDS} s clip (seed ${seed})`, 'wall s': r1(act.seconds), 'peak RSS MiB': act.peakRssMiB });
  }

  const real = realSequences(notes);
  const sameDetections = await sameDetectionsBench([
    ...perSeed.map(({ seed, clip }) => ({ name: `seed-${seed}`, group: 'generated', video: clip.videoPath, gt: clip.gtPath })),
    ...real,
  ]);
  const realFootage = await realFootageBench(real, notes);
  return { notes, tracking, sameDetections, realFootage, actions, speed };
}
