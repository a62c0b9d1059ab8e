/**
 * A small dense simplex for covering LPs in their dual (packing) form:
 *
 *   maximize d·y  subject to  A y ≤ p,  y ≥ 0        (A ≥ 0, p ≥ 0)
 *
 * Rows of A are instance types (p their prices), columns are demanded resources (d the demand).
 * y is then a price per unit of each resource such that no instance type is worth more than it
 * costs, and by weak duality d·y is a lower bound on the cost of any set of nodes whose capacity
 * covers d. Any feasible y gives a valid bound, so the answer is re-checked against the original
 * data and scaled down if rounding made it infeasible: the returned bound never depends on the
 * simplex having converged exactly.
 */
export interface PackingLP {
  /** rows × cols, non-negative. */
  a: Float64Array[];
  /** Row bounds (prices), non-negative. */
  p: Float64Array;
  /** Column weights (demand), non-negative. */
  d: Float64Array;
}

export interface PackingSolution {
  y: Float64Array;
  value: number;
}

const Eps = 1e-12;
const MaxPivots = 20_000;

export function solvePacking(lp: PackingLP): PackingSolution {
  const m = lp.a.length;
  const n = lp.d.length;
  const y = new Float64Array(n);
  if (m === 0 || n === 0) return { y, value: 0 };

  // Scale each column to a largest coefficient of 1 so cpu millicores and memory bytes mix well.
  const scale = new Float64Array(n).fill(0);
  for (const row of lp.a) for (let j = 0; j < n; j++) scale[j] = Math.max(scale[j]!, row[j]!);
  const active: number[] = [];
  for (let j = 0; j < n; j++) if (scale[j]! > 0 && lp.d[j]! > 0) active.push(j);
  const k = active.length;
  if (k === 0) return { y, value: 0 };

  // Dictionary: basic_i = b_i − Σ_j T[i][j]·nonbasic_j ; z = z0 + Σ_j c_j·nonbasic_j
  const T = lp.a.map((row) => {
    const r = new Float64Array(k);
    for (let c = 0; c < k; c++) r[c] = row[active[c]!]! / scale[active[c]!]!;
    return r;
  });
  const b = Float64Array.from(lp.p);
  // Objective in the scaled variables (y' = y·scale), normalized: only the direction matters.
  const c = new Float64Array(k);
  for (let j = 0; j < k; j++) c[j] = lp.d[active[j]!]! / scale[active[j]!]!;
  const cmax = Math.max(...c);
  for (let j = 0; j < k; j++) c[j] = c[j]! / cmax;
  // Variable ids: 0..k-1 are y's, k..k+m-1 are slacks.
  const nonbasic = Array.from({ length: k }, (_, j) => j);
  const basic = Array.from({ length: m }, (_, i) => k + i);

  let degenerate = 0;
  for (let pivots = 0; pivots < MaxPivots; pivots++) {
    // Entering: largest reduced cost (Bland's smallest index after many degenerate steps, to avoid cycling).
    let s = -1;
    if (degenerate > 50) {
      let bestId = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        if (c[j]! > Eps && nonbasic[j]! < bestId) {
          bestId = nonbasic[j]!;
          s = j;
        }
      }
    } else {
      let best = Eps;
      for (let j = 0; j < k; j++) {
        if (c[j]! > best) {
          best = c[j]!;
          s = j;
        }
      }
    }
    if (s < 0) break;
    // Leaving: the tightest row.
    let r = -1;
    let ratio = Number.POSITIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      const t = T[i]![s]!;
      if (t <= Eps) continue;
      const q = Math.max(0, b[i]!) / t;
      if (q < ratio - Eps || (q <= ratio + Eps && r >= 0 && basic[i]! < basic[r]!)) {
        ratio = q;
        r = i;
      }
    }
    if (r < 0) break; // unbounded direction: cannot happen with every column covered by some row
    degenerate = ratio <= Eps ? degenerate + 1 : 0;
    const rowR = T[r]!;
    const piv = rowR[s]!;
    for (let j = 0; j < k; j++) rowR[j] = j === s ? 1 / piv : rowR[j]! / piv;
    b[r] = b[r]! / piv;
    for (let i = 0; i < m; i++) {
      if (i === r) continue;
      const row = T[i]!;
      const f = row[s]!;
      if (f === 0) continue;
      for (let j = 0; j < k; j++) row[j] = j === s ? -f * rowR[s]! : row[j]! - f * rowR[j]!;
      b[i] = b[i]! - f * b[r]!;
    }
    const cs = c[s]!;
    for (let j = 0; j < k; j++) c[j] = j === s ? -cs * rowR[s]! : c[j]! - cs * rowR[j]!;
    const entering = nonbasic[s]!;
    nonbasic[s] = basic[r]!;
    basic[r] = entering;
  }

  for (let i = 0; i < m; i++) {
    const v = basic[i]!;
    if (v < k) y[active[v]!] = Math.max(0, b[i]!) / scale[active[v]!]!;
  }
  return feasible(lp, y);
}

/** Scales y down until it satisfies every row exactly as given, and evaluates it. */
function feasible(lp: PackingLP, y: Float64Array): PackingSolution {
  let factor = 1;
  for (let i = 0; i < lp.a.length; i++) {
    const row = lp.a[i]!;
    let lhs = 0;
    for (let j = 0; j < y.length; j++) lhs += row[j]! * y[j]!;
    if (lhs > lp.p[i]!) factor = Math.min(factor, lp.p[i]! / lhs);
  }
  // A hair under, so the products and sums above cannot round the bound over the optimum.
  factor *= 1 - 1e-9;
  let value = 0;
  for (let j = 0; j < y.length; j++) {
    y[j] = y[j]! * factor;
    value += lp.d[j]! * y[j]!;
  }
  return { y, value };
}
