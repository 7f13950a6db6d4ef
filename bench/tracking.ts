// Tracking and action-recognition evaluation on generated clips with seeds the tests do not use
// (tests use 1-12 and 101; the tracker was tuned on 201-264): MOTA and IDF1 from motmetrics' own MOTChallenge app (PyPI
// motmetrics==1.4.0 under .tools/py), HOTA by jobs/mot-hota.ts (1.4.0 has none), action
// events by precision, recall and F1 at ±1 s, and the MOT job's speed beside ffmpeg's decode-only
// speed and the clip's frame rate, with each job's peak RSS. The MOT job and the decode-only ffmpeg
// run on one core (`taskset -c 0`, ffmpeg and ffprobe included, as they inherit it); besides wall
// time the job's CPU time (its own and its children's) is read, which is what it would take on a
// core of its own when others share that core.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ActionEvent, ActionName, ActionsFile, TracksFile } from '../jobs/formats';
import { makeClip, type Clip } from '../test/fixtures/clip';
import { matchEvents, prf, type Counts } from '../jobs/event-match';
import { mapIds } from './tracking-events';
import { readMot } from '../test/fixtures/clip/score';
import { hota } from '../jobs/mot-hota';
import { jobCommands } from '../common/job-programs';
import { DEFAULT_MOT_SETTINGS } from '../jobs/mot/settings';

export type Row = Record<string, string | number>;

const SEEDS = [301, 302, 303, 304, 305, 306, 307, 308, 309, 310];
const SPEED_SEED = 306;
const SECONDS = 10;
/** The generator's frame rate. */
const CLIP_FPS = 25;
/** The job is run without BING_DETECT_STRIDE for it. */
const DEFAULT_STRIDE = String(Math.round(CLIP_FPS / DEFAULT_MOT_SETTINGS.detectionsPerSecond));
/**
 * Stride 1 on a short clip; the default stride on a longer one, where the job's start-up (about
 * a second: Node, the model, the first inference) weighs as little as it does on a real match.
 */
const SPEED_RUNS = [{ stride: '1', seconds: 4 }, { stride: DEFAULT_STRIDE, seconds: 30 }];
const SPEED_REPEATS = 3;
const repo = join(__dirname, '..');
const work = join(__dirname, 'out', 'tracking');
const pyPath = join(repo, '.tools', 'py');

interface JobRun {
  root: string;
  seconds: number;
  /** CPU seconds of the job and the children it waited for (ffmpeg, ffprobe). */
  cpuSeconds: number;
  peakRssMiB: number;
}

/** The core everything timed here is pinned to. */
const CORE = '0';
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The command that runs `argv` on one core. */
function oneCore(argv: string[]): [string, string[]] {
  return ['taskset', ['-c', CORE, ...argv]];
}

/**
 * Runs a job as a child process (the MOT job on one core); wall time from spawn to exit, peak RSS
 * from /proc VmHWM and CPU time from /proc stat (utime, stime, cutime, cstime), polled.
 */
async function runJob(job: 'mot' | 'action', root: string, env: Record<string, string> = {}): Promise<JobRun> {
  const argv = [...jobCommands()[job]];
  const [command, args] = job === 'mot' ? oneCore(argv) : [argv[0]!, argv.slice(1)];
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: repo,
    env: { ...process.env, BING_JOB_ROOT: root, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let hwmKiB = 0;
  let ticks = 0;
  const poll = (): void => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) hwmKiB = Math.max(hwmKiB, Number(m[1]));
      // The fields after the command name's closing parenthesis; utime is the 14th field of the line.
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks = Math.max(ticks, fields.slice(11, 15).reduce((sum, v) => sum + Number(v), 0));
    } catch {
      // gone already
    }
  };
  const timer = setInterval(poll, 25);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => {
    poll();
    resolve(c);
  }));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`${job} job failed (${code}) under ${root}: ${stderr.slice(-2000)}`);
  return { root, seconds, cpuSeconds: ticks / clockTicks, peakRssMiB: Math.round(hwmKiB / 1024) };
}

async function runMot(name: string, video: string, env: Record<string, string> = {}): Promise<JobRun> {
  const root = join(work, 'jobs', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'processing', 'input', 'video'), { recursive: true });
  copyFileSync(video, join(root, 'processing', 'input', 'video', 'video.mp4'));
  return runJob('mot', root, env);
}

