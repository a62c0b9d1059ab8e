import { CapacityTypeLabel, ZoneLabel } from "../apis/labels.js";
import { formatHostPort } from "./hostports.js";
import { Incompatible } from "./interning.js";
import type { PoolContext, PoolType } from "./nodepools.js";
import type { Placer } from "./placer.js";
import { humanQuantity } from "../core/quantity.js";
import { Requirements } from "../core/requirements.js";
import { fits, shortfalls } from "./resources.js";
import type { Shape } from "./shapes.js";
import { ClaimDraft, type NodeSlot } from "./targets.js";
import { firstUntolerated, formatTaint } from "./taints.js";
import { type TopologyFailure, evaluateTopology } from "./topology/evaluate.js";
import type { Constraint, Explanation } from "./types.js";
import { WellKnownLabels } from "./wellknown.js";

const topologyConstraint = (f: TopologyFailure): Constraint => (f.kind === "spread" ? "topology" : f.kind);

/** A reason and how far the checks got before it (a later stage says more about the pod). */
interface Staged {
  stage: number;
  constraint: Constraint;
  detail: string;
}

/**
 * Why a pod could not be placed, per NodePool and for the existing nodes, each naming the first
 * constraint that failed, in the order a node is checked: taints, requirements, instance types,
 * offerings, resources, limits, minValues, topology.
 */
export class Explainer {
  constructor(private readonly placer: Placer) {}

  explain(shape: Shape, level: number): Explanation[] {
    if (shape.invalid) return [{ ...shape.invalid }];
    const out: Explanation[] = [];
    out.push(...this.existing(shape, level));
    for (const pool of this.placer.ctx.pools) {
      const r = this.pool(pool, shape, level);
      out.push({ nodePool: pool.name, constraint: r.constraint, detail: r.detail });
    }
    if (out.length === 0) out.push({ constraint: "requirement", detail: "there are no NodePools and no existing nodes" });
    return out;
  }

  static message(reasons: Explanation[], relaxed: string[]): string {
    const parts = reasons.map((r) => (r.nodePool !== undefined ? `nodepool "${r.nodePool}": ${r.detail}` : r.existingNodes !== undefined ? `existing nodes: ${r.detail}` : r.detail));
    const tail = relaxed.length > 0 ? ` (preferences relaxed: ${relaxed.join("; ")})` : "";
    return parts.join("; ") + tail;
  }

  private existing(shape: Shape, level: number): Explanation[] {
    const byConstraint = new Map<Constraint, { n: number; detail: string }>();
    for (const slot of this.placer.ctx.nodes) {
      if (!slot.usable) continue;
      const r = this.node(slot, shape, level);
      if (!r) continue;
      const e = byConstraint.get(r.constraint);
      if (e) e.n += 1;
      else byConstraint.set(r.constraint, { n: 1, detail: r.detail });
    }
    return [...byConstraint.entries()].map(([constraint, { n, detail }]) => ({
      existingNodes: n,
      constraint,
      detail: n === 1 ? detail : `${n} nodes, e.g. ${detail}`,
    }));
  }

  private node(slot: NodeSlot, shape: Shape, level: number): Staged | undefined {
    const l = shape.levels[level]!;
    const ctx = this.placer.ctx;
    const taint = firstUntolerated(slot.taints, l.tolerations, l.ignorePreferNoSchedule);
    if (taint) return { stage: 0, constraint: "taint", detail: `node ${slot.name}: taint ${formatTaint(taint)} not tolerated` };
    if (!l.alts.some((a) => ctx.table.strictlyCompatibleWith(slot.reqId, a.fullReqId) !== Incompatible)) {
      const why = ctx.table.get(slot.reqId).compatible(ctx.table.get(l.alts[0]?.fullReqId ?? slot.reqId));
      return { stage: 1, constraint: "requirement", detail: `node ${slot.name}: ${why ?? "no node affinity term matches"}` };
    }
    const short = shortfalls(shape.request, slot.free);
    if (short.length > 0) return { stage: 4, constraint: "resources", detail: `node ${slot.name}: insufficient ${short.map((i) => ctx.resources.names[i]).join(", ")}` };
    const port = shape.hostPorts.length > 0 ? slot.hostPorts.conflict(shape.hostPorts) : undefined;
    if (port) return { stage: 5, constraint: "hostPort", detail: `node ${slot.name}: host port ${formatHostPort(port)} in use` };
    const t = evaluateTopology(shape.at(level), slot);
    if (!t.ok) return { stage: 7, constraint: topologyConstraint(t.failure), detail: `node ${slot.name}: ${t.failure.detail()}` };
    return undefined;
  }

  private pool(pool: PoolContext, shape: Shape, level: number): Staged {
    const l = shape.levels[level]!;
    const taint = firstUntolerated(pool.taints, l.tolerations, l.ignorePreferNoSchedule);
    if (taint) return { stage: 0, constraint: "taint", detail: `taint ${formatTaint(taint)} not tolerated` };
    if (l.alts.length === 0) return { stage: 1, constraint: "requirement", detail: "every required node affinity term is empty, which matches no node" };
    let best: Staged | undefined;
    for (const alt of l.alts) {
      const r = this.alt(pool, shape, level, alt);
      if (!best || r.stage > best.stage) best = r;
    }
    return best!;
  }

