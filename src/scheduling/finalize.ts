import { CapacityTypeLabel, CapacityTypes, InstanceTypeLabel } from "../apis/labels.js";
import type { Offering } from "../cloudprovider/types.js";
import type { SolveContext } from "./context.js";
import { offeringAllowed } from "./instancetypes.js";
import type { PoolType } from "./nodepools.js";
import { Requirement } from "../core/requirement.js";
import { fits } from "./resources.js";
import type { Claim } from "./targets.js";
import type { PlannedNodeClaim } from "./types.js";

/** Reserved capacity still unclaimed, per reservation id, shared by all claims of one plan. */
export class Reservations {
  private readonly left = new Map<string, number>();

  usable(o: Offering): boolean {
    if (o.reservationID === undefined || o.reservationCapacity === undefined) return true;
    return (this.left.get(o.reservationID) ?? o.reservationCapacity) > 0;
  }

  take(o: Offering): void {
    if (o.reservationID === undefined || o.reservationCapacity === undefined) return;
    this.left.set(o.reservationID, (this.left.get(o.reservationID) ?? o.reservationCapacity) - 1);
  }
}

/**
 * Up to `max` types, cheapest first, keeping enough distinct values for every minValues
 * requirement: first the cheapest types that add a missing value, then the cheapest of the rest.
 */
export function selectTypes(types: PoolType[], price: (t: PoolType) => number, minValues: Requirement[], max: number): PoolType[] {
  const sorted = [...types].sort((a, b) => price(a) - price(b) || a.name.localeCompare(b.name));
  if (minValues.length === 0) return sorted.slice(0, max);
  const chosen = new Set<PoolType>();
  const seen = minValues.map(() => new Set<string>());
  for (const t of sorted) {
    if (chosen.size >= max) break;
    let adds = false;
    minValues.forEach((r, k) => {
      if (seen[k]!.size >= r.minValues!) return;
      const tr = t.reqs.get(r.key);
      if (tr && !tr.complement) for (const v of tr.values) if (r.has(v) && !seen[k]!.has(v)) adds = true;
    });
    if (!adds) continue;
    chosen.add(t);
    minValues.forEach((r, k) => {
      const tr = t.reqs.get(r.key);
      if (tr && !tr.complement) for (const v of tr.values) if (r.has(v)) seen[k]!.add(v);
    });
  }
  for (const t of sorted) {
    if (chosen.size >= max) break;
    chosen.add(t);
  }
  return [...chosen].sort((a, b) => price(a) - price(b) || a.name.localeCompare(b.name));
}

const capacityTypeRank = (ct: string): number => {
  const i = (CapacityTypes as readonly string[]).indexOf(ct);
  return i < 0 ? CapacityTypes.length : i;
};

/** Turns a filled claim into the NodeClaim to create: its type list, price, zones and labels. */
export function finalizeClaim(ctx: SolveContext, claim: Claim, reservations: Reservations): PlannedNodeClaim | undefined {
  const pool = claim.pool;
  const reqs = ctx.table.get(claim.reqId);
  const vi = pool.viability(claim.reqId);
  const within = (t: PoolType): boolean => !claim.reservation || (pool.limits?.slots ?? []).every((s) => t.capacity[s.slot]! <= claim.reservation![s.slot]!);
  const minValues = [...reqs.values()].filter((r) => r.minValues !== undefined);
  // Cheapest first; without minValues the first maxInstanceTypes that fit are all that is needed.
  const fitting: PoolType[] = [];
  for (const i of vi.order) {
    const t = pool.types[i]!;
    if (!fits(claim.requests, t.cap) || !within(t)) continue;
    fitting.push(t);
    if (minValues.length === 0 && fitting.length >= ctx.maxInstanceTypes) break;
  }
  if (fitting.length === 0) return undefined;
  const chosen = selectTypes(fitting, (t) => vi.price[t.index]!, minValues, ctx.maxInstanceTypes);
  const first = chosen[0]!;

  let price = Number.POSITIVE_INFINITY;
  let bought: Offering | undefined;
  for (const o of first.it.offerings) {
    if (!o.available || !offeringAllowed(o, reqs) || !reservations.usable(o)) continue;
    if (o.price < price) {
      price = o.price;
      bought = o;
    }
  }
  if (bought) reservations.take(bought);

  const zones = new Set<string>();
  const capacityTypes = new Set<string>();
  for (const t of chosen) {
    for (const o of t.it.offerings) {
      if (!o.available || !offeringAllowed(o, reqs)) continue;
      zones.add(o.zone);
      capacityTypes.add(o.capacityType);
    }
  }
  const final = reqs.clone();
  final.add(Requirement.create(InstanceTypeLabel, "In", chosen.map((t) => t.name)));
  final.add(Requirement.create(CapacityTypeLabel, "In", [...capacityTypes]));
  // BestEffort: a minValues the chosen types cannot meet is lowered to what they offer (Karpenter).
  const achieved = new Map<string, number>();
  for (const r of minValues) {
    const seen = new Set<string>();
    for (const t of chosen) {
      const tr = t.reqs.get(r.key);
      if (tr && !tr.complement) for (const v of tr.values) if (r.has(v)) seen.add(v);
    }
    if (seen.size < r.minValues!) achieved.set(r.key, seen.size);
  }
  const labels: Record<string, string> = { ...pool.labels };
  for (const [k, v] of Object.entries(final.labels())) if (!k.includes(":") && k !== "metadata.name") labels[k] = v;

  const requests = ctx.resources.list(claim.requests.map((v, i) => v + first.daemon[i]!));
  return {
    nodePool: pool.name,
    requirements: final
      .toSpecs()
      .filter((r) => r.key !== "metadata.name" && !r.key.startsWith("field:"))
      .map((r) => {
        const got = achieved.get(r.key);
        if (got === undefined || r.minValues === undefined) return r;
        const { minValues: _dropped, ...rest } = r;
        return got > 0 ? { ...rest, minValues: got } : rest;
      }),
    instanceTypes: chosen.map((t) => t.it),
    zones: [...zones].sort(),
    capacityTypes: [...capacityTypes].sort((a, b) => capacityTypeRank(a) - capacityTypeRank(b)),
    pods: claim.placed.map((p) => p.pod),
    requests,
    pricePerHour: price === Number.POSITIVE_INFINITY ? (vi.price[first.index] ?? 0) : price,
    labels,
    taints: pool.taints,
    startupTaints: pool.startupTaints,
    hostname: claim.hostname,
    minValuesRelaxed: achieved.size > 0,
  };
}
