import type { V1Taint } from "@kubernetes/client-node";
import type { NodePool } from "../apis/nodepool.js";
import { CapacityTypeLabel, CapacityTypeOnDemand, NodePoolLabel, ZoneLabel } from "../apis/labels.js";
import type { InstanceType, ResourceList } from "../cloudprovider/types.js";
import { type DaemonPod, daemonRunsOn, daemonSurelyRunsOn } from "./daemonsets.js";
import { allocatable, cheapestOffering, offeringAllowed, typeRequirements } from "./instancetypes.js";
import type { RequirementsTable } from "./interning.js";
import { parseResourceList } from "../core/quantity.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import type { ResourceIndex } from "./resources.js";
import { sumLists } from "./resources.js";

/** One instance type as a NodePool would launch it. */
export interface PoolType {
  index: number;
  it: InstanceType;
  name: string;
  /** The type's own requirements. */
  reqs: Requirements;
  /** The NodePool template ∩ the type. */
  combined: Requirements;
  allocatable: Float64Array;
  /** Requests of the daemonsets that would run on it. */
  daemon: Float64Array;
  /** What pods can still use: allocatable − daemonset overhead. */
  cap: Float64Array;
  /** Allocatable − only the daemonsets sure to run on every such node (an upper bound on room, for the lower bound). */
  capUpper: Float64Array;
  /** Raw capacity, which NodePool limits count. */
  capacity: Float64Array;
  /** Cheapest available offering the NodePool allows (Infinity when none). */
  basePrice: number;
  /** Worth of its capacity at the lower bound's resource prices; set once duals are known. */
  value: number;
}

/** What a requirement set leaves of a pool's types: per type its cheapest allowed price, or Infinity. */
export interface Viability {
  price: Float64Array;
  any: boolean;
  /** The most any such type offers, per resource (a claim that cannot fit in this cannot grow). */
  maxCap: Float64Array;
  /** Indexes of the allowed types, cheapest first. */
  order: Int32Array;
}

/** Per-resource limit still available to a NodePool's new claims. */
export interface PoolLimits {
  /** Limited resource slots and the amount left. */
  slots: { slot: number; name: string; limit: number; remaining: number }[];
  nodesLimit?: number;
  nodesRemaining: number;
}

/** A NodePool prepared for the solver: template requirements, taints, types, domains and limits. */
export class PoolContext {
  readonly name: string;
  readonly weight: number;
  readonly taints: V1Taint[];
  readonly startupTaints: V1Taint[];
  readonly labels: Record<string, string>;
  readonly baseReqs: Requirements;
  readonly baseReqId: number;
  readonly types: PoolType[];
  /** Values each label key can take on this pool's nodes (from template ∩ types, zones and capacity types backed by an available offering). */
  readonly domains = new Map<string, Set<string>>();
  readonly limits?: PoolLimits;
  readonly hasMinValues: boolean;
  /** MIN_VALUES_POLICY=Strict: a claim whose types cannot meet minValues is not made (BestEffort: it is, with fewer). */
  strictMinValues = true;
  private readonly viabilityCache = new Map<number, Viability>();

