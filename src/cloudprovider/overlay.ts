// NodeOverlay behaviour (Karpenter v1.14, alpha): what the scheduler believes about instance types,
// changed by the overlays whose requirements they meet — a price (absolute, or adjusted by an amount
// or a percentage) and extended resources added to capacity. Overlays apply in precedence order,
// highest weight first (no weight is 0) and by name among equals; a field set by one is not changed
// by those after it, and capacity merges key by key. Two overlays of the same weight that set the
// same field of the same instance type conflict: the first by name wins and the other is reported,
// so its status can say so. Pure: instance types and overlays in, overlaid copies out.
import { NodePoolLabel, CapacityTypeLabel, ZoneLabel } from "../apis/labels.js";
import type { NodeOverlay, OverlayRequirement } from "../apis/nodeoverlay.js";
import type { NodePool } from "../apis/nodepool.js";
import { parseQuantity } from "../core/quantity.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import type { InstanceType, RequirementSpec } from "./types.js";

export interface OverlayConflict {
  /** The overlay not applied for this field and type. */
  overlay: string;
  /** The overlay of the same weight that set it first. */
  winner: string;
  field: string;
  instanceType: string;
}

export interface OverlayResult {
  types: InstanceType[];
  /** Overlay name → how many instance types it changed. */
  applied: Map<string, number>;
  conflicts: OverlayConflict[];
}

interface Compiled {
  name: string;
  weight: number;
  reqs: Requirements;
  price?: (base: number) => number;
  capacity: Record<string, number>;
}

/** Gte/Lte as the integer bounds the requirement algebra knows. */
function toSpec(r: OverlayRequirement): RequirementSpec {
  const v = Number(r.values?.[0]);
  if (r.operator === "Gte") return { key: r.key, operator: "Gt", values: [String(v - 1)] };
  if (r.operator === "Lte") return { key: r.key, operator: "Lt", values: [String(v + 1)] };
  return { key: r.key, operator: r.operator, ...(r.values ? { values: r.values } : {}) };
}

/** "+10%", "-15%", "+1.2", "-0.5" as a function of the base price; never below 0. */
export function priceAdjuster(adjustment: string): (base: number) => number {
  const pct = /^([+-])(\d*\.?\d+)%$/.exec(adjustment);
  if (pct) {
    const f = (pct[1] === "-" ? -1 : 1) * Number(pct[2]);
    return (base) => Math.max(0, base * (1 + f / 100));
  }
  const delta = Number(adjustment);
  return (base) => Math.max(0, base + delta);
}

function compile(o: NodeOverlay): Compiled {
  const s = o.spec;
  const capacity: Record<string, number> = {};
  for (const [k, v] of Object.entries(s.capacity ?? {})) capacity[k] = parseQuantity(v, k);
  const price = s.price !== undefined ? ((p: number) => () => p)(Number(s.price)) : s.priceAdjustment !== undefined ? priceAdjuster(s.priceAdjustment) : undefined;
  return { name: o.metadata.name ?? "", weight: s.weight ?? 0, reqs: Requirements.fromSpecs(s.requirements.map(toSpec)), capacity, ...(price ? { price } : {}) };
}

/** What an instance type of this pool is known by: its own labels, the pool's name and template labels. */
function typeRequirements(it: InstanceType, pool: NodePool): Requirements {
  const reqs = Requirements.fromSpecs(it.requirements);
  reqs.add(Requirement.create(NodePoolLabel, "In", [pool.metadata.name ?? ""]));
  for (const [k, v] of Object.entries(pool.spec.template.metadata?.labels ?? {})) if (!reqs.has(k)) reqs.add(Requirement.create(k, "In", [v]));
  return reqs;
}

export function applyOverlays(types: readonly InstanceType[], overlays: readonly NodeOverlay[], pool: NodePool): OverlayResult {
  const ordered = overlays.map(compile).sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
  const applied = new Map<string, number>();
  const conflicts: OverlayConflict[] = [];
  if (ordered.length === 0) return { types: [...types], applied, conflicts };
  const out = types.map((it) => {
    const base = typeRequirements(it, pool);
    const matching = ordered.filter((o) => base.compatible(o.reqs) === undefined);
    if (matching.length === 0) return it;
    let changed = false;
    let priceChanged = false;
    let capacityChanged = false;
    const changedBy = new Set<string>();
    // Price, offering by offering: an overlay may narrow to a zone or capacity type.
    const offerings = it.offerings.map((off) => {
      const offReqs = base.clone().add(Requirement.create(ZoneLabel, "In", [off.zone])).add(Requirement.create(CapacityTypeLabel, "In", [off.capacityType]));
      let winner: Compiled | undefined;
      for (const o of matching) {
        if (!o.price || offReqs.compatible(o.reqs) !== undefined) continue;
        if (!winner) winner = o;
        else if (o.weight === winner.weight) conflicts.push({ overlay: o.name, winner: winner.name, field: "price", instanceType: it.name });
      }
      if (!winner) return off;
      changed = true;
      priceChanged = true;
      changedBy.add(winner.name);
      return { ...off, price: winner.price!(off.price) };
    });
    const capacity = { ...it.capacity };
    const setBy = new Map<string, Compiled>();
    for (const o of matching) {
      for (const [k, v] of Object.entries(o.capacity)) {
        const first = setBy.get(k);
        if (first) {
          if (first.weight === o.weight && first.capacity[k] !== v) conflicts.push({ overlay: o.name, winner: first.name, field: `capacity.${k}`, instanceType: it.name });
          continue;
        }
        setBy.set(k, o);
        capacity[k] = v;
        changed = true;
        capacityChanged = true;
        changedBy.add(o.name);
      }
    }
    for (const n of changedBy) applied.set(n, (applied.get(n) ?? 0) + 1);
    return changed ? { ...it, offerings, capacity, ...(priceChanged ? { priceOverlaid: true } : {}), ...(capacityChanged ? { capacityOverlaid: true } : {}) } : it;
  });
  return { types: out, applied, conflicts: dedupe(conflicts) };
}

function dedupe(cs: OverlayConflict[]): OverlayConflict[] {
  const seen = new Set<string>();
  return cs.filter((c) => {
    const k = `${c.overlay}\u0000${c.field}\u0000${c.instanceType}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
