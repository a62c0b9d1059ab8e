import type { V1Pod } from "@kubernetes/client-node";
import { CapacityReservationIDLabel, CapacityReservationTypeLabel, CapacityTypeLabel, ZoneIDLabel, ZoneLabel } from "../../apis/labels.js";
import type { SolveContext } from "../context.js";
import { Incompatible } from "../interning.js";
import type { PoolContext } from "../nodepools.js";
import { fits } from "../resources.js";
import type { Shape } from "../shapes.js";
import { firstUntolerated } from "../taints.js";

/** Pods of one shape that the heuristic placed, and the one NodePool their new nodes come from. */
export interface ExactClass {
  shape: Shape;
  pods: V1Pod[];
  /** The first NodePool (in weight order) that can launch a node for the pod, as a new claim would. */
  pool: PoolContext | undefined;
  /** Every NodePool that could launch a node for it, first pool first: it may join a node opened for another pod in any of them. */
  pools: PoolContext[];
  /** The pod's node requirements (its only alternative, hostname aside). */
  reqId: number;
}

/** Keys whose value on a new node is decided by the offering it is bought with. */
const OfferingKeys = new Set([ZoneLabel, CapacityTypeLabel]);
/** Offering-level keys the exact model does not split nodes by. */
const UnsupportedKeys = [ZoneIDLabel, CapacityReservationIDLabel, CapacityReservationTypeLabel];

/**
 * Whether the exact model expresses every constraint of these pods, and if not, the first one it
 * does not (for the explanation). The model knows resources, node requirements, taints,
 * daemonset overhead, offerings and NodePool limits; topology spread, pod (anti-)affinity, host
 * ports, preferences, several OR-ed node affinity terms, node names, minValues and capacity
 * reservations are left to the heuristic.
 */
export function unsupported(ctx: SolveContext, classes: readonly ExactClass[]): string | undefined {
  for (const c of classes) {
    const s = c.shape;
    const name = podName(c.pods[0]);
    if (s.invalid) return `pod ${name} cannot be placed at all`;
    if (s.levels.length > 1) return `pod ${name} has scheduling preferences`;
    const l = s.levels[0]!;
    if (l.owned.length > 0 || s.selectedBy.length > 0) return `pod ${name} takes part in topology spread or pod (anti-)affinity`;
    if (s.hostPorts.length > 0) return `pod ${name} uses host ports`;
    if (l.alts.length !== 1) return `pod ${name} has several required node affinity terms`;
    const alt = l.alts[0]!;
    if (alt.nodeName.length > 0) return `pod ${name} selects a node by name`;
    const reqs = ctx.table.get(alt.reqId);
    for (const k of UnsupportedKeys) if (reqs.has(k)) return `pod ${name} requires ${k}`;
    for (const pool of c.pools) {
      if (pool.hasMinValues) return `NodePool ${pool.name} sets minValues`;
      for (const key of reqs.keys()) {
        if (OfferingKeys.has(key)) continue;
        if (!fixedByType(pool, key)) return `pod ${name} requires ${key}, which NodePool ${pool.name} leaves open on its nodes`;
      }
    }
  }
  for (const pool of new Set(classes.flatMap((c) => c.pools))) {
    for (const t of pool.types) for (const o of t.it.offerings) if (o.available && o.reservationCapacity !== undefined) return `NodePool ${pool.name} can use capacity reservations`;
  }
  return undefined;
}

/** Whether every node of the pool has one known value (or none) for `key`, given its type. */
function fixedByType(pool: PoolContext, key: string): boolean {
  const base = pool.baseReqs.get(key);
  if (!base) return true; // the label is absent on every node, or a type label
  if (!base.complement && base.size === 1) return true;
  return pool.types.every((t) => {
    const r = t.reqs.get(key);
    return r !== undefined && !r.complement && r.size === 1;
  });
}

/** The pool a new claim for the shape would open in: the first that tolerates it, allows it and has a type that holds it. */
export function firstPool(ctx: SolveContext, shape: Shape): { pool: PoolContext; reqId: number } | undefined {
  return poolsTaking(ctx, shape)[0];
}

/** Every NodePool that could launch a node for the shape, in the order new claims try them. */
export function poolsTaking(ctx: SolveContext, shape: Shape): { pool: PoolContext; reqId: number }[] {
  const out: { pool: PoolContext; reqId: number }[] = [];
  const l = shape.levels[0];
  const alt = l?.alts[0];
  if (!l || !alt || l.alts.length !== 1) return out;
  for (const pool of ctx.pools) {
    if (firstUntolerated(pool.taints, l.tolerations, l.ignorePreferNoSchedule)) continue;
    const id = ctx.table.compatibleWith(pool.baseReqId, alt.reqId);
    if (id === Incompatible) continue;
    const vi = pool.viability(id);
    if (!vi.any) continue;
    if (vi.order.some((i) => fits(shape.request, pool.types[i]!.cap))) out.push({ pool, reqId: alt.reqId });
  }
  return out;
}

export function podName(p: V1Pod | undefined): string {
  return `${p?.metadata?.namespace ?? "default"}/${p?.metadata?.name ?? ""}`;
}
