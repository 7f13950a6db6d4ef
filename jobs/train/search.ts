// Seeded coordinate search: sweep the coordinates in a shuffled order; move along each by a factor up or
// down and keep going that way while the objective improves; halve the step after a sweep that
// improved nothing. Stops after `rounds` sweeps, at the deadline, or when the step is below 5 %.
import type { ActionParams } from '../action/params';
import { log } from '../contract';
import { Random } from './random';
import { COORDINATES, changes, moved } from './search-space';

const FIRST_STEP = Math.log(2);
const LAST_STEP = Math.log(1.05);

export interface SearchOptions {
  seed: number;
  rounds: number;
  /** Date.now() after which no more evaluations start. */
  deadline: number;
  onRound: (round: { round: number; best: number; evaluations: number }) => void;
}

export interface SearchResult {
  params: ActionParams;
  best: number;
  evaluations: number;
  rounds: number;
  stoppedBy: 'rounds' | 'time' | 'converged';
}

export function coordinateSearch(start: ActionParams, objective: (params: ActionParams) => number, options: SearchOptions): SearchResult {
  const random = new Random(options.seed);
  let params = start;
  let best = objective(start);
  let evaluations = 1;
  let step = FIRST_STEP;
  let round = 0;
  const result = (stoppedBy: SearchResult['stoppedBy']): SearchResult => ({ params, best, evaluations, rounds: round, stoppedBy });
  while (round < options.rounds) {
    if (step < LAST_STEP) return result('converged');
    round++;
    let improved = false;
    for (const coordinate of random.shuffle([...COORDINATES])) {
      for (const direction of random.shuffle<1 | -1>([1, -1])) {
        let went = false;
        for (let candidate = moved(params, coordinate, direction, step); candidate; candidate = moved(params, coordinate, direction, step)) {
          if (Date.now() >= options.deadline) return result('time');
          const value = objective(candidate);
          evaluations++;
          if (value <= best) break;
          log(`round ${round}: ${changes(params, candidate)}: train F1 ${best.toFixed(3)} -> ${value.toFixed(3)}`);
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
