import type { V1Taint } from "@kubernetes/client-node";
import type { NodePool } from "../apis/nodepool.js";
import { CapacityTypeLabel, CapacityTypeOnDemand, NodePoolLabel } from "../apis/labels.js";
import type { InstanceType, ResourceList } from "../cloudprovider/types.js";
import type { DaemonPod } from "./daemonsets.js";
import type { RequirementsTable } from "./interning.js";
import { parseResourceList } from "../core/quantity.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import type { ResourceIndex } from "./resources.js";
import { type PoolType, type TypeView, TypeViews, type Viability } from "./typeviews.js";

export type { PoolType, Viability };

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
  private readonly view: TypeView;

  constructor(
    /** Position in the order pools are tried (set once they are ordered). */
    public index: number,
    readonly nodePool: NodePool,
    instanceTypes: readonly InstanceType[],
    daemons: readonly DaemonPod[],
    resources: ResourceIndex,
    private readonly table: RequirementsTable,
    usage: ResourceList | undefined,
    views: TypeViews = new TypeViews(table, resources, daemons, [instanceTypes]),
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

    // The types, their vectors and viability are shared with every NodePool that sees the types the same way.
    this.view = views.view(this.baseReqs, this.taints, instanceTypes);
    this.types = this.view.types;
    for (const [key, values] of this.view.domains) this.domains.set(key, values);
    if (this.view.anyViable) {
      for (const r of this.baseReqs.values()) {
        if (views.relevant.has(r.key) || r.complement) continue;
        this.domains.set(r.key, new Set(r.values));
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

  /** Per type, the cheapest offering allowed by `reqId` when the type is compatible with it (cached, shared by NodePools with the same view). */
  viability(reqId: number): Viability {
    return this.view.viability(reqId);
  }

  /** The NodePool template ∩ the type (made on demand: only rare checks need it, and keeping one per NodePool × type is what made memory grow with NodePools). */
  combined(t: PoolType): Requirements {
    return this.baseReqs.intersection(t.reqs);
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
