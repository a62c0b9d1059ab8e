import type { V1Taint } from "@kubernetes/client-node";
import { CapacityReservationIDLabel, CapacityTypeLabel, ZoneLabel } from "../apis/labels.js";
import type { InstanceType } from "../cloudprovider/types.js";
import { Requirements } from "../core/requirements.js";
import { type DaemonPod, daemonRunsOn, daemonSurelyRunsOn } from "./daemonsets.js";
import { allocatable, cheapestOffering, offeringAllowed, typeRequirements } from "./instancetypes.js";
import type { RequirementsTable } from "./interning.js";
import type { ResourceIndex } from "./resources.js";
import { sumLists } from "./resources.js";

/** One instance type as a NodePool would launch it (shared by every NodePool whose view of the types is the same). */
export interface PoolType {
  index: number;
  it: InstanceType;
  name: string;
  /** The type's own requirements. */
  reqs: Requirements;
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

/** What is derived from an instance type alone, once per solve whatever the number of NodePools. */
interface TypeFacts {
  id: number;
  reqs: Requirements;
  allocatable: Float64Array;
  capacity: Float64Array;
}

/**
 * The instance types as a set of NodePools sees them. Which types a NodePool can launch, at what
 * price, with which daemonsets, depends only on its requirements on the keys the types, offerings
 * and daemonsets look at (the "relevant" keys) and, for daemonsets, its taints. NodePools that agree
 * on those (typically all but their names and custom labels) share one TypeView: its types, vectors
 * and viability cache exist once, so memory and time grow with distinct views × types, not
 * NodePools × types.
 */
export class TypeView {
  readonly types: PoolType[];
  /** Values each relevant key can take on these nodes (template ∩ types, zones and capacity types backed by an available offering). */
  readonly domains = new Map<string, Set<string>>();
  readonly anyViable: boolean;
  private readonly viabilityCache = new Map<number, Viability>();
  private readonly projected = new Map<number, number>();

  constructor(
    private readonly views: TypeViews,
    /** The NodePool template projected onto the relevant keys. */
    base: Requirements,
    taints: readonly V1Taint[],
    instanceTypes: readonly InstanceType[],
  ) {
    const { daemons, resources } = views;
    const zero = new Float64Array(resources.size);
    const types: PoolType[] = [];
    for (const it of instanceTypes) {
      const facts = views.facts(it);
      if (base.intersects(facts.reqs) !== undefined) continue;
      const offering = cheapestOffering(it.offerings, base);
      let daemon: Float64Array = zero;
      let cap: Float64Array = facts.allocatable;
      let capUpper: Float64Array = facts.allocatable;
      if (daemons.length > 0) {
        const combined = base.intersection(facts.reqs);
        daemon = resources.vector(sumLists(...daemons.filter((d) => daemonRunsOn(d, taints, combined)).map((d) => d.requests)));
        const sure = resources.vector(sumLists(...daemons.filter((d) => daemonSurelyRunsOn(d, taints, combined)).map((d) => d.requests)));
        cap = facts.allocatable.map((a, i) => a - daemon[i]!);
        capUpper = facts.allocatable.map((a, i) => a - sure[i]!);
      }
      types.push({
        index: 0,
        it,
        name: it.name,
        reqs: facts.reqs,
        allocatable: facts.allocatable,
        daemon,
        cap,
        capUpper,
        capacity: facts.capacity,
        basePrice: offering ? offering.price : Number.POSITIVE_INFINITY,
        value: 0,
      });
    }
    types.sort((a, b) => a.basePrice - b.basePrice || a.name.localeCompare(b.name));
    types.forEach((t, i) => (t.index = i));
    this.types = types;

    let anyViable = false;
    for (const t of types) {
      if (t.basePrice === Number.POSITIVE_INFINITY) continue;
      anyViable = true;
      const combined = base.intersection(t.reqs);
      for (const r of combined.values()) {
        if (r.complement || r.key === ZoneLabel || r.key === CapacityTypeLabel) continue;
        this.domainSet(r.key, r.values);
      }
      for (const o of t.it.offerings) {
        if (!o.available || !offeringAllowed(o, combined)) continue;
        this.domainSet(ZoneLabel, [o.zone]);
        this.domainSet(CapacityTypeLabel, [o.capacityType]);
      }
    }
    this.anyViable = anyViable;
  }

