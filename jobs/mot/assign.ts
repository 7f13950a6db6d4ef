/**
 * Minimum-cost assignment (Hungarian algorithm, O(n²m)) of rows to columns; pairs costing more
 * than `maxCost` are left unmatched. An empty matrix has no columns: callers with no rows handle that.
 */
export function assign(cost: number[][], maxCost: number): { matches: [number, number][]; rows: number[]; cols: number[] } {
  const rows = cost.length;
  const cols = rows ? cost[0]!.length : 0;
  if (!rows || !cols) return { matches: [], rows: range(rows), cols: range(cols) };
  const transposed = rows > cols;
  const a = transposed ? cols : rows;
  const b = transposed ? rows : cols;
  const c = (i: number, j: number): number => Math.min(transposed ? cost[j]![i]! : cost[i]![j]!, maxCost + 1);
  // Potentials u, v and the column-to-row matching p, 1-based as in the classic formulation.
  const u = new Array<number>(a + 1).fill(0);
  const v = new Array<number>(b + 1).fill(0);
  const p = new Array<number>(b + 1).fill(0);
  const way = new Array<number>(b + 1).fill(0);
  for (let i = 1; i <= a; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Array<number>(b + 1).fill(Infinity);
    const used = new Array<boolean>(b + 1).fill(false);
    do {
      used[j0] = true;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= b; j++) {
        if (used[j]) continue;
        const cur = c(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= b; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else minv[j]! -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0);
  }
  const matches: [number, number][] = [];
  for (let j = 1; j <= b; j++) {
    const i = p[j]!;
    if (!i) continue;
    const [r, col] = transposed ? [j - 1, i - 1] : [i - 1, j - 1];
    if (cost[r]![col]! <= maxCost) matches.push([r, col]);
  }
  const matchedRows = new Set(matches.map((m) => m[0]));
  const matchedCols = new Set(matches.map((m) => m[1]));
  return { matches, rows: range(rows).filter((r) => !matchedRows.has(r)), cols: range(cols).filter((x) => !matchedCols.has(x)) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
