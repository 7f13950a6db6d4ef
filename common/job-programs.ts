// The reference job programs (jobs/) as command lines: Node running each job's TypeScript through tsx.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export type JobProgram = 'mot' | 'action' | 'train';

export const JOB_PROGRAMS: readonly JobProgram[] = ['mot', 'action', 'train'];

export function jobCommands(): Record<JobProgram, string[]> {
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  const job = (name: JobProgram) => [process.execPath, '--import', tsx, join(resolve(__dirname, '..'), 'jobs', name, 'main.ts')];
  return { mot: job('mot'), action: job('action'), train: job('train') };
}
