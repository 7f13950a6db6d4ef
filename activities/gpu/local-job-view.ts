// The local runner's jobs as their directories say, read without changing a file: each job's
// state file {jobsDir}/{name}/state.json, and what its process leaves beside it (stdout.log's
// progress lines, exit-code, output/failure). The runner builds on this; the API lists from it.
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isRunning, type JobDescription, type JobSpec, type JobStatus, type JobView } from '../../contracts/gpu-jobs';

export interface JobState extends JobDescription {
  spec: JobSpec;
  pid?: number;
  /** The machine (container) whose process table holds `pid`. */
  host?: string;
  stopRequested?: boolean;
}

/** How a live job's process stands, from its files. */
export type ProcessOutcome =
  | { ended: false; progress: number }
  | { ended: true; status: Extract<JobStatus, 'Lost' | 'Stopped' | 'Completed'> }
  | { ended: true; status: 'Failed'; failureReason: string };

async function tail(path: string, bytes: number): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return '';
  try {
    const { size } = await file.stat();
    const start = Math.max(0, size - bytes);
    const buffer = Buffer.alloc(size - start);
    await file.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}

export function isAlive(pid: number | undefined, jobDir: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A recycled pid belongs to another program: on Linux, check that it is still our job's shell.
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  try {
    return readFileSync(cmdline, 'utf8').includes(jobDir);
  } catch {
    return false;
  }
}

export const isLive = (state: JobState): boolean => state.status === 'InProgress' || state.status === 'Stopping';

export async function readState(dir: string): Promise<JobState | undefined> {
  const text = await readFile(join(dir, 'state.json'), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as JobState) : undefined;
}

const readExitCode = (dir: string): Promise<number | undefined> =>
  readFile(join(dir, 'exit-code'), 'utf8').then((s) => Number(s.trim()), () => undefined);

async function progress(dir: string, last: number): Promise<number> {
  const lines = (await tail(join(dir, 'stdout.log'), 4096)).split('\n').reverse();
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as { type?: string; progress?: number };
      if (parsed.type === 'progress' && typeof parsed.progress === 'number') return parsed.progress;
    } catch {
      // not a JSON line: the job's own output
    }
  }
  return last;
}

async function failureReason(dir: string, exitCode: number): Promise<string> {
  const failure = await readFile(join(dir, 'output', 'failure'), 'utf8').catch(() => '');
  if (failure.trim()) return failure.trim().slice(0, 1024);
  const stderr = (await tail(join(dir, 'stderr.log'), 1024)).trim().split('\n').slice(-3).join(' | ');
  return `exit code ${exitCode}${stderr ? `: ${stderr}` : ''}`;
}

/** Whether a live job's process still runs, and if not, how it ended. */
export async function processOutcome(dir: string, state: JobState): Promise<ProcessOutcome> {
  const exitCode = await readExitCode(dir);
  if (exitCode === undefined) {
    if (isAlive(state.pid, dir)) return { ended: false, progress: await progress(dir, state.progress) };
    // The process is gone without an exit code: killed with its worker, or the machine restarted.
    if (state.stopRequested) return { ended: true, status: 'Stopped' };
    // A second look: the exit code may have landed between the two reads.
    if (existsSync(join(dir, 'exit-code'))) return processOutcome(dir, state);
    return { ended: true, status: 'Lost' };
  }
  if (state.stopRequested) return { ended: true, status: 'Stopped' };
  if (exitCode !== 0) return { ended: true, status: 'Failed', failureReason: await failureReason(dir, exitCode) };
  return { ended: true, status: 'Completed' };
}

export function publicView(state: JobState): JobDescription {
  const { spec: _spec, pid: _pid, host: _host, stopRequested: _stop, ...view } = state;
  return view;
}

export class LocalJobView implements JobView {
  constructor(protected readonly jobsDir: string) {}

  protected dir(name: string): string {
    return join(this.jobsDir, name);
  }

  /**
   * As the runner's describe() would answer, without finishing anything. A job whose process
   * exited 0 stays InProgress until the runner has put its outputs in storage and recorded it
   * Completed (SageMaker's jobs, too, are InProgress while they upload); one that failed or
   * stopped shows so at once, ended when its exit code was written.
   */
  private async view(name: string): Promise<JobDescription | undefined> {
    const dir = this.dir(name);
    const state = await readState(dir);
    if (!state || !isLive(state)) return state && publicView(state);
    const outcome = await processOutcome(dir, state);
    if (!outcome.ended) return publicView({ ...state, progress: outcome.progress });
    if (outcome.status === 'Completed') return publicView({ ...state, progress: await progress(dir, state.progress) });
    if (outcome.status === 'Lost') {
      // Another container's process is invisible here: only the runner beside it can tell it is lost.
      const seenFromHere = (state.host ?? hostname()) === hostname();
      return publicView(seenFromHere ? { ...state, status: 'Lost' } : { ...state, progress: await progress(dir, state.progress) });
    }
    const exited = await stat(join(dir, 'exit-code')).then((s) => s.mtime.toISOString(), () => undefined);
    const reason = outcome.status === 'Failed' ? { failureReason: outcome.failureReason } : {};
    return publicView({ ...state, status: outcome.status, ...reason, ...(exited ? { endedAt: exited } : {}) });
  }

  async list(filter: { running?: boolean } = {}): Promise<JobDescription[]> {
    const names = await readdir(this.jobsDir).catch(() => []);
    const jobs = await Promise.all(names.map((n) => this.view(n)));
    return jobs
      .filter((j): j is JobDescription => j !== undefined && (!filter.running || isRunning(j.status)))
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}
