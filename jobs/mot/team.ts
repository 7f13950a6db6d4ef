// Teams from jersey colour: each detection samples the middle of its torso, each track keeps the
// median of its samples, and 2-means over the tracks splits them in two. While tracking, the two
// kit colours (2-means over the first detections) tell which detections clearly wear which kit.

export type Rgb = [number, number, number];

/** Median colour of a box's torso region, leaving out grass-green pixels. */
export function torsoColor(rgb: Uint8Array, width: number, height: number, box: { x: number; y: number; w: number; h: number }): Rgb | undefined {
  const x0 = Math.max(0, Math.round(box.x + 0.3 * box.w));
  const x1 = Math.min(width - 1, Math.round(box.x + 0.7 * box.w));
  const y0 = Math.max(0, Math.round(box.y + 0.22 * box.h));
  const y1 = Math.min(height - 1, Math.round(box.y + 0.42 * box.h));
  const channels: [number[], number[], number[]] = [[], [], []];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const o = (y * width + x) * 3;
      const r = rgb[o]!;
      const g = rgb[o + 1]!;
      const b = rgb[o + 2]!;
      if (g > r + 20 && g > b + 20) continue;
      channels[0].push(r);
      channels[1].push(g);
      channels[2].push(b);
    }
  }
  if (channels[0].length < 4) return undefined;
  return channels.map(median) as Rgb;
}

export function medianColor(colors: Rgb[]): Rgb | null {
  if (!colors.length) return null;
  return [0, 1, 2].map((c) => median(colors.map((k) => k[c]!))) as Rgb;
}

/**
 * 2-means in RGB over the tracks' colours, each weighted by its number of samples. Every pair of
 * colours is tried as the starting centres and the split with the least weighted spread wins, so
 * a stray colour (two players merged in one box) cannot take a cluster to itself. The first
 * track's cluster is team 0; unknown colours get null.
 */
export function splitTeams(colors: (Rgb | null)[], weights: number[] = colors.map(() => 1)): (0 | 1 | null)[] {
  const index = colors.flatMap((c, i) => (c ? [i] : []));
  const known = index.map((i) => colors[i]!);
  const weight = index.map((i) => weights[i] ?? 1);
  if (known.length < 2) return colors.map((c) => (c ? 0 : null));
  const best = twoMeans(known, weight);
  const flip = best.labels[0] === 1 ? 1 : 0;
  const teams: (0 | 1 | null)[] = colors.map(() => null);
  index.forEach((i, k) => (teams[i] = (best.labels[k]! ^ flip) as 0 | 1));
  return teams;
}

/** A colour belongs to a kit when the other kit is at least this many times as far from it. */
const KIT_MARGIN = 2;

/** Colours sampled for kitColors: enough to find both kits, few enough for its pairwise starts. */
const KIT_SAMPLE = 60;

export interface KitOptions {
  /** Only one team has been seen when the two colours found are closer than this (RGB distance)… */
  minDistance: number;
  /** …or one of them holds less than this share of the samples (a referee, two players in one box)… */
  minShare: number;
  /**
   * …or the samples lie further than this (RGB distance) from their colour on average: street
   * clothes, not kits (shirts of one kit are alike).
   */
  maxSpread: number;
}

/**
 * The two kit colours among players' colours (2-means over an even sample of them); null with fewer
 * than two colours or when they show one kit only, or no kits.
 */
export function kitColors(colors: Rgb[], o: KitOptions): [Rgb, Rgb] | null {
  if (colors.length < 2) return null;
  const step = Math.max(1, colors.length / KIT_SAMPLE);
  const sample: Rgb[] = [];
  for (let i = 0; i < colors.length; i += step) sample.push(colors[Math.floor(i)]!);
  const { centers, labels } = twoMeans(sample, sample.map(() => 1));
  const share = labels.filter((l) => l === 0).length / labels.length;
  const apart = colorDistance(...centers);
  if (Math.min(share, 1 - share) < o.minShare || apart < o.minDistance) return null;
  const spread = sample.reduce((s, c, i) => s + colorDistance(c, centers[labels[i]!]), 0) / sample.length;
  return spread <= o.maxSpread ? centers : null;
}

/** The kit a colour belongs to: the one it is nearest, when the other is at least KIT_MARGIN times as far; else null. */
export function kitOf(color: Rgb | undefined, kits: [Rgb, Rgb] | null): 0 | 1 | null {
  if (!color || !kits) return null;
  const d0 = colorDistance(color, kits[0]);
  const d1 = colorDistance(color, kits[1]);
  if (d0 * KIT_MARGIN <= d1) return 0;
  if (d1 * KIT_MARGIN <= d0) return 1;
  return null;
}

/** A split of colours in two: each colour's side, the weighted squared spread, the two centres. */
interface TwoMeans { labels: (0 | 1)[]; cost: number; centers: [Rgb, Rgb] }

/** The 2-means split with the least weighted spread over every pair of colours as starting centres (at least two colours). */
function twoMeans(colors: Rgb[], weight: number[]): TwoMeans {
  let best: TwoMeans | undefined;
  for (let a = 0; a < colors.length; a++) {
    for (let b = a + 1; b < colors.length; b++) {
      const result = kMeans2(colors, weight, [colors[a]!, colors[b]!]);
      if (!best || result.cost < best.cost) best = result;
    }
  }
  return best!;
}

function kMeans2(colors: Rgb[], weight: number[], start: [Rgb, Rgb]): TwoMeans {
  let centers = start;
  let labels: (0 | 1)[] = [];
  for (let iteration = 0; iteration < 10; iteration++) {
    labels = colors.map((c) => (colorDistance(c, centers[0]) <= colorDistance(c, centers[1]) ? 0 : 1));
    const next = [0, 1].map((k) => weightedMean(colors.filter((_, i) => labels[i] === k), weight.filter((_, i) => labels[i] === k))) as [Rgb | null, Rgb | null];
    centers = [next[0] ?? centers[0], next[1] ?? centers[1]];
  }
  const cost = colors.reduce((s, c, i) => s + weight[i]! * colorDistance(c, centers[labels[i]!]) ** 2, 0);
  return { labels, cost, centers };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function weightedMean(colors: Rgb[], weights: number[]): Rgb | null {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!colors.length || !total) return null;
  return [0, 1, 2].map((c) => colors.reduce((s, k, i) => s + k[c]! * weights[i]!, 0) / total) as Rgb;
}

/** Euclidean distance between two colours in RGB. */
export function colorDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