async function runAction(name: string, tracksJson: string): Promise<JobRun> {
  const root = join(work, 'jobs', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'processing', 'input', 'tracks'), { recursive: true });
  copyFileSync(tracksJson, join(root, 'processing', 'input', 'tracks', 'tracks.json'));
  return runJob('action', root);
}

const tracksOut = (run: JobRun): string => join(run.root, 'processing', 'output', 'tracks');

/**
 * motmetrics' MOTChallenge app over GT_DIR/<seq>/gt/gt.txt and TEST_DIR/<seq>.txt; its summary
 * table parsed back (percentages to fractions), one row per sequence and OVERALL.
 */
function motmetricsEval(gtDir: string, testDir: string): Map<string, Record<string, number>> {
  const out = execFileSync('python3', ['-m', 'motmetrics.apps.eval_motchallenge', gtDir, testDir, '--loglevel', 'warning'], {
    env: { ...process.env, PYTHONPATH: [process.env.PYTHONPATH, pyPath].filter(Boolean).join(':') },
    encoding: 'utf8',
  });
  const lines = out.split('\n').filter((l) => l.trim());
  const header = lines[0]!.trim().split(/\s+/);
  const rows = new Map<string, Record<string, number>>();
  for (const line of lines.slice(1)) {
    const [name, ...values] = line.trim().split(/\s+/);
    if (!name || values.length !== header.length) continue;
    rows.set(name, Object.fromEntries(header.map((h, i) => {
      const v = values[i]!;
      return [h, v.endsWith('%') ? Number(v.slice(0, -1)) / 100 : Number(v)];
    })));
  }
  return rows;
}

/** ffmpeg's decode-only speed on the same core: frames / wall seconds of `ffmpeg -i clip -f null -`. */
function decodeFps(video: string, frames: number): number {
  const started = performance.now();
  execFileSync(...oneCore(['ffmpeg', '-v', 'error', '-i', video, '-f', 'null', '-']), { stdio: 'ignore' });
  return frames / ((performance.now() - started) / 1000);
}

const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const r1 = (v: number): number => Math.round(v * 10) / 10;

export async function trackingBench(): Promise<{ tracking: Row[]; actions: Row[]; speed: Row[] }> {
  if (!existsSync(join(pyPath, 'motmetrics'))) throw new Error(`motmetrics is not under ${pyPath}: run infra/install-tools`);
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
  const speedRow = (what: string, stride: string, frames: number, run: JobRun, inJobFps: number, dec: number): Row => {
    const fps = frames / run.seconds;
    return {
      run: what, cores: `taskset -c ${CORE}`, stride, frames, 'wall s': r1(run.seconds), 'CPU s': r1(run.cpuSeconds), 'job fps': r1(fps), 'job fps excl. startup': r1(inJobFps),
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
    for (let k = 0; k < SPEED_REPEATS; k++) runs.push(await runMot(`speed-${stride}-${k}`, clip.videoPath, stride === DEFAULT_STRIDE ? {} : { BING_DETECT_STRIDE: stride }));
    runs.sort((a, b) => a.seconds - b.seconds);
    const run = runs[runs.length >> 1]!;
    const t = JSON.parse(readFileSync(join(tracksOut(run), 'tracks.json'), 'utf8')) as TracksFile;
    speed.push({
      ...speedRow(`MOT, ${seconds} s clip (seed ${SPEED_SEED}), median of ${runs.length}`, stride === DEFAULT_STRIDE ? `${stride} (default)` : stride, frames, run, Number(t.detector.framesPerSecond), decode),
      'wall s range': `${r1(runs[0]!.seconds)}-${r1(runs[runs.length - 1]!.seconds)}`,
    });
  }
  for (const { seed, clip, mot, frames, jobFps } of perSeed) {
    speed.push(speedRow(`MOT, ${SECONDS} s clip (seed ${seed})`, `${DEFAULT_STRIDE} (default)`, frames, mot, jobFps, decodeFps(clip.videoPath, frames)));
  }
  for (const { seed, act } of perSeed) {
    speed.push({ run: `action, ${SECONDS} s clip (seed ${seed})`, 'wall s': r1(act.seconds), 'peak RSS MiB': act.peakRssMiB });
  }
  return { tracking, actions, speed };
}