  constructor(
    /** Position in the order pools are tried (set once they are ordered). */
    public index: number,
    readonly nodePool: NodePool,
    instanceTypes: readonly InstanceType[],
    daemons: readonly DaemonPod[],
    resources: ResourceIndex,
    private readonly table: RequirementsTable,
    usage: ResourceList | undefined,
  ) {
    const spec = nodePool.spec.template.spec;
    this.name = nodePool.metadata.name ?? "";
    this.weight = nodePool.spec.weight ?? 0;
    this.taints = (spec.taints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    this.startupTaints = (spec.startupTaints ?? []).map((t) => ({ key: t.key, value: t.value, effect: t.effect }));
    this.labels = { ...(nodePool.spec.template.metadata?.labels ?? {}), [NodePoolLabel]: this.name };
    this.baseReqs = Requirements.fromSpecs(spec.requirements).addAll(Requirements.fromLabels(this.labels));
    this.baseReqs.add(Requirement.create(NodePoolLabel, "In", [this.name]));
    // Karpenter's documented default: a NodePool that says nothing about capacity type buys on-demand.
    if (!this.baseReqs.has(CapacityTypeLabel)) this.baseReqs.add(Requirement.create(CapacityTypeLabel, "In", [CapacityTypeOnDemand]));
    this.baseReqId = table.intern(this.baseReqs);
    this.hasMinValues = [...this.baseReqs.values()].some((r) => r.minValues !== undefined);

    const types: PoolType[] = [];
    for (const it of instanceTypes) {
      const reqs = typeRequirements(it);
      const combined = this.baseReqs.intersection(reqs);
      if (this.baseReqs.intersects(reqs) !== undefined) continue;
      const offering = cheapestOffering(it.offerings, this.baseReqs);
      const alloc = resources.vector(allocatable(it));
      const daemonList = sumLists(...daemons.filter((d) => daemonRunsOn(d, this.taints, combined)).map((d) => d.requests));
      const daemon = resources.vector(daemonList);
      const cap = new Float64Array(alloc.length);
      for (let i = 0; i < cap.length; i++) cap[i] = alloc[i]! - daemon[i]!;
      const sure = resources.vector(sumLists(...daemons.filter((d) => daemonSurelyRunsOn(d, this.taints, combined)).map((d) => d.requests)));
      const capUpper = new Float64Array(alloc.length);
      for (let i = 0; i < capUpper.length; i++) capUpper[i] = alloc[i]! - sure[i]!;
      types.push({
        index: 0,
        it,
        name: it.name,
        reqs,
        combined,
        allocatable: alloc,
        daemon,
        cap,
        capUpper,
        capacity: resources.vector({ ...it.capacity }),
        basePrice: offering ? offering.price : Number.POSITIVE_INFINITY,
        value: 0,
      });
    }
    types.sort((a, b) => a.basePrice - b.basePrice || a.name.localeCompare(b.name));
    types.forEach((t, i) => (t.index = i));
    this.types = types;

    for (const t of types) {
      if (t.basePrice === Number.POSITIVE_INFINITY) continue;
      for (const r of t.combined.values()) {
        if (r.complement || r.key === ZoneLabel || r.key === CapacityTypeLabel) continue;
        this.domainSet(r.key, r.values);
      }
      for (const o of t.it.offerings) {
        if (!o.available || !offeringAllowed(o, t.combined)) continue;
        this.domainSet(ZoneLabel, [o.zone]);
        this.domainSet(CapacityTypeLabel, [o.capacityType]);
      }
    }

    const limitList = parseResourceList(nodePool.spec.limits ?? {});
    if (Object.keys(limitList).length > 0) {
      const used = usage ?? {};
      const slots: PoolLimits["slots"] = [];
      let nodesLimit: number | undefined;
      for (const [name, limit] of Object.entries(limitList)) {
        if (name === "nodes") nodesLimit = limit;
        else slots.push({ slot: resources.slot(name), name, limit, remaining: limit - (used[name] ?? 0) });
      }
      this.limits = { slots, nodesLimit, nodesRemaining: nodesLimit === undefined ? Number.POSITIVE_INFINITY : nodesLimit - (used["nodes"] ?? 0) };
    }
  }

  private domainSet(key: string, values: Iterable<string>): void {
    let s = this.domains.get(key);
    if (!s) this.domains.set(key, (s = new Set()));
    for (const v of values) s.add(v);
  }

  /** Per type, the cheapest offering allowed by `reqId` when the type is compatible with it (cached). */
  viability(reqId: number): Viability {
    let v = this.viabilityCache.get(reqId);
    if (!v) {
      const reqs = this.table.get(reqId);
      const price = new Float64Array(this.types.length).fill(Number.POSITIVE_INFINITY);
      const maxCap = new Float64Array(this.types[0]?.cap.length ?? 0).fill(Number.NEGATIVE_INFINITY);
      let any = false;
      for (const t of this.types) {
        if (t.basePrice === Number.POSITIVE_INFINITY || reqs.intersects(t.reqs) !== undefined) continue;
        const o = cheapestOffering(t.it.offerings, reqs);
        if (o) {
          price[t.index] = o.price;
          any = true;
          for (let i = 0; i < maxCap.length; i++) if (t.cap[i]! > maxCap[i]!) maxCap[i] = t.cap[i]!;
        }
      }
      const order = Int32Array.from(this.types.filter((t) => price[t.index]! < Number.POSITIVE_INFINITY).map((t) => t.index));
      order.sort((a, b) => price[a]! - price[b]! || a - b);
      v = { price, any, maxCap, order };
      this.viabilityCache.set(reqId, v);
    }
    return v;
  }

  /** Whether a type's raw capacity stays within what the limits leave (Karpenter filters types the same way). */
  withinLimits(t: PoolType, reservedCap?: Float64Array): boolean {
    if (!this.limits) return true;
    for (const s of this.limits.slots) {
      const room = s.remaining + (reservedCap ? reservedCap[s.slot]! : 0);
      if (t.capacity[s.slot]! > room) return false;
    }
    return true;
  }

  /**
   * minValues: the types still possible for a claim must offer at least that many distinct values
   * of each key that sets it. `candidates` are the indexes of those types.
   */
  minValuesSatisfied(reqId: number, candidates: Iterable<number>): string | undefined {
    const reqs = this.table.get(reqId);
    const wanted = [...reqs.values()].filter((r) => r.minValues !== undefined);
    if (wanted.length === 0) return undefined;
    const seen = wanted.map(() => new Set<string>());
    for (const i of candidates) {
      const t = this.types[i]!;
      wanted.forEach((r, k) => {
        const tr = t.reqs.get(r.key);
        if (tr && !tr.complement) for (const v of tr.values) if (r.has(v)) seen[k]!.add(v);
      });
    }
    for (let k = 0; k < wanted.length; k++) {
      if (seen[k]!.size < wanted[k]!.minValues!) return `minValues ${wanted[k]!.minValues} for ${wanted[k]!.key} needs ${wanted[k]!.minValues} values, the instance types that fit offer ${seen[k]!.size}`;
    }
    return undefined;
  }
}

/** NodePools in the order Karpenter tries them: higher weight first, then by name. */
export function orderPools(pools: PoolContext[]): PoolContext[] {
  return [...pools].sort((a, b) => b.weight - a.weight || a.name.localeCompare(b.name));
}
