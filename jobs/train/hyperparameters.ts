// Reads input/config/hyperparameters.json. SageMaker gives every value as a string; numbers are
// accepted too. Unknown keys are ignored with a warning, bad values fail naming the key.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { JobFailure, hyperparametersFile, log } from '../contract';
import { describeIssues } from '../json-input';

const text = z.union([z.string(), z.number()]).transform(String);
const number = (check: (v: number) => boolean, what: string) =>
  text.transform(Number).refine((v) => Number.isFinite(v) && check(v), `must be ${what}`);

const schema = z.object({
  /** Which model is trained: `action` (the recogniser's parameters) or `mot` (the MOT job's tracking settings). */
  kind: text.default('action'),
  /** The version label written into the trained model.json. */
  version: text.pipe(z.string().min(1)).default('candidate'),
  /** Seeds the split into train and held-out examples and the search's order. */
  seed: number(Number.isInteger, 'an integer').default(1),
  /** Fraction of the examples held out for evaluation (at least one example). */
  holdout: number((v) => v > 0 && v < 1, 'a fraction between 0 and 1').default(0.25),
  /** Training time budget in seconds: the search stops when it is spent. */
  max_seconds: number((v) => v > 0, 'a positive number of seconds').default(30),
  /** Most sweeps of the coordinate search over all parameters. */
  rounds: number((v) => Number.isInteger(v) && v >= 0, 'a whole number, 0 or more').default(10),
  /** Action models: events match when start and end are each within this many seconds. */
  tolerance: number((v) => v > 0, 'a positive number of seconds').default(1),
});

export type Hyperparameters = Omit<z.infer<typeof schema>, 'kind'> & { kind: 'action' | 'mot' };

export function readHyperparameters(): Hyperparameters {
  const path = hyperparametersFile();
  let json: unknown = {};
  if (existsSync(path)) {
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new JobFailure(`hyperparameters.json is not valid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new JobFailure(`bad hyperparameters: ${describeIssues(parsed.error)}`);
  const unknown = Object.keys(json as object).filter((k) => !(k in schema.shape));
  if (unknown.length > 0) log(`ignoring unknown hyperparameters ${unknown.join(', ')}`);
  const { kind } = parsed.data;
  if (kind !== 'action' && kind !== 'mot') throw new JobFailure(`unknown kind '${kind}': the reference training job trains kind=action or kind=mot`);
  return { ...parsed.data, kind };
}
