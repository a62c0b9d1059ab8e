// The one place tenon talks to HiGHS (npm `highs`, a WebAssembly build of the HiGHS MILP solver).
// The module is loaded once, when this file is imported; a solve is then synchronous, so the
// scheduling core stays a plain function.
import * as highsModule from "highs";
import type { Highs, InitOptions } from "highs";

type Loader = (options?: InitOptions) => Promise<Highs>;
// The package's types describe a CommonJS module while Node loads its ES build: the loader is the
// default export at run time, and `default` of the namespace to the type checker. Take either.
const moduleDefault = (highsModule as unknown as { default: Loader | { default: Loader } }).default;
const loadHighs: Loader = typeof moduleDefault === "function" ? moduleDefault : moduleDefault.default;

/** A mixed-integer program: minimize cost·x subject to lo ≤ A x ≤ hi and bounds, some x integer. */
export interface Milp {
  cost: number[];
  lower: number[];
  upper: number[];
  integer: boolean[];
  /** Rows, sparse. */
  rows: { indices: number[]; values: number[]; lo: number; hi: number }[];
}

export type MilpStatus = "optimal" | "timeLimit" | "infeasible" | "error";

export interface MilpResult {
  status: MilpStatus;
  /** Values of the best solution found (absent when none was). */
  x?: Float64Array;
  objective?: number;
  /** A proven lower bound on the optimum (the MIP dual bound); -Infinity when none is known. */
  bound: number;
  detail?: string;
}

let runtime: Highs | undefined;
let loadError: string | undefined;
try {
  runtime = await loadHighs();
} catch (e) {
  // The exact stage is an optimization: without HiGHS the heuristic plan stands, and says why.
  loadError = e instanceof Error ? e.message : String(e);
}

/** Why the MILP solver cannot be used, or undefined when it can. */
export function milpUnavailable(): string | undefined {
  return runtime ? undefined : `the MILP solver (HiGHS) did not load: ${loadError ?? "unknown error"}`;
}

// A first solve compiles most of the WebAssembly (about 0.1 s of CPU); do it at load time so the
// first real batch gets its whole budget.
if (runtime) solveMilp({ cost: [1, 2], lower: [0, 0], upper: [5, 5], integer: [true, true], rows: [{ indices: [0, 1], values: [2, 3], lo: 7, hi: Number.POSITIVE_INFINITY }] }, 1);

export function solveMilp(p: Milp, timeLimitSeconds: number): MilpResult {
  const h = runtime;
  if (!h) return { status: "error", bound: Number.NEGATIVE_INFINITY, detail: milpUnavailable() };
  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of p.rows) {
    for (let k = 0; k < r.indices.length; k++) {
      indices.push(r.indices[k]!);
      values.push(r.values[k]!);
    }
    starts.push(indices.length);
  }
  const inf = h.infinity;
  const clamp = (v: number): number => (v === Number.POSITIVE_INFINITY ? inf : v === Number.NEGATIVE_INFINITY ? -inf : v);
  const { integer } = h.constants.variableType;
  const { continuous } = h.constants.variableType;
  const ms = h.constants.modelStatus;
  try {
    return h.withModel(
      {
        numCols: p.cost.length,
        numRows: p.rows.length,
        colCost: p.cost,
        colLower: p.lower.map(clamp),
        colUpper: p.upper.map(clamp),
        rowLower: p.rows.map((r) => clamp(r.lo)),
        rowUpper: p.rows.map((r) => clamp(r.hi)),
        matrix: { format: "csr", numRows: p.rows.length, numCols: p.cost.length, starts, indices, values },
        integrality: p.integer.map((b) => (b ? integer : continuous)),
      },
      (m): MilpResult => {
        m.options.set({ output_flag: false, time_limit: Math.max(0.001, timeLimitSeconds), mip_rel_gap: 1e-6 });
        m.run();
        const status = m.getModelStatus();
        let bound = Number.NEGATIVE_INFINITY;
        try {
          const b = m.info.get("mip_dual_bound");
          if (typeof b === "number" && Number.isFinite(b)) bound = b;
        } catch {
          // no bound known
        }
        const hasSolution = (() => {
          try {
            return m.info.get("primal_solution_status") === 2;
          } catch {
            return false;
          }
        })();
        const solution = hasSolution ? { x: Float64Array.from(m.getSolution().colValue), objective: m.getObjectiveValue() } : {};
        if (status === ms.optimal) return { status: "optimal", bound, ...solution };
        if (status === ms.infeasible) return { status: "infeasible", bound };
        if (status === ms.timeLimit) return { status: "timeLimit", bound, ...solution };
        return { status: "error", bound, ...solution, detail: `HiGHS model status ${status}` };
      },
    );
  } catch (e) {
    return { status: "error", bound: Number.NEGATIVE_INFINITY, detail: e instanceof Error ? e.message : String(e) };
  }
}
