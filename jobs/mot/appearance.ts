// What a player looks like, beyond the kit his whole team shares: the mean colour of the box's
// middle columns in two horizontal bands, head (skin, hair) and legs (skin below the shorts),
// grass left out. Two players of one team differ there, where the shirt colour cannot tell them
// apart (bands over shirt and shorts were tried: they only added noise).

/** Bands as shares of the box height, top to bottom: head, legs. */
const BANDS: readonly [number, number][] = [[0, 0.16], [0.6, 0.85]];
const COLUMNS: [number, number] = [0.25, 0.75];
/** Pixels a band needs for its colour to count. */
const MIN_PIXELS = 3;

/** Mean RGB per band, NaN where a band had too few pixels. */
export type Appearance = Float32Array;

export function appearanceOf(rgb: Uint8Array, width: number, height: number, box: { x: number; y: number; w: number; h: number }): Appearance {
  const out = new Float32Array(BANDS.length * 3).fill(NaN);
  const x0 = Math.max(0, Math.round(box.x + COLUMNS[0] * box.w));
  const x1 = Math.min(width - 1, Math.round(box.x + COLUMNS[1] * box.w));
  BANDS.forEach(([top, bottom], k) => {
    const y0 = Math.max(0, Math.round(box.y + top * box.h));
    const y1 = Math.min(height - 1, Math.round(box.y + bottom * box.h) - 1);
    let r = 0;
    let g = 0;
    let b = 0;
    let n = 0;
    for (let y = y0; y <= y1; y++) {
      for (let o = (y * width + x0) * 3, end = (y * width + x1) * 3; o <= end; o += 3) {
        const pr = rgb[o]!;
        const pg = rgb[o + 1]!;
        const pb = rgb[o + 2]!;
        if (pg > pr + 20 && pg > pb + 20) continue;
        r += pr;
        g += pg;
        b += pb;
        n++;
      }
    }
    if (n < MIN_PIXELS) return;
    out[3 * k] = r / n;
    out[3 * k + 1] = g / n;
    out[3 * k + 2] = b / n;
  });
  return out;
}

/** Mean RGB distance over the bands both have; NaN when they share none. */
export function appearanceDistance(a: Appearance, b: Appearance): number {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < a.length; k += 3) {
    if (Number.isNaN(a[k]!) || Number.isNaN(b[k]!)) continue;
    sum += Math.hypot(a[k]! - b[k]!, a[k + 1]! - b[k + 1]!, a[k + 2]! - b[k + 2]!);
    n++;
  }
  return n ? sum / n : NaN;
}

/** Moves `into` towards `sample` by `rate` (a band only one of them has is taken as it is). */
export function blendAppearance(into: Appearance, sample: Appearance, rate: number): void {
  for (let i = 0; i < into.length; i++) {
    const s = sample[i]!;
    if (Number.isNaN(s)) continue;
    into[i] = Number.isNaN(into[i]!) ? s : (1 - rate) * into[i]! + rate * s;
  }
}
