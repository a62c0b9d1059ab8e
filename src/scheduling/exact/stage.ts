import type { V1Pod } from "@kubernetes/client-node";
import type { SolveContext } from "../context.js";
import type { Shape } from "../shapes.js";
import type { ExactReport, SchedulingResult } from "../types.js";
import { type ExactClass, poolsTaking, unsupported } from "./eligible.js";
import { milpUnavailable, solveMilp } from "./milp.js";
import { type PackingModel, buildModel } from "./model.js";
import { type Assignment, replay } from "./replay.js";

/** A time budget for the exact stage (model, MILP and replay together) that callers may ask for. */
export const DefaultExactBudgetMs = 100;

/** Relative slack on float comparisons of prices (the MILP's tolerances are about 1e-6). */
const Tolerance = 1e-6;

/**
 * The exact stage: for a batch the model expresses fully, the cost-optimal packing of the pods the
 * heuristic placed (HiGHS, within a time budget); the cheaper of it and the heuristic plan is kept.
 * The MILP's proven bound, when there is one, raises the lower bound. A batch the model cannot
 * express, or a budget spent before the solve, leaves the heuristic plan as it is and says why.
 */
export function exactStage(ctx: SolveContext, heuristic: SchedulingResult, freeAtStart: readonly Float64Array[], budgetMs = 0): SchedulingResult {
  const started = performance.now();
  const heuristicPrice = heuristic.totalPricePerHour;
  const done = (outcome: ExactReport["outcome"], extra: Partial<ExactReport>, result: SchedulingResult = heuristic): SchedulingResult => ({
    ...result,
    exact: { outcome, usedExactPlan: extra.usedExactPlan ?? false, heuristicPricePerHour: heuristicPrice, milliseconds: performance.now() - started, budgetMs, ...extra },
  });
  if (budgetMs <= 0) return done("skipped", { reason: "the exact stage is disabled (time budget 0)" });
  const placedPods: V1Pod[] = [...heuristic.nodeClaims.flatMap((c) => c.pods), ...heuristic.existingNodes.flatMap((n) => n.pods)];
  if (placedPods.length === 0) return done("skipped", { reason: "no pod is placed" });
  if (heuristicPrice <= 0) return done("optimal", { reason: "the plan buys no node" });
  const unavailable = milpUnavailable();
  if (unavailable) return done("skipped", { reason: unavailable });

  // Classes: the placed pods by shape, each with the NodePool a new node of theirs comes from.
  const index = new Map<V1Pod, number>();
  ctx.input.pods.forEach((p, i) => index.set(p, i));
  const byShape = new Map<Shape, ExactClass>();
  // Karpenter takes NodePools in weight order, so a pod's new node comes from the first that takes
  // it; the lower bound ignores weights. Where a later pool could also take a pod, the optimum is
  // the optimum among plans that honour the order, and the bound stays the weight-free one.
  let weightsBind = false;
  for (const p of placedPods) {
    const shape = ctx.podShape[index.get(p)!]!;
    let c = byShape.get(shape);
    if (!c) {
      const takers = poolsTaking(ctx, shape);
      if (takers.length > 1) weightsBind = true;
      const first = takers[0];
      byShape.set(shape, (c = { shape, pods: [], pool: first?.pool, pools: takers.map((t) => t.pool), reqId: first?.reqId ?? shape.levels[0]?.alts[0]?.reqId ?? 0 }));
    }
    c.pods.push(p);
  }
  const classes = [...byShape.values()];
  const why = unsupported(ctx, classes);
  if (why) return done("skipped", { reason: `${why}, which the exact model does not express` });
  const classOf = new Map<V1Pod, ExactClass>();
  for (const c of classes) for (const p of c.pods) classOf.set(p, c);
  for (const claim of heuristic.nodeClaims) {
    // Karpenter's order: a new node is opened for a pod in the first NodePool that takes it (others
    // may join it). The heuristic goes further down only when limits stop the first pool.
    if (!claim.pods.some((p) => classOf.get(p)?.pool?.name === claim.nodePool)) {
      return done("skipped", { reason: `a node of NodePool ${claim.nodePool} holds only pods whose first NodePool is another (limits), which the exact model does not express` });
    }
  }

  const model = buildModel(ctx, classes, freeAtStart, started + budgetMs);
  if (typeof model === "string") return done("skipped", { reason: model.startsWith("the time budget") ? `the time budget (${budgetMs} ms) was spent enumerating packings` : model });
  const left = budgetMs - (performance.now() - started);
  if (left <= 0) return done("skipped", { reason: `the time budget (${budgetMs} ms) was spent building the model`, columns: model.columns });
  const r = solveMilp(model.milp, left / 1000);
  const stats = { columns: model.columns, rows: model.milp.rows.length, solverStatus: r.status as string };
  if (r.status === "error" || r.status === "infeasible") return done("skipped", { ...stats, reason: `the MILP solver gave no answer (${r.detail ?? r.status})` });

  let result = heuristic;
  let used = false;
  let replayProblem: string | undefined;
  if (r.x && r.objective !== undefined && r.objective < heuristicPrice * (1 - Tolerance)) {
    const plan = replay(ctx.input, assignment(model, r.x, classes));
    if (typeof plan === "string") replayProblem = plan;
    else if (plan.totalPricePerHour < heuristicPrice * (1 - Tolerance)) {
      result = { ...heuristic, nodeClaims: plan.nodeClaims, existingNodes: plan.existingNodes, totalPricePerHour: plan.totalPricePerHour };
      used = true;
    }
  }
  // The MILP's dual bound holds for every packing of these pods; never above a plan found (it would mean the model is wrong).
  let lower = heuristic.lowerBoundPricePerHour;
  if (!weightsBind && Number.isFinite(r.bound) && r.bound * (1 - Tolerance) <= result.totalPricePerHour) lower = Math.max(lower, r.bound * (1 - Tolerance));
  const total = result.totalPricePerHour;
  const costRatio = lower > 0 ? total / lower : total > 0 ? Number.POSITIVE_INFINITY : 1;
  result = { ...result, lowerBoundPricePerHour: lower, costRatio };
  if (weightsBind && r.status === "optimal" && total <= r.bound * (1 + 3 * Tolerance) + 1e-12) {
    return done("optimal", { ...stats, usedExactPlan: used, reason: "optimal among plans that take NodePools in weight order (the lower bound ignores weights)" }, result);
  }
  const proven = r.status === "optimal" && total <= lower * (1 + 3 * Tolerance) + 1e-12;
  if (proven) return done("optimal", { ...stats, usedExactPlan: used }, result);
  const reason =
    replayProblem !== undefined
      ? `the exact packing did not pass the placer's checks (${replayProblem}); the heuristic plan is kept`
      : r.status === "timeLimit"
        ? `the time budget (${budgetMs} ms) ran out before optimality was proven`
        : "optimality was not proven";
  return done("withinBound", { ...stats, reason, usedExactPlan: used }, result);
}

