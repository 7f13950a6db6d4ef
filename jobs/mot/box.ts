/** A box in source-video pixels: left, top, width, height. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** Intersection over the smaller box's area: 1 when one box lies inside the other. */
export function overlap(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / Math.max(1, Math.min(a.w * a.h, b.w * b.h));
}

/**
 * IoU of both boxes grown by `buffer` times their size on every side (C-BIoU): with detections a
 * few frames apart, a fast player's new box may barely overlap the predicted one.
 */
export function bufferedIou(a: Box, b: Box, buffer: number): number {
  return iou(grow(a, buffer), grow(b, buffer));
}

function grow(b: Box, k: number): Box {
  return { x: b.x - k * b.w, y: b.y - k * b.h, w: b.w * (1 + 2 * k), h: b.h * (1 + 2 * k) };
}
