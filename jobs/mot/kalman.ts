// A constant-velocity Kalman filter over a box's centre, aspect ratio and height (x, y, a, h and
// their velocities), with ByteTrack's noise model: uncertainty proportional to the box height.
// Every track is predicted on every frame, so the algebra is written out for this model (the
// state's first half is observed, the transition adds the second half to the first) over flat
// arrays, without allocating.

const DIM = 4;
const N = 2 * DIM;
const POSITION_STD = 1 / 20;
const VELOCITY_STD = 1 / 160;

export interface Measurement {
  x: number;
  y: number;
  a: number;
  h: number;
}

export class KalmanBox {
  private readonly mean = new Float64Array(N);
  /** Row-major N x N. */
  private readonly covariance = new Float64Array(N * N);

  constructor(m: Measurement) {
    this.mean.set([m.x, m.y, m.a, m.h]);
    const p = [2 * POSITION_STD * m.h, 2 * POSITION_STD * m.h, 1e-2, 2 * POSITION_STD * m.h];
    const v = [10 * VELOCITY_STD * m.h, 10 * VELOCITY_STD * m.h, 1e-5, 10 * VELOCITY_STD * m.h];
    [...p, ...v].forEach((s, i) => (this.covariance[i * N + i] = s * s));
  }

  /** A copy that evolves on its own. */
  clone(): KalmanBox {
    const copy = new KalmanBox({ x: 0, y: 0, a: 0, h: 0 });
    copy.mean.set(this.mean);
    copy.covariance.set(this.covariance);
    return copy;
  }

  get state(): Measurement & { vx: number; vy: number } {
    const [x = 0, y = 0, a = 0, h = 0, vx = 0, vy = 0] = this.mean;
    return { x, y, a, h, vx, vy };
  }

  /** Advances one frame: mean ← F·mean, covariance ← F·P·Fᵀ + Q with F = [[I, I], [0, I]]. */
  predict(): void {
    const m = this.mean;
    const p = this.covariance;
    const h = m[3]!;
    for (let i = 0; i < DIM; i++) m[i]! += m[DIM + i]!;
    // Rows first (F·P: the top half gains the bottom half), then columns (·Fᵀ: likewise).
    for (let i = 0; i < DIM; i++) for (let j = 0; j < N; j++) p[i * N + j]! += p[(DIM + i) * N + j]!;
    for (let i = 0; i < N; i++) for (let j = 0; j < DIM; j++) p[i * N + j]! += p[i * N + DIM + j]!;
    const q = [POSITION_STD * h, POSITION_STD * h, 1e-2, POSITION_STD * h, VELOCITY_STD * h, VELOCITY_STD * h, 1e-5, VELOCITY_STD * h];
    for (let i = 0; i < N; i++) p[i * N + i]! += q[i]! * q[i]!;
  }

  update(z: Measurement): void {
    const m = this.mean;
    const p = this.covariance;
    const h = m[3]!;
    const r = [POSITION_STD * h, POSITION_STD * h, 1e-1, POSITION_STD * h];
    // S = H·P·Hᵀ + R is P's top-left block plus R; P·Hᵀ is P's first DIM columns.
    const s = new Float64Array(DIM * DIM);
    for (let i = 0; i < DIM; i++) for (let j = 0; j < DIM; j++) s[i * DIM + j] = p[i * N + j]! + (i === j ? r[i]! * r[i]! : 0);
    const sInv = invert(s, DIM);
    // K = P·Hᵀ·S⁻¹ (N x DIM).
    const k = new Float64Array(N * DIM);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < DIM; j++) {
        let sum = 0;
        for (let l = 0; l < DIM; l++) sum += p[i * N + l]! * sInv[l * DIM + j]!;
        k[i * DIM + j] = sum;
      }
    }
    const innovation = [z.x - m[0]!, z.y - m[1]!, z.a - m[2]!, z.h - m[3]!];
    for (let i = 0; i < N; i++) {
      let sum = 0;
      for (let j = 0; j < DIM; j++) sum += k[i * DIM + j]! * innovation[j]!;
      m[i]! += sum;
    }
    // P ← (I − K·H)·P = P − K·(H·P), and H·P is P's first DIM rows.
    const top = p.slice(0, DIM * N);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        let sum = 0;
        for (let l = 0; l < DIM; l++) sum += k[i * DIM + l]! * top[l * N + j]!;
        p[i * N + j]! -= sum;
      }
    }
  }
}

/** Gauss-Jordan inverse of a small positive-definite n x n matrix (row-major). */
function invert(a: Float64Array, n: number): Float64Array {
  const w = 2 * n;
  const m = new Float64Array(n * w);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) m[i * w + j] = a[i * n + j]!;
    m[i * w + n + i] = 1;
  }
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r * w + c]!) > Math.abs(m[pivot * w + c]!)) pivot = r;
    if (pivot !== c) {
      for (let j = 0; j < w; j++) {
        const t = m[c * w + j]!;
        m[c * w + j] = m[pivot * w + j]!;
        m[pivot * w + j] = t;
      }
    }
    const d = m[c * w + c]!;
    for (let j = 0; j < w; j++) m[c * w + j]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r * w + c]!;
      if (f !== 0) for (let j = 0; j < w; j++) m[r * w + j]! -= f * m[c * w + j]!;
    }
  }
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = m[i * w + n + j]!;
  return out;
}
