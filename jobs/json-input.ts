// The JSON documents a job is given (tracks, models, labelled events, hyperparameters), checked by
// their zod schemas: what is wrong with one is a JobFailure that names the document.
import type { z } from 'zod';
import { JobFailure } from './contract';

/** The first five issues, each at its path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

/** `text` as JSON that `schema` accepts; otherwise a JobFailure saying that `source` is not valid JSON or is malformed. */
export function parseJsonDocument<S extends z.ZodType>(text: string, schema: S, source: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new JobFailure(`${source} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new JobFailure(`${source} is malformed: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
