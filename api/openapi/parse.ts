// Validates a request part with its documented schema; a failure is a 400 naming each field.
import type { z } from 'zod';
import { HttpProblem } from '../problem';

export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpProblem(400, 'Invalid request', parsed.error.issues.map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; '));
  }
  return parsed.data;
}
