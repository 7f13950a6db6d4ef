// `bing job`: runs one reference job program by hand, under the same container contract the local
// runner and SageMaker use. Either on a prepared contract directory (--root), or on plain files: a
// temporary contract directory is laid out from them, the job run, and its outputs copied to --out.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { jobCommands, type JobProgram } from '../../common/job-programs';
import { UsageError } from './usage-error';

interface JobInput {
  /** Where the input goes in the contract directory ('/' at the end: the file keeps its name there). */
  to: string;
  required: boolean;
  directory?: boolean;
  description: string;
}

export const JOB_INPUTS: Record<JobProgram, Record<string, JobInput>> = {
  mot: { video: { to: 'processing/input/video/', required: true, description: 'the video' } },
  action: {
    tracks: { to: 'processing/input/tracks/tracks.json', required: true, description: 'the MOT job\'s tracks.json' },
    model: { to: 'processing/input/model/', required: false, description: 'a trained action model (default: the built-in one)' },
  },
  train: {
    data: { to: 'input/data/train', required: true, directory: true, description: 'one directory per example with tracks.json and events.json' },
    pretrained: { to: 'input/data/pretrained/', required: false, description: 'the weights to start from' },
    current: { to: 'input/data/current/', required: false, description: 'the current model, to compare against' },
  },
};

/** What the job writes, copied to --out. */
const OUTPUTS: Record<JobProgram, string> = { mot: 'processing/output/tracks', action: 'processing/output/actions', train: 'model' };

/** `bing job`'s options as the command line gives them: --root, --out, --hyperparameters and the inputs of JOB_INPUTS. */
export interface JobOptions {
  root?: string;
  out?: string;
  hyperparameters?: string[];
  [input: string]: string | string[] | undefined;
}

export interface JobPlan {
  kind: JobProgram;
  /** A prepared contract directory, run as it is. */
  root?: string;
  inputs: Record<string, string>;
  hyperparameters: Record<string, string>;
  out?: string;
}

/** The run that the options ask for; throws UsageError when they do not fit the job or name no such file. */
export function planJob(kind: JobProgram, { root, out, hyperparameters: pairs = [], ...given }: JobOptions): JobPlan {
  if (pairs.length > 0 && kind !== 'train') throw new UsageError('only the train job takes hyperparameters');
  const hyperparameters: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`hyperparameters are key=value, got ${pair}`);
    hyperparameters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const names = Object.keys(given).filter((name) => given[name] !== undefined);
  if (root !== undefined) {
    if (names.length > 0 || out !== undefined || pairs.length > 0) throw new UsageError('--root runs a prepared directory as it is: give no input files, hyperparameters or --out with it');
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new UsageError(`--root ${root} is not a directory`);
    return { kind, root: resolve(root), inputs: {}, hyperparameters };
  }
  const inputs: Record<string, string> = {};
  for (const name of names) {
    const spec = JOB_INPUTS[kind][name];
    if (!spec) throw new UsageError(`the ${kind} job takes no --${name}`);
    const path = given[name] as string;
    if (!existsSync(path) || statSync(path).isDirectory() !== Boolean(spec.directory)) {
      throw new UsageError(`--${name} ${path} is not ${spec.directory ? 'a directory' : 'a file'}`);
    }
    inputs[name] = resolve(path);
  }
  const missing = Object.entries(JOB_INPUTS[kind]).filter(([name, spec]) => spec.required && !inputs[name]).map(([name]) => `--${name}`);
  if (!out) missing.push('--out');
  if (missing.length > 0) throw new UsageError(`the ${kind} job needs ${missing.join(' and ')} (or --root)`);
  return { kind, inputs, hyperparameters, out: resolve(out!) };
}

function layOut(plan: JobPlan, root: string): void {
  for (const [name, path] of Object.entries(plan.inputs)) {
    const to = JOB_INPUTS[plan.kind][name]!.to;
    const target = join(root, ...(to.endsWith('/') ? [to, basename(path)] : [to]));
    mkdirSync(join(target, '..'), { recursive: true });
    cpSync(path, target, { recursive: true });
  }
  if (plan.kind === 'train') {
    mkdirSync(join(root, 'input', 'config'), { recursive: true });
    writeFileSync(join(root, 'input', 'config', 'hyperparameters.json'), JSON.stringify(plan.hyperparameters));
  }
}

/** A progress line as a person reads it: `[ 42%] train round=1 trainF1=0.92`. */
function readableProgress(line: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== 'progress') return line;
  const { type: _type, progress, stage, ...details } = parsed as Record<string, unknown>;
  const pct = `${Math.round(Number(progress) * 100)}%`.padStart(4);
  const facts = Object.entries(details).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return [`[${pct}]`, typeof stage === 'string' ? stage : '', ...facts].filter(Boolean).join(' ');
}

/** Runs the job program with BING_JOB_ROOT=root; its progress goes to stderr readably, its log as it is. */
async function runProgram(kind: JobProgram, root: string): Promise<number> {
  const [command, ...args] = jobCommands()[kind];
  const child = spawn(command!, args, { env: { ...process.env, BING_JOB_ROOT: root }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number>((done, failed) => {
    child.on('error', failed);
    child.on('close', (code, signal) => done(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  const printed = (async () => {
    for await (const line of createInterface({ input: child.stdout })) process.stderr.write(`${readableProgress(line)}\n`);
  })();
  const [code] = await Promise.all([exited, printed]);
  return code;
}

/** Runs the planned job; its exit code. */
export async function runJob(plan: JobPlan): Promise<number> {
  const root = plan.root ?? mkdtempSync(join(tmpdir(), `bing-job-${plan.kind}-`));
  try {
    if (!plan.root) layOut(plan, root);
    const code = await runProgram(plan.kind, root);
    if (code !== 0) {
      const failure = join(root, 'output', 'failure');
      const reason = existsSync(failure) ? readFileSync(failure, 'utf8').trim() : 'no reason given';
      process.stderr.write(`bing job: the ${plan.kind} job failed (exit code ${code}): ${reason}\n`);
      return code;
    }
    const outputs = join(root, OUTPUTS[plan.kind]);
    if (plan.out) {
      mkdirSync(plan.out, { recursive: true });
      cpSync(outputs, plan.out, { recursive: true });
    }
    process.stdout.write(`${plan.kind} job done: outputs in ${plan.out ?? outputs}\n`);
    return 0;
  } finally {
    if (!plan.root) rmSync(root, { recursive: true, force: true });
  }
}
