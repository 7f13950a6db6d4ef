// The reference job programs (jobs/) as command lines: Node running each job's TypeScript through
// tsx's CommonJS hook (the jobs are CommonJS; tsx's ESM loader costs each job half a second to start).
import { join, resolve } from 'node:path';

export type JobProgram = 'mot' | 'action' | 'train';

export const JOB_PROGRAMS: readonly JobProgram[] = ['mot', 'action', 'train'];

/**
 * Packages a job loads before tsx's hook is in place: tsx scans every JavaScript file loaded after
 * it for ESM syntax, which costs tfjs's 3 MB of bundles a quarter of a second at each start.
 */
const PRELOADED: Record<JobProgram, readonly string[]> = {
  mot: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-converter', '@tensorflow/tfjs-backend-wasm'],
  action: [],
  train: [],
};

export function jobCommands(): Record<JobProgram, string[]> {
  const tsx = require.resolve('tsx/cjs');
  const job = (name: JobProgram) => [
    process.execPath,
    ...PRELOADED[name].flatMap((pkg) => ['--require', require.resolve(pkg)]),
    '--require', tsx,
    join(resolve(__dirname, '..'), 'jobs', name, 'main.ts'),
  ];
  return { mot: job('mot'), action: job('action'), train: job('train') };
}
