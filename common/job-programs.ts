// The reference job programs (jobs/) as command lines, run the way this module itself runs: from
// the build output (dist/, `npm run build`) with plain Node, or from source, Node running each job's
// TypeScript through tsx's CommonJS hook (the jobs are CommonJS; tsx's ESM loader costs each job half
// a second to start).
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

const compiled = __filename.endsWith('.js');

export function jobCommands(): Record<JobProgram, string[]> {
  const main = (name: JobProgram) => join(resolve(__dirname, '..'), 'jobs', name, compiled ? 'main.js' : 'main.ts');
  const job = (name: JobProgram) => compiled ? [process.execPath, main(name)] : [
    process.execPath,
    ...PRELOADED[name].flatMap((pkg) => ['--require', require.resolve(pkg)]),
    '--require', require.resolve('tsx/cjs'),
    main(name),
  ];
  return { mot: job('mot'), action: job('action'), train: job('train') };
}
