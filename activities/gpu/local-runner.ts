// Runs the jobs/ programs as child processes under the SageMaker container contract, each in its
// own directory {jobsDir}/{name} with a state file. The process is detached and records its own
// exit code, so a job outlives a worker that dies and is adopted by the next attempt.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as tar from 'tar';
import writeFileAtomic from 'write-file-atomic';
import type { Storage } from '../storage/storage';
import type { JobDescription, JobKind, JobSpec } from '../../contracts/gpu-jobs';
import { JobAlreadyExists, type GpuJobRunner } from './runner';
import { isAlive, isLive, LocalJobView, processOutcome, publicView, readState, type JobState } from './local-job-view';
import { withFileLock } from '../../common/file-lock';
import { tracer, traceparentEnv } from '../../common/tracing';

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

/** A live holder refreshes its lock every staleLockMs / 2; a dead worker's is taken over before its activity's next attempt. */
const staleLockMs = 30_000;
/** A dead worker's admission lock holds up its user's next jobs this long at most. */
const staleAdmissionLockMs = 30_000;

/**
 * Runs `fn` holding the job's launch lock ({dir}/launch.lock); false when another caller holds it.
 * A lock its holder stopped refreshing for staleLockMs (a dead worker's) is taken over.
 */
async function withLaunchLock(dir: string, fn: (stillHeld: () => void) => Promise<boolean>): Promise<boolean> {
  return (await withFileLock(dir, { lockfilePath: join(dir, 'launch.lock'), staleMs: staleLockMs }, fn)) ?? false;
}

export class LocalJobRunner extends LocalJobView implements GpuJobRunner {
  constructor(private readonly options: LocalRunnerOptions) {
    super(options.jobsDir);
  }

  private async writeState(state: JobState): Promise<void> {
    const path = join(this.dir(state.name), 'state.json');
    await writeFileAtomic(path, JSON.stringify(state, null, 2));
  }

  async start(name: string, spec: JobSpec): Promise<void> {
    const dir = this.dir(name);
    await mkdir(dir, { recursive: true });
    // One launch at a time per job, under its lock; whoever does not get the lock adopts the job.
    const launched = await withLaunchLock(dir, async (stillHeld) => {
      const existing = await readState(this.dir(name));
      if (!existing) {
        await this.launch({
          name, kind: spec.kind, subject: spec.subject, user: spec.user, spec, status: 'InProgress', progress: 0, starts: 0,
          startedAt: new Date().toISOString(),
        }, stillHeld);
        return true;
      }
      // A job whose process is gone without an exit code is started again.
      if ((await this.describe(name))?.status !== 'Lost') return false;
      await this.launch(existing, stillHeld);
      return true;
    });
    if (!launched) throw new JobAlreadyExists(name);
  }

  /** Under {jobsDir}/.admit-{user}.lock, which every worker process sharing the jobs directory takes; waits up to about 10 s for it. */
  async admit<T>(user: string, fn: () => Promise<T>): Promise<T | undefined> {
    const { jobsDir } = this.options;
    await mkdir(jobsDir, { recursive: true });
    const path = join(jobsDir, `.admit-${encodeURIComponent(user)}`);
    return withFileLock(path, { lockfilePath: `${path}.lock`, staleMs: staleAdmissionLockMs, retries: { retries: 40, minTimeout: 50, maxTimeout: 250 } }, fn);
  }

  /**
   * Starts (or starts again) the job's process, after fetching its inputs, if it still holds the
   * launch lock. A process an earlier launch spawned but did not record (its worker died in
   * between) is adopted instead: it runs, or ran, once.
   */
  private async launch(state: JobState, stillHeld: () => void): Promise<void> {
    const dir = this.dir(state.name);
    const orphan = await unrecordedProcess(dir, state);
    if (orphan) {
      await this.writeState({ ...state, status: 'InProgress', pid: orphan, host: hostname(), starts: state.starts + 1, progress: 0 });
      return;
    }
    const { spec } = state;
    await Promise.all(['processing', 'input', 'output', 'model', 'exit-code', 'pid'].map((p) => rm(join(dir, p), { recursive: true, force: true })));
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
    stillHeld();
    const script = 'cd "$1" && echo $$ >pid.tmp && mv pid.tmp pid && shift && "$@" >>stdout.log 2>>stderr.log; echo $? >exit-code.tmp && mv exit-code.tmp exit-code';
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
    await this.writeState({ ...state, status: 'InProgress', pid: child.pid, host: hostname(), starts: state.starts + 1, progress: 0 });
  }

  /** Records a job whose process has ended as finished, with its outputs in storage once Completed. */
  async describe(name: string): Promise<JobDescription | undefined> {
    const state = await readState(this.dir(name));
    if (!state) return undefined;
    if (!isLive(state)) return publicView(state);
    const outcome = await processOutcome(this.dir(name), state);
    if (!outcome.ended) return publicView({ ...state, progress: outcome.progress });
    switch (outcome.status) {
      case 'Lost': return publicView({ ...state, status: 'Lost' });
      case 'Stopped': return this.finish(state, { status: 'Stopped' });
      case 'Failed': return this.finish(state, { status: 'Failed', failureReason: outcome.failureReason });
      case 'Completed': return this.finish(state, { status: 'Completed', progress: 1, outputs: await this.collectOutputs(state) });
    }
  }

  private async finish(state: JobState, change: Partial<JobState>): Promise<JobDescription> {
    const done: JobState = { ...state, ...change, endedAt: new Date().toISOString() };
    await this.writeState(done);
    return publicView(done);
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
    const state = await readState(this.dir(name));
    if (!state || !isLive(state)) return;
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

}

/** The job's shell, by the pid it wrote, when it is not the one the state records and it runs or has left its exit code. */
async function unrecordedProcess(dir: string, state: JobState): Promise<number | undefined> {
  const pid = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => ''));
  if (!pid || pid === state.pid) return undefined;
  return isAlive(pid, dir) || existsSync(join(dir, 'exit-code')) ? pid : undefined;
}

/**
 * Kills every job process under jobsDir and leaves the state files as they are: those jobs are
 * Lost, and start again when their workflows resume. The local launcher calls this as it stops.
 */
export async function killJobProcesses(jobsDir: string): Promise<number> {
  let killed = 0;
  for (const name of await readdir(jobsDir).catch(() => [])) {
    const dir = join(jobsDir, name);
    const state = await readState(dir).catch(() => undefined);
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
