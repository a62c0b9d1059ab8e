import { buildContext } from "./context.js";
import { Explainer } from "./explain.js";
import { Reservations, finalizeClaim } from "./finalize.js";
import { Improver } from "./improve.js";
import { type PlacedCounts, lowerBound, resourcePrices, unitPrices } from "./lowerbound.js";
import { Placer } from "./placer.js";
import { type Entry, InitialOrder, RetryQueue } from "./queue.js";
import { Search } from "./search.js";
import { exactStage } from "./exact/stage.js";
import type { Shape } from "./shapes.js";
import type { Explanation, PlannedNodeClaim, SchedulingInput, SchedulingResult, UnschedulablePod } from "./types.js";

/** How many pod moves the improvement pass may try, per pod (keeps the pass linear and deterministic). */
const ImprovementOpsPerPod = 16;

/** A pod that can share its node with no other pod of its kind: self hostname anti-affinity, or host ports. */
function isAnchor(shape: Shape): boolean {
  const l = shape.levels[0];
  if (!l) return false;
  return shape.hostPorts.length > 0 || l.owned.some((o) => o.required && o.group.kind === "antiAffinity" && o.group.isHostname && shape.selfSelects(o.group));
}

/**
 * Packs the pods onto existing nodes first, then into as few and as cheap new NodeClaims as it can,
 * honouring every constraint kube-scheduler checks; explains every pod it cannot place; and bounds
 * from below what any packing of the placed pods could cost. Pure: the input is not modified.
 */
export function solve(input: SchedulingInput): SchedulingResult {
  const ctx = buildContext(input);
  const prices = resourcePrices(ctx);
  ctx.prices = prices;
  const worth = (v: Float64Array, by: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < v.length; i++) if (by[i]! < Number.POSITIVE_INFINITY) s += by[i]! * Math.max(0, v[i]!);
    return s;
  };
  for (const pool of ctx.pools) for (const t of pool.types) t.value = worth(t.cap, prices);
  // Sort weight: each resource at the cheapest price any type sells it for, summed. Unlike the LP
  // prices (zero for a resource that does not bind overall), this ranks a memory-heavy pod as
  // large as a cpu-heavy one, which is what packing vectors needs.
  const unit = unitPrices(ctx);
  for (const s of ctx.shapes) s.size = worth(s.request, unit);

  const initialFree = new Float64Array(ctx.resources.size);
  const initialFreeByNode: Float64Array[] = [];
  let usableNodes = 0;
  for (const n of ctx.nodes) {
    if (!n.usable) continue;
    usableNodes += 1;
    initialFreeByNode.push(Float64Array.from(n.free));
    for (let i = 0; i < initialFree.length; i++) initialFree[i]! += Math.max(0, n.free[i]!);
  }

  const freeAtStart = ctx.nodes.map((n) => Float64Array.from(n.free));
  const placer = new Placer(ctx);
  const search = new Search(ctx, placer);
  const entries: Entry[] = input.pods.map((pod, index) => ({ index, pod, shape: ctx.podShape[index]!, level: 0 }));
  const order = new InitialOrder(entries, isAnchor, unit, placer.room);
  const retry = new RetryQueue();
  // A pod that fails is relaxed one preference at a time and tried again at once, the way
  // kube-scheduler lets a pod take the best node it can get when its turn comes (preferences are
  // scores, not waits). One that still fails waits at the back for pods placed after it.
  const attempt = (e: Entry, first: boolean): void => {
    for (;;) {
      if (search.place(e)) return;
      if (e.level >= e.shape.levels.length - 1) break;
      e.level += 1;
    }
    retry.push(e, false, first);
  };
  for (let e = order.next(); e; e = order.next()) attempt(e, true);
  for (let e = retry.pop(); e; e = retry.pop()) attempt(e, false);

  if (!input.options?.skipImprovement) new Improver(placer, ctx.nodes, { ops: ImprovementOpsPerPod * Math.max(1, input.pods.length) }).run();

  // The plan.
  const reservations = new Reservations();
  const nodeClaims: PlannedNodeClaim[] = [];
  const unplaced: Entry[] = retry.remaining();
  const placed: PlacedCounts = new Map();
  const count = (s: Shape): void => void placed.set(s, (placed.get(s) ?? 0) + 1);
  for (const c of placer.claims) {
    if (c.placed.length === 0) continue;
    const planned = finalizeClaim(ctx, c, reservations);
    if (!planned) {
      // Cannot happen while the packing keeps its invariants; surfaced rather than hidden if it does.
      for (const p of c.placed) unplaced.push({ index: input.pods.indexOf(p.pod), pod: p.pod, shape: p.shape, level: p.level });
      continue;
    }
    nodeClaims.push(planned);
    for (const p of c.placed) count(p.shape);
  }
  const existingNodes = ctx.nodes
    .filter((n) => n.placed.length > 0)
    .sort((a, b) => a.index - b.index)
    .map((n) => {
      for (const p of n.placed) count(p.shape);
      return { name: n.name, pods: n.placed.map((p) => p.pod) };
    });

  const explainer = new Explainer(placer);
  const memo = new Map<number, { reasons: Explanation[]; message: string }>();
  const unschedulable: UnschedulablePod[] = unplaced
    .sort((a, b) => a.index - b.index)
    .map((e) => {
      const key = placer.levelKey(e.shape, e.level);
      let m = memo.get(key);
      if (!m) {
        const reasons = explainer.explain(e.shape, e.level);
        m = { reasons, message: Explainer.message(reasons, e.shape.levels[e.level]!.relaxed) };
        memo.set(key, m);
      }
      return { pod: e.pod, reasons: m.reasons, message: m.message };
    });

  const totalPricePerHour = nodeClaims.reduce((s, c) => s + c.pricePerHour, 0);
  const lowerBoundPricePerHour = lowerBound(ctx, placed, initialFree, usableNodes, initialFreeByNode);
  const heuristic: SchedulingResult = {
    nodeClaims,
    existingNodes,
    unschedulable,
    totalPricePerHour,
    lowerBoundPricePerHour,
    costRatio: lowerBoundPricePerHour > 0 ? totalPricePerHour / lowerBoundPricePerHour : totalPricePerHour > 0 ? Number.POSITIVE_INFINITY : 1,
    rejected: ctx.rejected,
  };
  // The cheaper of this and the cost-optimal packing, when the batch is small enough to solve exactly.
  return exactStage(ctx, heuristic, freeAtStart, input.options?.exactTimeBudgetMs ?? 0);
}
