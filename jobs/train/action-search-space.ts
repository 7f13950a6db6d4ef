// Where the search may move each parameter of the action model (jobs/action/params.ts), in the
// parameter's own units. Numbers move by factors, so every range starts above zero. Left out:
// motionSummaryMaxBytes, which shapes the output, not the recognition.
import { paramsSchema, type ActionParams } from '../action/params';
import type { SearchSpace } from './search';

type NumericParam = { [K in keyof ActionParams]: ActionParams[K] extends number ? K : never }[keyof ActionParams];
type Searched = Exclude<NumericParam, 'motionSummaryMaxBytes'>;

const RANGES: Record<Searched, [number, number]> = {
  smoothSeconds: [0.04, 2],
  speedLagSeconds: [0.04, 1],
  maxGapSeconds: [0.04, 5],
  walkSpeed: [0.05, 5],
  runSpeed: [0.1, 8],
  sprintSpeed: [0.2, 12],
  hysteresis: [0.3, 1],
  minStateSeconds: [0.04, 2],
  minStandSeconds: [0.04, 3],
  sprintMinSeconds: [0.04, 3],
  meetDistance: [0.1, 3],
  meetDepthWeight: [0.25, 8],
  meetMinSeconds: [0.04, 3],
  possessionRadius: [0.1, 3],
  possessionMaxRelSpeed: [0.2, 20],
  possessionMinSeconds: [0.04, 3],
  possessionGapSeconds: [0.04, 2],
  ballMaxGapSeconds: [0.04, 3],
  passMaxSeconds: [0.5, 10],
  ballRestSpeed: [0.1, 10],
  passMinDistance: [0.1, 10],
  tackleDistance: [0.2, 6],
  tackleMaxSeconds: [0.2, 10],
  shotSpeed: [0.5, 30],
  goalMargin: [0.01, 0.5],
  dribbleMinSeconds: [0.1, 5],
  dribbleSpeed: [0.05, 5],
  mergeGapSeconds: [0.04, 3],
};

/** One direction the search moves in: parameters scaled by one factor, or a switch flipped. */
export type Coordinate = { scale: Searched[] } | { flip: 'cameraCompensation' };

const COORDINATES: Coordinate[] = [
  ...(Object.keys(RANGES) as Searched[]).map((name) => ({ scale: [name] })),
  // The walk, run and sprint thresholds must stay in order, so one of them alone cannot pass its
  // neighbour: neighbours also move together. Footage whose players move faster or slower in body
  // heights per second than the model expects needs every speed threshold moved alike.
  { scale: ['walkSpeed', 'runSpeed'] },
  { scale: ['runSpeed', 'sprintSpeed'] },
  { scale: ['walkSpeed', 'runSpeed', 'sprintSpeed'] },
  { scale: ['walkSpeed', 'runSpeed', 'sprintSpeed', 'dribbleSpeed'] },
  { flip: 'cameraCompensation' },
];

/** Parameters the recogniser can use: valid by the model's schema, and speed thresholds in order. */
function usable(params: ActionParams): boolean {
  return paramsSchema.safeParse(params).success && params.walkSpeed < params.runSpeed && params.runSpeed < params.sprintSpeed;
}

/**
 * The parameters moved along a coordinate: scaled by the factor e^(direction * step) within their
 * ranges and rounded to 3 significant digits, or the switch flipped (upwards only); undefined when
 * nothing can move that way.
 */
function moved(params: ActionParams, coordinate: Coordinate, direction: 1 | -1, step: number): ActionParams | undefined {
  if ('flip' in coordinate) return direction > 0 ? { ...params, [coordinate.flip]: !params[coordinate.flip] } : undefined;
  const candidate = { ...params };
  for (const name of coordinate.scale) {
    const [min, max] = RANGES[name];
    const value = params[name];
    candidate[name] = Number(Math.min(max, Math.max(min, value > 0 ? value * Math.exp(direction * step) : min)).toPrecision(3));
  }
  return coordinate.scale.some((name) => candidate[name] !== params[name]) && usable(candidate) ? candidate : undefined;
}

/** What a move changed: `walkSpeed 1 -> 0.5, runSpeed 2.5 -> 1.25`. */
function changes(from: ActionParams, to: ActionParams): string {
  return (Object.keys(to) as (keyof ActionParams)[])
    .filter((k) => to[k] !== from[k])
    .map((k) => `${k} ${String(from[k])} -> ${String(to[k])}`)
    .join(', ');
}

export const ACTION_SEARCH_SPACE: SearchSpace<ActionParams, Coordinate> = { coordinates: COORDINATES, moved, changes };
