// Seeded coordinate search: sweep the coordinates in a shuffled order; move along each by a factor up or
// down and keep going that way while the objective improves; halve the step after a sweep that
// improved nothing. Stops after `rounds` sweeps, at the deadline, or when the step is below 5 %.
// What a coordinate is, and how parameters move along one, is the search space's (one per model kind).
import { log } from '../contract';
import { Random } from '../../contracts/random';

const FIRST_STEP = Math.log(2);
const LAST_STEP = Math.log(1.05);

export interface SearchSpace<P, C> {
  coordinates: readonly C[];
  /** The parameters moved one step along a coordinate, or undefined when nothing can move that way. */
  moved(params: P, coordinate: C, direction: 1 | -1, step: number): P | undefined;
  /** What a move changed, for the log. */
  changes(from: P, to: P): string;
}

export interface SearchOptions {
  seed: number;
  rounds: number;
  /** Date.now() after which no more evaluations start. */
  deadline: number;
  /** The objective's name, for the log. */
  objectiveName: string;
  onRound: (round: { round: number; best: number; evaluations: number }) => void;
}

export interface SearchResult<P> {
  params: P;
  best: number;
  evaluations: number;
  rounds: number;
  stoppedBy: 'rounds' | 'time' | 'converged';
}

export async function coordinateSearch<P, C>(
  start: P,
  space: SearchSpace<P, C>,
  objective: (params: P) => number | Promise<number>,
  options: SearchOptions,
): Promise<SearchResult<P>> {
  const random = new Random(options.seed);
  let params = start;
  let best = await objective(start);
  let evaluations = 1;
  let step = FIRST_STEP;
  let round = 0;
  const result = (stoppedBy: SearchResult<P>['stoppedBy']): SearchResult<P> => ({ params, best, evaluations, rounds: round, stoppedBy });
  while (round < options.rounds) {
    if (step < LAST_STEP) return result('converged');
    round++;
    let improved = false;
    for (const coordinate of random.shuffle([...space.coordinates])) {
      for (const direction of random.shuffle<1 | -1>([1, -1])) {
        let went = false;
        for (let candidate = space.moved(params, coordinate, direction, step); candidate; candidate = space.moved(params, coordinate, direction, step)) {
          if (Date.now() >= options.deadline) return result('time');
          const value = await objective(candidate);
          evaluations++;
          if (value <= best) break;
          log(`round ${round}: ${space.changes(params, candidate)}: train ${options.objectiveName} ${best.toFixed(3)} -> ${value.toFixed(3)}`);
          params = candidate;
          best = value;
          went = true;
        }
        if (went) {
          improved = true;
          break;
        }
      }
    }
    options.onRound({ round, best, evaluations });
    if (!improved) step /= 2;
  }
  return result('rounds');
}
