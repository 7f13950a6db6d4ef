// The seeded split of the examples into those trained on and those held out for evaluation.
import { JobFailure } from '../contract';
import { Random } from '../../contracts/random';

export interface Split<T> {
  train: T[];
  heldOut: T[];
}

/** Holds out round(holdout * n) examples, at least one, and keeps at least one to train on. */
export function splitExamples<T>(examples: T[], holdout: number, seed: number): Split<T> {
  if (examples.length < 2) {
    throw new JobFailure(`training needs at least 2 examples (one to train on, one held out), the train channel holds ${examples.length}`);
  }
  const order = new Random(seed).shuffle([...examples]);
  const count = Math.min(examples.length - 1, Math.max(1, Math.round(holdout * examples.length)));
  return { heldOut: order.slice(0, count), train: order.slice(count) };
}
