// Builds BING's parts from the configuration: storage, the GPU-job runner, the job programs.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Config } from '../common/config';
import { LocalJobRunner } from '../activities/gpu/local-runner';
import type { GpuJobRunner, JobKind } from '../activities/gpu/runner';
import { LocalStorage } from '../activities/storage/local';
import type { Storage } from '../activities/storage/storage';
import { projectRoot } from './tools';

export function createStorage(config: Config): Storage {
  return new LocalStorage(join(config.BING_DATA_DIR, 'storage'));
}

/** Each reference job as a command line: Node running the job's TypeScript through tsx. */
export function jobCommands(): Record<JobKind, string[]> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const job = (name: string) => [process.execPath, '--import', tsx, join(projectRoot, 'jobs', name, 'main.ts')];
  return { mot: job('mot'), action: job('action'), train: job('train') };
}

export function jobsDir(config: Config): string {
  return join(config.BING_DATA_DIR, 'jobs');
}

export function createRunner(config: Config, storage: Storage): GpuJobRunner {
  const environment: Record<string, string> = {};
  if (config.BING_DETECT_STRIDE) environment.BING_DETECT_STRIDE = String(config.BING_DETECT_STRIDE);
  return new LocalJobRunner({
    jobsDir: jobsDir(config),
    storage,
    commands: jobCommands(),
    stopGraceMs: durationMs(config.BING_JOB_STOP_GRACE),
    environment,
  });
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  return Number(match[1]) * units[match[2]!]!;
}