  private alt(pool: PoolContext, shape: Shape, level: number, alt: Shape["levels"][number]["alts"][number]): Staged {
    const ctx = this.placer.ctx;
    const table = ctx.table;
    const hostname = this.placer.placeholder(0);
    const named = alt.nodeName.find((r) => !r.has(hostname));
    if (named) return { stage: 1, constraint: "requirement", detail: `${named.toString()} can only match an existing node` };
    const reqId = table.compatibleWith(pool.baseReqId, alt.reqId);
    if (reqId === Incompatible) {
      const why = pool.baseReqs.compatible(table.get(alt.reqId), WellKnownLabels) ?? "incompatible requirements";
      if (alt.fromVolume && table.compatibleWith(pool.baseReqId, alt.withoutVolumeId) !== Incompatible) {
        return { stage: 1, constraint: "volume", detail: `the pod's volumes need ${why}` };
      }
      return { stage: 1, constraint: "requirement", detail: why };
    }
    const reqs = table.get(reqId);
    // Where a node runs and how it is bought are offerings, judged next; here only what the type is.
    const what = new Requirements([...reqs.values()].filter((r) => r.key !== ZoneLabel && r.key !== CapacityTypeLabel));
    const compatible = pool.types.filter((t) => what.intersects(t.reqs) === undefined);
    if (compatible.length === 0) {
      const wanted = [...table.get(alt.reqId).values()].filter((r) => r.key !== ZoneLabel && r.key !== CapacityTypeLabel);
      return { stage: 2, constraint: "requirement", detail: `no instance type satisfies ${wanted.length > 0 ? wanted.map((r) => r.toString()).join(", ") : reqs.toString()}` };
    }
    const vi = pool.viability(reqId);
    const offered = compatible.filter((t) => reqs.intersects(t.reqs) === undefined && vi.price[t.index]! < Number.POSITIVE_INFINITY);
    if (offered.length === 0) {
      // Name the offering keys the pod itself narrows (its zone, say); the pool's own defaults only when it narrows neither.
      const podKeys = [ZoneLabel, CapacityTypeLabel].filter((k) => table.get(alt.reqId).has(k));
      const where = (podKeys.length > 0 ? podKeys : [ZoneLabel, CapacityTypeLabel])
        .map((k) => reqs.get(k))
        .filter((r) => r !== undefined)
        .map((r) => r.toString());
      return { stage: 3, constraint: "offering", detail: `${where.length > 0 ? where.join(", ") : "the compatible instance types"} matches no available offering` };
    }
    const fitting = offered.filter((t) => fits(shape.request, t.cap));
    if (fitting.length === 0) return { stage: 4, constraint: "resources", detail: this.resources(shape, offered) };
    const limits = pool.limits;
    const withinLimits = fitting.filter((t) => pool.withinLimits(t));
    if ((limits && limits.nodesRemaining < 1) || withinLimits.length === 0) {
      const parts = (limits?.slots ?? []).map((s) => `${s.name} limit ${humanQuantity(s.limit, s.name)} (${humanQuantity(Math.max(0, s.remaining), s.name)} left)`);
      if (limits?.nodesLimit !== undefined) parts.push(`nodes limit ${limits.nodesLimit} (${Math.max(0, limits.nodesRemaining)} left)`);
      return { stage: 5, constraint: "limits", detail: `all fitting instance types exceed the NodePool's limits: ${parts.join(", ")}` };
    }
    const mv = pool.minValuesSatisfied(reqId, withinLimits.map((t) => t.index));
    if (mv) return { stage: 6, constraint: "minValues", detail: mv };
    const t = evaluateTopology(shape.at(level), new ClaimDraft(pool, table, reqId, hostname, ctx.possibleCache));
    if (!t.ok) return { stage: 7, constraint: topologyConstraint(t.failure), detail: t.failure.detail() };
    if (!this.placer.sizer.narrow(pool, reqId, t.narrow, shape.request, hostname, undefined, undefined)) {
      const keys = [...t.narrow.entries()].map(([k, v]) => `${k} In [${v.join(", ")}]`).join(", ");
      return { stage: 7, constraint: "topology", detail: `no instance type has an available offering in the domains topology allows (${keys})` };
    }
    return { stage: 8, constraint: "topology", detail: "a new node would fit the pod alone, but not next to the pods planned before it (its topology or affinity depends on them)" };
  }

  /** "no instance type has 96 cpu, 700Gi memory free after daemonset overhead (largest: m5.24xlarge 95.69 cpu, 370.3Gi memory)" */
  private resources(shape: Shape, types: PoolType[]): string {
    const names = this.placer.ctx.resources.names;
    const podsShort = types.every((t) => t.cap[2]! < shape.request[2]!);
    const asked = names.map((_, i) => i).filter((i) => shape.request[i]! > 0 && (names[i] !== "pods" || podsShort));
    const want = asked.map((i) => humanQuantity(shape.request[i]!, names[i]!)).join(", ");
    // A resource no type offers at all (a GPU in a general pool) is the whole story: "largest: m1.small 0 nvidia.com/gpu" says nothing.
    const absent = asked.filter((i) => types.every((t) => t.cap[i]! <= 0));
    if (absent.length > 0) {
      const what = absent.map((i) => names[i]!).join(", ");
      return `no instance type the NodePool allows has any ${what} (the pod asks for ${want})`;
    }
    const coverage = (t: PoolType): number => Math.min(...asked.map((i) => (shape.request[i]! > 0 ? t.cap[i]! / shape.request[i]! : Number.POSITIVE_INFINITY)));
    const largest = types.reduce((a, b) => (coverage(b) > coverage(a) ? b : a));
    const has = asked.map((i) => humanQuantity(Math.max(0, largest.cap[i]!), names[i]!)).join(", ");
    return `no instance type has ${want} free after daemonset overhead (largest: ${largest.name} ${has})`;
  }
}
