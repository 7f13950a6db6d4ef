// The tracking bench's runs: the MOT job on one core and the action job as child processes, with
// their wall time, CPU time and peak RSS, and motmetrics' MOTChallenge app as the one scorer of
// every tracker's output (PyPI motmetrics==1.4.0 under .tools/py).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jobCommands } from '../common/job-programs';

export const repo = join(__dirname, '..');
export const work = join(__dirname, 'out', 'tracking');
export const pyPath = join(repo, '.tools', 'py');

export interface JobRun {
  root: string;
  seconds: number;
  /** CPU seconds of the job and the children it waited for (ffmpeg, ffprobe). */
  cpuSeconds: number;
  peakRssMiB: number;
}

/** The core everything timed here is pinned to. */
export const CORE = '0';
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The command that runs `argv` on one core. */
export function oneCore(argv: string[]): [string, string[]] {
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

export async function runMot(name: string, video: string, env: Record<string, string> = {}): Promise<JobRun> {
  const root = join(work, 'jobs', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'processing', 'input', 'video'), { recursive: true });
  copyFileSync(video, join(root, 'processing', 'input', 'video', basename(video)));
  return runJob('mot', root, env);
}

export async function runAction(name: string, tracksJson: string): Promise<JobRun> {
  const root = join(work, 'jobs', name);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'processing', 'input', 'tracks'), { recursive: true });
  copyFileSync(tracksJson, join(root, 'processing', 'input', 'tracks', 'tracks.json'));
  return runJob('action', root);
}

export const tracksOut = (run: JobRun): string => join(run.root, 'processing', 'output', 'tracks');
export const actionsOut = (run: JobRun): string => join(run.root, 'processing', 'output', 'actions', 'actions.json');

/**
 * motmetrics' MOTChallenge app over GT_DIR/<seq>/gt/gt.txt and TEST_DIR/<seq>.txt; its summary
 * table parsed back (percentages to fractions), one row per sequence and OVERALL.
 */
export function motmetricsEval(gtDir: string, testDir: string): Map<string, Record<string, number>> {
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

export const r3 = (v: number): number => Math.round(v * 1000) / 1000;
export const r1 = (v: number): number => Math.round(v * 10) / 10;
