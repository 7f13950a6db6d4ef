import { createHash } from 'node:crypto';

const maxLength = 63;

/**
 * The one name a job gets for a workflow's step and run, valid under SageMaker's rule
 * [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}: the same inputs always give the same name.
 */
export function jobNameFor(workflowId: string, step: string, run: number): string {
  const readable = `${workflowId}-${step}-${run}`.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (readable.length <= maxLength && readable === `${workflowId}-${step}-${run}`) return readable;
  const hash = createHash('sha256').update(`${workflowId}\0${step}\0${run}`).digest('hex').slice(0, 10);
  return `${readable.slice(0, maxLength - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}
