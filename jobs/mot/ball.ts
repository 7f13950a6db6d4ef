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

/** Per-pixel arrays kept from one frame to the next (every frame is searched: that is a lot of garbage otherwise). */
let scratch = { bright: new Uint8Array(0), label: new Int32Array(0) };

/**
 * Which pixels are bright, not green, not yellow: white or light grey, after chroma subsampling has
 * smeared it. One tight pass over the frame, so the search below reads a byte a pixel.
 */
function brightMask(rgb: Uint8Array, mask: Uint8Array): void {
  for (let p = 0, o = 0; p < mask.length; p++, o += 3) {
    const r = rgb[o]!;
    const b = rgb[o + 2]!;
    mask[p] = b >= MIN_BLUE && r >= MIN_BLUE && 77 * r + 150 * rgb[o + 1]! + 29 * b >= MIN_LUMA * 256 ? 1 : 0;
  }
}

export function findBallCandidates(rgb: Uint8Array, width: number, height: number, size: BallSize, max = 12): BallCandidate[] {
  const n = width * height;
  if (scratch.label.length !== n) scratch = { bright: new Uint8Array(n), label: new Int32Array(n) };
  const { bright, label } = scratch;
  brightMask(rgb, bright);
  label.fill(0);
  const stack: number[] = [];
  const out: BallCandidate[] = [];
  const maxW = Math.ceil(size.w * 2) + 1;
  const maxH = Math.ceil(size.h * 2) + 1;
  const minArea = Math.max(2, Math.floor(0.25 * size.w * size.h));
  const maxArea = Math.ceil(2.5 * size.w * size.h) + 2;
  let next = 0;
  for (let start = 0; start < n; start++) {
    if (!bright[start] || label[start] !== 0) continue;
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
      if (x > 0 && bright[p - 1] && label[p - 1] === 0) {
        label[p - 1] = next;
        stack.push(p - 1);
      }
      if (x < width - 1 && bright[p + 1] && label[p + 1] === 0) {
        label[p + 1] = next;
        stack.push(p + 1);
      }
      if (y > 0 && bright[p - width] && label[p - width] === 0) {
        label[p - width] = next;
        stack.push(p - width);
      }
      if (y < height - 1 && bright[p + width] && label[p + width] === 0) {
        label[p + width] = next;
        stack.push(p + width);
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    if (area < minArea || area > maxArea || w > maxW || h > maxH) continue;
    const fill = area / (w * h);
    const isolation = ringDarkness(bright, width, height, x0, y0, x1, y1);
    if (fill < 0.4 || isolation < 0.7) continue;
    const brightness = Math.min(1, (sum / area - MIN_LUMA) / 60 + 0.5);
    const shape = 1 - Math.min(1, Math.abs(Math.log((w * size.h) / (h * size.w))) / 1.5);
    out.push({ x: sx / sum + 0.5, y: sy / sum + 0.5, w, h, score: Math.max(0, Math.min(1, brightness * shape * isolation)) });
  }
  return out.sort((a, b) => b.score - a.score).slice(0, max);
}

/** Share of the one-pixel ring around a box that is not bright: a ball stands alone on the grass. */
function ringDarkness(bright: Uint8Array, width: number, height: number, x0: number, y0: number, x1: number, y1: number): number {
  let dark = 0;
  let total = 0;
  const visit = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    total++;
    if (!bright[y * width + x]) dark++;
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
