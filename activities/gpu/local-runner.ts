// Runs the jobs/ programs as child processes under the SageMaker container contract, each in its
// own directory {jobsDir}/{name} with a state file. The process is detached and records its own
// exit code, so a job outlives a worker that dies and is adopted by the next attempt.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import type { Storage } from '../storage/storage';
import { JobAlreadyExists, type GpuJobRunner, type JobDescription, type JobKind, type JobSpec } from './runner';
import { tracer, traceparentEnv } from '../../common/tracing';

interface JobState extends JobDescription {
  spec: JobSpec;
  pid?: number;
  stopRequested?: boolean;
}

export interface LocalRunnerOptions {
  jobsDir: string;
  storage: Storage;
  /** The command line of each job program. */
  commands: Record<JobKind, string[]>;
  stopGraceMs: number;
  environment?: Record<string, string>;
}

const isTraining = (kind: JobKind) => kind === 'train';

/**
 * What a job process takes from the worker's environment: where programs and temporary files are,
 * the locale, Node's own settings. Never the worker's secrets (API keys, the OpenAI key, AWS
 * credentials, signing and webhook secrets): the rest of a job's environment is its spec's, as on SageMaker.
 */
const inherited = ['PATH', 'HOME', 'USER', 'LOGNAME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LANGUAGE', 'LC_ALL', 'TZ', 'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS'];

const inheritedEnvironment = (): Record<string, string> =>
  Object.fromEntries(inherited.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])));

const inputDir = (dir: string, kind: JobKind, channel: string) =>
  isTraining(kind) ? join(dir, 'input', 'data', channel) : join(dir, 'processing', 'input', channel);

const outputDir = (dir: string, kind: JobKind, name: string) =>
  isTraining(kind) ? join(dir, name === 'model' ? 'model' : join('output', name)) : join(dir, 'processing', 'output', name);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

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

function isAlive(pid: number | undefined, jobDir: string): boolean {
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

const staleLockMs = 120_000;

/** Runs `fn` holding the job's launch lock; false when another caller holds it. */
async function withLaunchLock(dir: string, fn: () => Promise<boolean>): Promise<boolean> {
  const lock = join(dir, 'launch.lock');
  const taken = await open(lock, 'wx').catch(() => undefined);
  if (!taken) {
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age < staleLockMs) return false;
    await rm(lock, { force: true });
    return withLaunchLock(dir, fn);
  }
  try {
    return await fn();
  } finally {
    await taken.close();
    await rm(lock, { force: true });
  }
}

export class LocalJobRunner implements GpuJobRunner {
  constructor(private readonly options: LocalRunnerOptions) {}

  private dir(name: string): string {
    return join(this.options.jobsDir, name);
  }

  private async readState(name: string): Promise<JobState | undefined> {
    const text = await readFile(join(this.dir(name), 'state.json'), 'utf8').catch(() => undefined);
    return text ? (JSON.parse(text) as JobState) : undefined;
  }

  private async writeState(state: JobState): Promise<void> {
    const path = join(this.dir(state.name), 'state.json');
    const temp = `${path}.${randomUUID()}.tmp`;
    await writeFile(temp, JSON.stringify(state, null, 2));
    await rename(temp, path);
  }

  async start(name: string, spec: JobSpec): Promise<void> {
    const dir = this.dir(name);
    await mkdir(dir, { recursive: true });
    // One launch at a time per job, under its lock; whoever does not get the lock adopts the job.
    const launched = await withLaunchLock(dir, async () => {
      const existing = await this.readState(name);
      if (!existing) {
        await this.launch({
          name, kind: spec.kind, subject: spec.subject, spec, status: 'InProgress', progress: 0, starts: 0,
          startedAt: new Date().toISOString(),
        });
        return true;
      }
      // A job whose process is gone without an exit code is started again.
      if ((await this.describe(name))?.status !== 'Lost') return false;
      await this.launch(existing);
      return true;
    });
    if (!launched) throw new JobAlreadyExists(name);
  }

  /** Starts (or starts again) the job's process, after fetching its inputs. */
  private async launch(state: JobState): Promise<void> {
    const dir = this.dir(state.name);
    const { spec } = state;
    await Promise.all(['processing', 'input', 'output', 'model', 'exit-code'].map((p) => rm(join(dir, p), { recursive: true, force: true })));
    for (const [channel, key] of Object.entries(spec.inputs)) {
      const target = inputDir(dir, spec.kind, channel);
      await mkdir(target, { recursive: true });
      const keys = key.endsWith('/') ? await this.options.storage.list(key) : [key];
      for (const k of keys) {
        const rel = key.endsWith('/') ? k.slice(key.length) : k.split('/').pop()!;
        await this.options.storage.download(k, join(target, ...rel.split('/')));
      }
    }
    if (isTraining(spec.kind)) {
      await mkdir(join(dir, 'input', 'config'), { recursive: true });
      await writeFile(join(dir, 'input', 'config', 'hyperparameters.json'), JSON.stringify(spec.hyperparameters ?? {}));
    }
    const [command, ...args] = this.options.commands[spec.kind];
    if (!command) throw new Error(`no command configured for ${spec.kind} jobs`);
    const script = 'cd "$1" && shift && "$@" >>stdout.log 2>>stderr.log; echo $? >exit-code.tmp && mv exit-code.tmp exit-code';
    const child = tracer().startActiveSpan('job launch', { attributes: { 'bing.job.name': state.name, 'bing.job.kind': spec.kind } }, (span) => {
      try {
        return spawn('/bin/sh', ['-c', script, 'bing-job', dir, command, ...args], {
          detached: true,
          stdio: 'ignore',
          env: { ...inheritedEnvironment(), ...this.options.environment, ...spec.environment, BING_JOB_ROOT: dir, BING_JOB_NAME: state.name, ...traceparentEnv() },
        });
      } finally {
        span.end();
      }
    });
    child.unref();
    await this.writeState({ ...state, status: 'InProgress', pid: child.pid, starts: state.starts + 1, progress: 0 });
  }

