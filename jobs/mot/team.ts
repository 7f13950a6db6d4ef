// Teams from jersey colour: each detection samples the middle of its torso, each track keeps the
// median of its samples, and 2-means over the tracks splits them in two.

type Rgb = [number, number, number];

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

/** 2-means in RGB; the first colour's cluster is team 0. Unknown colours get null. */
export function splitTeams(colors: (Rgb | null)[]): (0 | 1 | null)[] {
  const known = colors.filter((c): c is Rgb => c !== null);
  if (known.length < 2) return colors.map((c) => (c ? 0 : null));
  // Start from the two colours farthest apart.
  let centers: [Rgb, Rgb] = [known[0]!, known[1]!];
  let best = -1;
  for (const a of known) for (const b of known) if (distance(a, b) > best) [best, centers] = [distance(a, b), [a, b]];
  let labels: (0 | 1)[] = [];
  for (let iteration = 0; iteration < 20; iteration++) {
    labels = known.map((c) => (distance(c, centers[0]) <= distance(c, centers[1]) ? 0 : 1));
    const next = [0, 1].map((k) => mean(known.filter((_, i) => labels[i] === k))) as [Rgb | null, Rgb | null];
    centers = [next[0] ?? centers[0], next[1] ?? centers[1]];
  }
  const flip = labels[0] === 1;
  let i = 0;
  return colors.map((c) => (c ? ((labels[i++]! ^ (flip ? 1 : 0)) as 0 | 1) : null));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function mean(colors: Rgb[]): Rgb | null {
  if (!colors.length) return null;
  return [0, 1, 2].map((c) => colors.reduce((s, k) => s + k[c]!, 0) / colors.length) as Rgb;
}

function distance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}