  private domainSet(key: string, values: Iterable<string>): void {
    let s = this.domains.get(key);
    if (!s) this.domains.set(key, (s = new Set()));
    for (const v of values) s.add(v);
  }

  /** Per type, the cheapest offering allowed by `reqId` when the type is compatible with it (cached by the relevant part of reqId). */
  viability(reqId: number): Viability {
    let pid = this.projected.get(reqId);
    if (pid === undefined) {
      pid = this.views.project(reqId);
      this.projected.set(reqId, pid);
    }
    let v = this.viabilityCache.get(pid);
    if (!v) {
      const reqs = this.views.table.get(pid);
      const price = new Float64Array(this.types.length).fill(Number.POSITIVE_INFINITY);
      const maxCap = new Float64Array(this.views.resources.size).fill(Number.NEGATIVE_INFINITY);
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
      this.viabilityCache.set(pid, v);
    }
    return v;
  }
}

/** The TypeViews of one solve, and the per-type facts they share. */
export class TypeViews {
  /** Keys whose values change which types fit, what they cost or which daemonsets run on them. */
  readonly relevant = new Set<string>([ZoneLabel, CapacityTypeLabel, CapacityReservationIDLabel]);
  private readonly byType = new Map<InstanceType, TypeFacts>();
  private readonly views = new Map<string, TypeView>();
  private readonly listIds = new Map<string, number>();
  private readonly projections = new Map<number, number>();

  constructor(
    readonly table: RequirementsTable,
    readonly resources: ResourceIndex,
    readonly daemons: readonly DaemonPod[],
    instanceTypes: Iterable<readonly InstanceType[]>,
  ) {
    for (const d of daemons) for (const alt of d.alternatives) for (const k of alt.keys()) this.relevant.add(k);
    for (const its of instanceTypes) for (const it of its) for (const k of this.facts(it).reqs.keys()) this.relevant.add(k);
  }

  facts(it: InstanceType): TypeFacts {
    let f = this.byType.get(it);
    if (!f) {
      f = { id: this.byType.size, reqs: typeRequirements(it), allocatable: this.resources.vector(allocatable(it)), capacity: this.resources.vector({ ...it.capacity }) };
      this.byType.set(it, f);
    }
    return f;
  }

  /** The requirements reduced to the relevant keys (what viability depends on), interned. */
  project(reqId: number): number {
    let p = this.projections.get(reqId);
    if (p === undefined) {
      const reqs = this.table.get(reqId);
      p = this.table.intern(this.projectReqs(reqs));
      this.projections.set(reqId, p);
    }
    return p;
  }

  projectReqs(reqs: Requirements): Requirements {
    return new Requirements([...reqs.values()].filter((r) => this.relevant.has(r.key)));
  }

  /** The view for a NodePool with these template requirements, taints and instance types. */
  view(base: Requirements, taints: readonly V1Taint[], instanceTypes: readonly InstanceType[]): TypeView {
    const projected = this.projectReqs(base);
    const list = instanceTypes.map((it) => this.facts(it).id).join(",");
    let listId = this.listIds.get(list);
    if (listId === undefined) this.listIds.set(list, (listId = this.listIds.size));
    const taintKey = this.daemons.length === 0 ? "" : JSON.stringify(taints.map((t) => [t.key, t.value ?? "", t.effect]));
    const key = `${listId}\u0000${projected.canonical()}\u0000${taintKey}`;
    let v = this.views.get(key);
    if (!v) this.views.set(key, (v = new TypeView(this, projected, taints, instanceTypes)));
    return v;
  }

  get size(): number {
    return this.views.size;
  }
}