  async describe(name: string): Promise<JobDescription | undefined> {
    const state = await this.readState(name);
    if (!state) return undefined;
    if (state.status !== 'InProgress' && state.status !== 'Stopping') return publicView(state);
    const dir = this.dir(name);
    const exitCode = await readFile(join(dir, 'exit-code'), 'utf8').then((s) => Number(s.trim()), () => undefined);
    if (exitCode === undefined) {
      if (isAlive(state.pid, dir)) return publicView({ ...state, progress: await this.progress(name, state.progress) });
      // The process is gone without an exit code: killed with its worker, or the machine restarted.
      if (state.stopRequested) return this.finish(state, { status: 'Stopped' });
      // A second look: the exit code may have landed between the two reads.
      if (existsSync(join(dir, 'exit-code'))) return this.describe(name);
      return publicView({ ...state, status: 'Lost' });
    }
    if (state.stopRequested) return this.finish(state, { status: 'Stopped' });
    if (exitCode !== 0) return this.finish(state, { status: 'Failed', failureReason: await this.failureReason(name, exitCode) });
    return this.finish(state, { status: 'Completed', progress: 1, outputs: await this.collectOutputs(state) });
  }

  private async finish(state: JobState, change: Partial<JobState>): Promise<JobDescription> {
    const done: JobState = { ...state, ...change, endedAt: new Date().toISOString() };
    await this.writeState(done);
    return publicView(done);
  }

  private async progress(name: string, last: number): Promise<number> {
    const lines = (await tail(join(this.dir(name), 'stdout.log'), 4096)).split('\n').reverse();
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

  private async failureReason(name: string, exitCode: number): Promise<string> {
    const dir = this.dir(name);
    const failure = await readFile(join(dir, 'output', 'failure'), 'utf8').catch(() => '');
    if (failure.trim()) return failure.trim().slice(0, 1024);
    const stderr = (await tail(join(dir, 'stderr.log'), 1024)).trim().split('\n').slice(-3).join(' | ');
    return `exit code ${exitCode}${stderr ? `: ${stderr}` : ''}`;
  }

  private async collectOutputs(state: JobState): Promise<string[]> {
    if (isTraining(state.spec.kind)) return this.packModel(state);
    const keys: string[] = [];
    for (const [output, prefix] of Object.entries(state.spec.outputs)) {
      const dir = outputDir(this.dir(state.name), state.spec.kind, output);
      for (const file of await filesUnder(dir)) {
        const key = `${prefix}${file}`;
        await this.options.storage.upload(join(dir, ...file.split('/')), key);
        keys.push(key);
      }
    }
    return keys;
  }

  /** As SageMaker does: {root}/model becomes {prefix}{name}/output/model.tar.gz under the one output prefix. */
  private async packModel(state: JobState): Promise<string[]> {
    const prefixes = Object.values(state.spec.outputs);
    if (prefixes.length !== 1 || !prefixes[0]!.endsWith('/')) throw new Error(`a training job has exactly one output prefix ending in '/'; got ${JSON.stringify(state.spec.outputs)}`);
    const modelDir = join(this.dir(state.name), 'model');
    const files = await filesUnder(modelDir);
    if (files.length === 0) return [];
    const archive = join(this.dir(state.name), 'model.tar.gz');
    await tar.create({ gzip: true, cwd: modelDir, file: archive, portable: true }, files);
    const key = `${prefixes[0]}${state.name}/output/model.tar.gz`;
    await this.options.storage.upload(archive, key);
    return [key];
  }

  async stop(name: string): Promise<void> {
    const state = await this.readState(name);
    if (!state || (state.status !== 'InProgress' && state.status !== 'Stopping')) return;
    await this.writeState({ ...state, status: 'Stopping', stopRequested: true });
    const dir = this.dir(name);
    const signal = (sig: NodeJS.Signals) => {
      try {
        if (state.pid && isAlive(state.pid, dir)) process.kill(-state.pid, sig);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + this.options.stopGraceMs;
    while (isAlive(state.pid, dir) && Date.now() < deadline) await sleep(100);
    signal('SIGKILL');
    while (isAlive(state.pid, dir)) await sleep(50);
    await Promise.all(['processing', 'output', 'model'].map((p) => rm(join(dir, p), { recursive: true, force: true })));
    await this.finish({ ...state, stopRequested: true }, { status: 'Stopped' });
  }

  async list(): Promise<JobDescription[]> {
    const names = await readdir(this.options.jobsDir).catch(() => []);
    const jobs = await Promise.all(names.map((n) => this.describe(n)));
    return jobs.filter((j): j is JobDescription => j !== undefined).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }
}

function publicView(state: JobState): JobDescription {
  const { spec: _spec, pid: _pid, stopRequested: _stop, ...view } = state;
  return view;
}

/**
 * Kills every job process under jobsDir and leaves the state files as they are: those jobs are
 * Lost, and start again when their workflows resume. The local launcher calls this as it stops.
 */
export async function killJobProcesses(jobsDir: string): Promise<number> {
  let killed = 0;
  for (const name of await readdir(jobsDir).catch(() => [])) {
    const dir = join(jobsDir, name);
    const state = await readFile(join(dir, 'state.json'), 'utf8').then((s) => JSON.parse(s) as JobState, () => undefined);
    if (state?.pid && isAlive(state.pid, dir)) {
      try {
        process.kill(-state.pid, 'SIGKILL');
        killed++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return killed;
}
