// Ball candidates in one frame: small, compact, isolated blobs of white-ish pixels. Pitch lines are
// long, kit parts are big or elongated; what is left is mostly the ball (and some clutter, which
// the path through the frames in ballpath.ts sorts out).

export interface BallCandidate {
  /** Centre and size in the pixels of the image searched. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** 0..1: how ball-like (bright, compact, isolated). */
  score: number;
}

export interface BallSize {
  /** Expected ball diameter in image pixels, horizontally and vertically. */
  w: number;
  h: number;
}

const MIN_LUMA = 150;
const MIN_BLUE = 95;

/** Bright, not green, not yellow: white or light grey, after chroma subsampling has smeared it. */
function isBright(rgb: Uint8Array, o: number): boolean {
  const r = rgb[o]!;
  const g = rgb[o + 1]!;
  const b = rgb[o + 2]!;
  return b >= MIN_BLUE && r >= MIN_BLUE && 77 * r + 150 * g + 29 * b >= MIN_LUMA * 256;
}

export function findBallCandidates(rgb: Uint8Array, width: number, height: number, size: BallSize, max = 12): BallCandidate[] {
  const n = width * height;
  const label = new Int32Array(n);
  const stack: number[] = [];
  const out: BallCandidate[] = [];
  const maxW = Math.ceil(size.w * 2) + 1;
  const maxH = Math.ceil(size.h * 2) + 1;
  const minArea = Math.max(2, Math.floor(0.25 * size.w * size.h));
  const maxArea = Math.ceil(2.5 * size.w * size.h) + 2;
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (label[start] !== 0 || !isBright(rgb, start * 3)) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let area = 0;
    let sum = 0;
    let x0 = width;
    let x1 = -1;
    let y0 = height;
    let y1 = -1;
    let sx = 0;
    let sy = 0;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % width;
      const y = (p - x) / width;
      const o = p * 3;
      const luma = (77 * rgb[o]! + 150 * rgb[o + 1]! + 29 * rgb[o + 2]!) / 256;
      area++;
      sum += luma;
      sx += x * luma;
      sy += y * luma;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      // Big components are walked to the end (so they are labelled) but judged no further.
      for (const q of [p - 1, p + 1, p - width, p + width]) {
        if (q < 0 || q >= n || label[q] !== 0) continue;
        if ((q === p - 1 && x === 0) || (q === p + 1 && x === width - 1)) continue;
        if (!isBright(rgb, q * 3)) continue;
        label[q] = next;
        stack.push(q);
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (area < minArea || area > maxArea || w > maxW || h > maxH) continue;
    const fill = area / (w * h);
    const isolation = ringDarkness(rgb, width, height, x0, y0, x1, y1);
    if (fill < 0.4 || isolation < 0.7) continue;
    const brightness = Math.min(1, (sum / area - MIN_LUMA) / 60 + 0.5);
    const shape = 1 - Math.min(1, Math.abs(Math.log((w * size.h) / (h * size.w))) / 1.5);
    out.push({ x: sx / sum + 0.5, y: sy / sum + 0.5, w, h, score: Math.max(0, Math.min(1, brightness * shape * isolation)) });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, max);
}

/** Share of the one-pixel ring around a box that is not bright: a ball stands alone on the grass. */
function ringDarkness(rgb: Uint8Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number): number {
  let dark = 0;
  let total = 0;
  const visit = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    total++;
    if (!isBright(rgb, (y * width + x) * 3)) dark++;
  };
  for (let x = x0 - 2; x <= x1 + 2; x++) {
    visit(x, y0 - 2);
    visit(x, y1 + 2);
  }
  for (let y = y0 - 1; y <= y1 + 1; y++) {
    visit(x0 - 2, y);
    visit(x1 + 2, y);
  }
  return total ? dark / total : 0;
}
