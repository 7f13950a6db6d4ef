// A constant-velocity Kalman filter over a box's centre, aspect ratio and height (x, y, a, h and
// their velocities), with ByteTrack's noise model: uncertainty proportional to the box height.

type Matrix = number[][];

const DIM = 4;
const POSITION_STD = 1 / 20;
const VELOCITY_STD = 1 / 160;

export interface Measurement {
  x: number;
  y: number;
  a: number;
  h: number;
}

export class KalmanBox {
  private mean: number[];
  private covariance: Matrix;

  constructor(m: Measurement) {
    this.mean = [m.x, m.y, m.a, m.h, 0, 0, 0, 0];
    const p = [2 * POSITION_STD * m.h, 2 * POSITION_STD * m.h, 1e-2, 2 * POSITION_STD * m.h];
    const v = [10 * VELOCITY_STD * m.h, 10 * VELOCITY_STD * m.h, 1e-5, 10 * VELOCITY_STD * m.h];
    this.covariance = diagonal([...p, ...v].map((s) => s * s));
  }

  get state(): Measurement & { vx: number; vy: number } {
    const [x = 0, y = 0, a = 0, h = 0, vx = 0, vy = 0] = this.mean;
    return { x, y, a, h, vx, vy };
  }

  /** Advances one frame. */
  predict(): void {
    const h = this.mean[3]!;
    const p = [POSITION_STD * h, POSITION_STD * h, 1e-2, POSITION_STD * h];
    const v = [VELOCITY_STD * h, VELOCITY_STD * h, 1e-5, VELOCITY_STD * h];
    const f = transition();
    this.mean = multiplyVector(f, this.mean);
    this.covariance = add(multiply(multiply(f, this.covariance), transpose(f)), diagonal([...p, ...v].map((s) => s * s)));
  }

  update(m: Measurement): void {
    const h = this.mean[3]!;
    const r = diagonal([POSITION_STD * h, POSITION_STD * h, 1e-1, POSITION_STD * h].map((s) => s * s));
    const hm = observation();
    const projectedCov = add(multiply(multiply(hm, this.covariance), transpose(hm)), r);
    const gain = multiply(multiply(this.covariance, transpose(hm)), invert(projectedCov));
    const innovation = [m.x, m.y, m.a, m.h].map((z, i) => z - this.mean[i]!);
    this.mean = this.mean.map((v, i) => v + gain[i]!.reduce((s, g, j) => s + g * innovation[j]!, 0));
    this.covariance = multiply(subtract(identity(2 * DIM), multiply(gain, hm)), this.covariance);
  }
}

function transition(): Matrix {
  const f = identity(2 * DIM);
  for (let i = 0; i < DIM; i++) f[i]![DIM + i] = 1;
  return f;
}

function observation(): Matrix {
  return Array.from({ length: DIM }, (_, i) => Array.from({ length: 2 * DIM }, (_, j) => (i === j ? 1 : 0)));
}

function identity(n: number): Matrix {
  return diagonal(Array.from({ length: n }, () => 1));
}

function diagonal(values: number[]): Matrix {
  return values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));
}

function transpose(a: Matrix): Matrix {
  return a[0]!.map((_, j) => a.map((row) => row[j]!));
}

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
}

function multiplyVector(a: Matrix, v: number[]): number[] {
  return a.map((row) => row.reduce((s, x, k) => s + x * v[k]!, 0));
}

function add(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v + b[i]![j]!));
}

function subtract(a: Matrix, b: Matrix): Matrix {
  return a.map((row, i) => row.map((v, j) => v - b[i]![j]!));
}

/** Gauss-Jordan inverse; the matrices here are small and positive definite. */
function invert(a: Matrix): Matrix {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...identity(n)[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[pivot]![c]!)) pivot = r;
    [m[c], m[pivot]] = [m[pivot]!, m[c]!];
    const p = m[c]![c]!;
    for (let j = 0; j < 2 * n; j++) m[c]![j]! /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const factor = m[r]![c]!;
      for (let j = 0; j < 2 * n; j++) m[r]![j]! -= factor * m[c]![j]!;
    }
  }
  return m.map((row) => row.slice(n));
}
