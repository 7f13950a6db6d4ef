// Team indices come from each segment's own kit-colour clustering, so a segment's 0 may be the
// previous segment's 1. The players both segments saw decide; when they do not (none, or a tie),
// the kits' colours do.
import type { Track } from '../commentary/actions';

type Rgb = [number, number, number];

/** Each team's kit: the mean colour of its tracks, weighted by their boxes. */
function kitColors(tracks: readonly Track[]): [Rgb | undefined, Rgb | undefined] {
  const sums = [[0, 0, 0, 0], [0, 0, 0, 0]];
  for (const t of tracks) {
    if (t.class !== 'person' || t.team === null || !t.color) continue;
    const sum = sums[t.team]!;
    const weight = Math.max(1, t.boxes.length);
    t.color.forEach((c, i) => (sum[i]! += c * weight));
    sum[3]! += weight;
  }
  const mean = ([r, g, b, n]: number[]): Rgb | undefined => (n ? [r! / n, g! / n, b! / n] : undefined);
  return [mean(sums[0]!), mean(sums[1]!)];
}

const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Whether `current`'s team indices are the other way round from `previous`'s, given which current track continues which previous one. */
export function teamsSwapped(previous: readonly Track[], current: readonly Track[], continues: ReadonlyMap<number, number>): boolean {
  const before = new Map(previous.map((t) => [t.id, t.team]));
  let same = 0;
  let swapped = 0;
  for (const t of current) {
    const id = continues.get(t.id);
    const team = id === undefined ? undefined : before.get(id);
    if (t.team === null || team === null || team === undefined) continue;
    if (t.team === team) same++;
    else swapped++;
  }
  if (same !== swapped) return swapped > same;
  const [p0, p1] = kitColors(previous);
  const [c0, c1] = kitColors(current);
  if (!p0 || !p1 || !c0 || !c1) return false;
  return distance(c0, p1) + distance(c1, p0) < distance(c0, p0) + distance(c1, p1);
}
