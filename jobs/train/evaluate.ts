// A model's event scores on labelled examples: every example recognised with the parameters, its
// events matched to the true ones at ±tolerance seconds, the counts pooled over all examples.
import { recognize } from '../action/recognize';
import type { ActionParams } from '../action/params';
import { matchEvents, pooled, prf, type Scores } from '../event-match';
import type { Example } from './examples';

export function scoreModel(params: ActionParams, examples: Example[], tolerance: number): Scores {
  const counts = examples.flatMap((e) => [...matchEvents(recognize(e.tracks, params).events, e.events, tolerance).values()]);
  return prf(pooled(counts));
}
