// `bing job`: runs one reference job program by hand, under the same container contract the local
// runner and SageMaker use. Either on a prepared contract directory (--root), or on plain files: a
// temporary contract directory is laid out from them, the job run, and its outputs copied to --out.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { JOB_PROGRAMS, jobCommands, type JobProgram } from '../../common/job-programs';

const usage = `usage:
  bing job <mot|action|train> --root DIR         run a job on a prepared contract directory (BING_JOB_ROOT=DIR)
  bing job mot --video FILE --out DIR
  bing job action --tracks FILE [--model FILE] --out DIR
  bing job train --data DIR [--pretrained FILE] [--current FILE] [--hyperparameters k=v ...] --out DIR
                                                  lay out a contract directory from plain files, run the
                                                  job and copy its outputs to DIR
--data holds one directory per example with tracks.json and events.json; hyperparameters are
kind, version, seed, holdout, max_seconds, rounds, tolerance (see jobs/train/hyperparameters.ts).`;

class UsageError extends Error {}

/** Where each input goes in the contract directory ('/' at the end: the file keeps its name there). */
const INPUTS: Record<JobProgram, Record<string, { to: string; required: boolean; directory?: boolean }>> = {
  mot: { video: { to: 'processing/input/video/', required: true } },
  action: { tracks: { to: 'processing/input/tracks/tracks.json', required: true }, model: { to: 'processing/input/model/', required: false } },
  train: {
    data: { to: 'input/data/train', required: true, directory: true },
    pretrained: { to: 'input/data/pretrained/', required: false },
    current: { to: 'input/data/current/', required: false },
  },
};

/** What the job writes, copied to --out. */
const OUTPUTS: Record<JobProgram, string> = { mot: 'processing/output/tracks', action: 'processing/output/actions', train: 'model' };

interface Plan {
  kind: JobProgram;
  /** A prepared contract directory, run as it is. */
  root?: string;
  inputs: Record<string, string>;
  hyperparameters: Record<string, string>;
  out?: string;
}

function parse(args: string[]): Plan {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        out: { type: 'string' },
        video: { type: 'string' },
        tracks: { type: 'string' },
        model: { type: 'string' },
        data: { type: 'string' },
        pretrained: { type: 'string' },
        current: { type: 'string' },
        hyperparameters: { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  const [kind, ...rest] = positionals;
  if (!JOB_PROGRAMS.includes(kind as JobProgram)) throw new UsageError(kind ? `unknown job ${kind}` : 'which job?');
  const job = kind as JobProgram;
  // `--hyperparameters a=1 b=2`: the pairs after the first come as positionals.
  const pairs = values.hyperparameters ? [...values.hyperparameters, ...rest] : rest;
  if (rest.length > 0 && !values.hyperparameters) throw new UsageError(`unexpected ${rest.join(' ')}`);
  if (pairs.length > 0 && job !== 'train') throw new UsageError('only the train job takes hyperparameters');
  const hyperparameters: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`hyperparameters are key=value, got ${pair}`);
    hyperparameters[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const given = Object.keys(INPUTS).flatMap((k) => Object.keys(INPUTS[k as JobProgram])).filter((name) => values[name as keyof typeof values] !== undefined);
  if (values.root !== undefined) {
    if (given.length > 0 || values.out !== undefined || pairs.length > 0) throw new UsageError('--root runs a prepared directory as it is: give no input files, hyperparameters or --out with it');
    if (!existsSync(values.root) || !statSync(values.root).isDirectory()) throw new UsageError(`--root ${values.root} is not a directory`);
    return { kind: job, root: resolve(values.root), inputs: {}, hyperparameters };
  }
  const inputs: Record<string, string> = {};
  for (const name of given) {
    const spec = INPUTS[job][name];
    if (!spec) throw new UsageError(`the ${job} job takes no --${name}`);
    const path = values[name as keyof typeof values] as string;
    if (!existsSync(path) || statSync(path).isDirectory() !== Boolean(spec.directory)) {
      throw new UsageError(`--${name} ${path} is not ${spec.directory ? 'a directory' : 'a file'}`);
    }
    inputs[name] = resolve(path);
  }
  const missing = Object.entries(INPUTS[job]).filter(([name, spec]) => spec.required && !inputs[name]).map(([name]) => `--${name}`);
  if (!values.out) missing.push('--out');
  if (missing.length > 0) throw new UsageError(`the ${job} job needs ${missing.join(' and ')} (or --root)`);
  return { kind: job, inputs, hyperparameters, out: resolve(values.out!) };
}

function layOut(plan: Plan, root: string): void {
  for (const [name, path] of Object.entries(plan.inputs)) {
    const to = INPUTS[plan.kind][name]!.to;
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

export async function runJobCommand(args: string[]): Promise<number> {
  let plan: Plan;
  try {
    plan = parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bing job: ${err.message}\n${usage}\n`);
    return 2;
  }
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
