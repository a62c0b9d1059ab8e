import type { V1Pod } from "@kubernetes/client-node";
import { buildContext } from "../context.js";
import { Reservations, finalizeClaim } from "../finalize.js";
import { Placer } from "../placer.js";
import type { PlannedNodeClaim, SchedulingInput } from "../types.js";

/** An exact packing read back from the MILP: pods per existing node, and per new node its pool. */
export interface Assignment {
  existing: { node: string; pods: V1Pod[] }[];
  /** New nodes, dearest first, each with its pods largest first. */
  bins: { pool: string; pods: V1Pod[] }[];
}

export interface Replayed {
  nodeClaims: PlannedNodeClaim[];
  existingNodes: { name: string; pods: V1Pod[] }[];
  totalPricePerHour: number;
}

/**
 * Builds the plan for an assignment by placing every pod through the same Placer the heuristic
 * uses, on a fresh context: each placement passes every check the heuristic's would (taints,
 * requirements, resources with daemonset overhead, offerings, limits), and each claim launches the
 * cheapest type holding its pods. Any refusal means the model said more than the checks allow, and
 * the assignment is dropped (the reason says which pod), never turned into a plan.
 */
export function replay(input: SchedulingInput, a: Assignment): Replayed | string {
  const ctx = buildContext(input);
  const placer = new Placer(ctx);
  const index = new Map<V1Pod, number>();
  input.pods.forEach((p, i) => index.set(p, i));
  const shapeOf = (p: V1Pod) => ctx.podShape[index.get(p) ?? -1];
  const name = (p: V1Pod): string => `${p.metadata?.namespace ?? "default"}/${p.metadata?.name ?? ""}`;

  for (const e of a.existing) {
    const slot = ctx.nodes.find((n) => n.name === e.node);
    if (!slot) return `node ${e.node} is not in the input`;
    for (const p of e.pods) {
      const s = shapeOf(p);
      if (!s || !placer.tryNode(slot, s, 0, p)) return `pod ${name(p)} does not pass the checks on node ${e.node}`;
    }
  }
  const unlimited = { kind: "grow" as const, alternative: { price: Number.POSITIVE_INFINITY, worth: 0 } };
  for (const b of a.bins) {
    const pool = ctx.pools.find((p) => p.name === b.pool);
    if (!pool) return `NodePool ${b.pool} is not in the input`;
    const [first, ...rest] = b.pods;
    if (!first) continue;
    const s0 = shapeOf(first);
    if (!s0 || !placer.openClaim(pool, s0, 0, first)) return `pod ${name(first)} does not pass the checks for a new node of NodePool ${b.pool}`;
    const claim = placer.claims[placer.claims.length - 1]!;
    for (const p of rest) {
      const s = shapeOf(p);
      const choice = s ? placer.evaluateClaim(claim, s, 0, unlimited) : undefined;
      if (!s || !choice) return `pod ${name(p)} does not fit next to the others on a new node of NodePool ${b.pool}`;
      placer.joinClaim(claim, choice, s, 0, p);
    }
  }
  const reservations = new Reservations();
  const nodeClaims: PlannedNodeClaim[] = [];
  for (const c of placer.claims) {
    if (c.placed.length === 0) continue;
    const planned = finalizeClaim(ctx, c, reservations);
    if (!planned) return `a new node of NodePool ${c.pool.name} has no instance type left for its pods`;
    nodeClaims.push(planned);
  }
  const existingNodes = ctx.nodes
    .filter((n) => n.placed.length > 0)
    .sort((x, y) => x.index - y.index)
    .map((n) => ({ name: n.name, pods: n.placed.map((p) => p.pod) }));
  return { nodeClaims, existingNodes, totalPricePerHour: nodeClaims.reduce((s, c) => s + c.pricePerHour, 0) };
}
