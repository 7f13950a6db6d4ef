// Where the search may move the MOT model's tracking settings (jobs/mot/settings.ts), in their own
// units: how tracks are associated, born, kept, cut, stitched and bridged, and which tracks are
// things rather than people. Numbers move by factors within their ranges (a setting at 0, a filter
// that is off, moves to its range's low end); whole numbers move by one. Left alone: the detector's
// settings and the detection cadence (the detections replayed in training are theirs), the kit
// learning time and the ball, which people's scores do not measure.
import { settingsProblems } from '../mot/model';
import type { MotSettings } from '../mot/settings';
import type { SearchSpace } from './search';

type NumericPath<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends number ? `${P}${K}` : T[K] extends object ? NumericPath<T[K], `${P}${K}.`> : never;
}[keyof T & string];

export type MotSetting = NumericPath<Omit<MotSettings, 'detector' | 'detectionsPerSecond' | 'ball'>>;

interface Range { min: number; max: number; integer?: boolean }

const RANGES: Partial<Record<MotSetting, Range>> = {
  'people.tracker.highScore': { min: 0.1, max: 0.9 },
  'people.tracker.lowScore': { min: 0.05, max: 0.9 },
  'people.tracker.newTrackScore': { min: 0.1, max: 0.95 },
  'people.tracker.minHits': { min: 1, max: 8, integer: true },
  'people.tracker.buffer': { min: 0.02, max: 1 },
  'people.tracker.maxColorDistance': { min: 20, max: 450 },
  'people.tracker.momentumWeight': { min: 0.05, max: 1 },
  'people.tracker.recoveryIou': { min: 0.1, max: 0.95 },
  'people.bufferSeconds': { min: 0.02, max: 1 },
  'people.momentumSeconds': { min: 0.04, max: 1 },
  'people.maxAgeSeconds': { min: 0.2, max: 10 },
  'people.maxGapSeconds': { min: 0.1, max: 5 },
  'people.stitch.maxGapSeconds': { min: 0.2, max: 10 },
  'people.stitch.maxColorDistance': { min: 20, max: 450 },
  'people.stitch.appearanceWeight': { min: 0.05, max: 4 },
  'people.stitch.appearanceScale': { min: 10, max: 300 },
  'people.cutGapSeconds': { min: 0.1, max: 5 },
  'people.isolatedOverlap': { min: 0.02, max: 0.9 },
  'objects.minHeight': { min: 0.005, max: 0.5 },
  'objects.minAspect': { min: 0.05, max: 1 },
  'objects.maxAspect': { min: 0.5, max: 100 },
  'objects.stillDistance': { min: 0.02, max: 2 },
  'objects.stillScore': { min: 0.1, max: 0.95 },
  'objects.minSeconds': { min: 0.1, max: 5 },
};

/** One direction the search moves in: these settings scaled by one factor. */
export type MotCoordinate = MotSetting[];

const COORDINATES: MotCoordinate[] = [
  ...(Object.keys(RANGES) as MotSetting[]).map((name) => [name]),
  // The score thresholds keep their order when they move together.
  ['people.tracker.highScore', 'people.tracker.newTrackScore'],
  ['people.tracker.lowScore', 'people.tracker.highScore', 'people.tracker.newTrackScore'],
  // How long a lost player is waited for, online and when stitching.
  ['people.maxAgeSeconds', 'people.stitch.maxGapSeconds'],
  ['people.tracker.maxColorDistance', 'people.stitch.maxColorDistance'],
];

type Tree = { [key: string]: unknown };

function get(settings: MotSettings, path: MotSetting): number {
  return path.split('.').reduce<unknown>((node, key) => (node as Tree)[key], settings) as number;
}

function set(settings: MotSettings, path: MotSetting, value: number): void {
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce<unknown>((node, key) => (node as Tree)[key], settings) as Tree;
  parent[keys[keys.length - 1]!] = value;
}

function moved(settings: MotSettings, coordinate: MotCoordinate, direction: 1 | -1, step: number): MotSettings | undefined {
  const candidate = structuredClone(settings);
  for (const path of coordinate) {
    const range = RANGES[path]!;
    const value = get(settings, path);
    const next = range.integer ? value + direction : value > 0 ? value * Math.exp(direction * step) : range.min;
    set(candidate, path, Number(Math.min(range.max, Math.max(range.min, next)).toPrecision(3)));
  }
  const changed = coordinate.some((path) => get(candidate, path) !== get(settings, path));
  return changed && settingsProblems(candidate).length === 0 ? candidate : undefined;
}

function changes(from: MotSettings, to: MotSettings): string {
  return (Object.keys(RANGES) as MotSetting[])
    .filter((path) => get(from, path) !== get(to, path))
    .map((path) => `${path} ${get(from, path)} -> ${get(to, path)}`)
    .join(', ');
}

export const MOT_SEARCH_SPACE: SearchSpace<MotSettings, MotCoordinate> = { coordinates: COORDINATES, moved, changes };
