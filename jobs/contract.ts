// The SageMaker container contract, shared by every reference job. A job reads its inputs from
// and writes its outputs under {root}: /opt/ml in a container, a job directory when run locally
// (BING_JOB_ROOT). Progress goes to stdout as JSON lines; everything else to stderr.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const jobRoot = (): string => process.env.BING_JOB_ROOT ?? '/opt/ml';

export const processingInput = (name: string): string => join(jobRoot(), 'processing', 'input', name);

export function processingOutput(name: string): string {
  const dir = join(jobRoot(), 'processing', 'output', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const trainingChannel = (channel: string): string => join(jobRoot(), 'input', 'data', channel);
export const hyperparametersFile = (): string => join(jobRoot(), 'input', 'config', 'hyperparameters.json');

export function modelDir(): string {
  const dir = join(jobRoot(), 'model');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One progress line: `progress` in [0, 1], and whatever small facts the job wants seen. */
export function reportProgress(progress: number, details: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ type: 'progress', progress: Math.min(1, Math.max(0, progress)), ...details })}\n`);
}

export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** An error in the job's input or algorithm: the reason is written where SageMaker looks for it. */
export class JobFailure extends Error {}

/** Runs a job's main function; a failure's reason goes to {root}/output/failure and the exit code is 1. */
export function runJob(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      const dir = join(jobRoot(), 'output');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'failure'), reason);
      log(err instanceof JobFailure ? `job failed: ${reason}` : `job crashed: ${err instanceof Error ? err.stack : reason}`);
      process.exit(1);
    },
  );
}