/** Reads the MILP's solution: which pods go on which existing node, and the new nodes by pool (a class covered twice is trimmed). */
function assignment(model: PackingModel, x: Float64Array, classes: readonly ExactClass[]): Assignment {
  const queues = classes.map((c) => [...c.pods]);
  const take = (i: number, n: number): V1Pod[] => queues[i]!.splice(0, n);
  const existing: Assignment["existing"] = [];
  const bins: (Assignment["bins"][number] & { price: number })[] = [];
  // Existing nodes first (free room), then new nodes dearest first, so trimming empties cheap ones.
  const order = model.patterns.map((_, j) => j).sort((a, b) => Number(!model.patterns[a]!.node) - Number(!model.patterns[b]!.node) || model.patterns[b]!.price - model.patterns[a]!.price);
  for (const j of order) {
    const p = model.patterns[j]!;
    const copies = Math.max(0, Math.round(x[j]!));
    for (let c = 0; c < copies; c++) {
      const members = [...p.counts].sort(([a], [b]) => classes[b]!.shape.size - classes[a]!.shape.size || a - b);
      const pods = members.flatMap(([i, n]) => take(i, n));
      if (pods.length === 0) continue;
      if (p.node) existing.push({ node: p.node.name, pods });
      else bins.push({ pool: p.kind!.pool.name, pods, price: p.price });
    }
  }
  // Rounding can leave a pod out only if the solution was not integral; the replay then refuses it.
  const missing = queues.flat();
  if (missing.length > 0) bins.push({ pool: "", pods: missing, price: 0 });
  return { existing, bins };
}
