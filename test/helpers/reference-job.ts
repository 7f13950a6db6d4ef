// Runs one of the reference job programs (jobs/) on a job directory, as the local runner does: its
// inputs copied under processing/input/, its environment, its progress lines and failure reason.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { jobCommands, type JobProgram } from '../../common/job-programs';

export interface ReferenceJobRun {
  root: string;
  status: number | null;
  stdout: string;
  stderr: string;
  /** The job's progress lines, in order. */
  progress: { progress: number; frame?: number }[];
  /** What the job wrote to output/failure, when it failed. */
  failure?: string;
}

/** Runs `program` in the job directory `root`, with `inputs` (channel → file) copied into it first. */
export function runReferenceJob(program: JobProgram, root: string, inputs: Record<string, string>, env: Record<string, string> = {}): ReferenceJobRun {
  for (const [channel, file] of Object.entries(inputs)) {
    const dir = join(root, 'processing', 'input', channel);
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, basename(file)));
  }
  const run = spawnSync(process.execPath, jobCommands()[program].slice(1), {
    env: { ...process.env, ...env, BING_JOB_ROOT: root },
    encoding: 'utf8',
    timeout: 180_000,
  });
  const failurePath = join(root, 'output', 'failure');
  return {
    root,
    status: run.status,
    stdout: run.stdout,
    stderr: run.stderr,
    progress: run.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { progress: number; frame?: number }),
    failure: existsSync(failurePath) ? readFileSync(failurePath, 'utf8') : undefined,
  };
}
