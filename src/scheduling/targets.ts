import type { V1Pod, V1Taint } from "@kubernetes/client-node";
import { HostnameLabel } from "../apis/labels.js";
import { HostPortUsage } from "./hostports.js";
import type { RequirementsTable } from "./interning.js";
import type { PoolContext, PoolType } from "./nodepools.js";
import type { Shape } from "./shapes.js";
import type { NodeFilter } from "./topology/nodefilter.js";
import type { TopologyView } from "./topology/evaluate.js";
import type { TopologyNode } from "./topology/registry.js";
import { nodeDomain } from "./topology/registry.js";

/** One pod placed by this solve, and the relaxation level it was placed at. */
export interface Placement {
  pod: V1Pod;
  shape: Shape;
  level: number;
}

/** An existing node or in-flight NodeClaim: fixed labels and free capacity. */
export class NodeSlot implements TopologyNode, TopologyView {
  readonly hostPorts = new HostPortUsage();
  readonly placed: Placement[] = [];
  private readonly toleration = new Map<number, boolean>();

  constructor(
    readonly index: number,
    readonly name: string,
    readonly labels: Record<string, string>,
    /** Taints that matter for scheduling (ephemeral and, while in flight, startup taints removed). */
    readonly taints: V1Taint[],
    readonly reqId: number,
    readonly free: Float64Array,
    readonly usable: boolean,
    readonly nodePool: string | undefined,
  ) {}

  possible(key: string): readonly string[] {
    const d = nodeDomain(this, key);
    return d === undefined ? [] : [d];
  }

  passesFilter(filter: NodeFilter): boolean {
    return filter.trivial || filter.matchesNode(this.labels, this.taints);
  }

  /** Memoized toleration check by shape level. */
  tolerates(key: number, check: () => boolean): boolean {
    let ok = this.toleration.get(key);
    if (ok === undefined) {
      ok = check();
      this.toleration.set(key, ok);
    }
    return ok;
  }
}

/** A NodeClaim this solve plans to create. */
export class Claim implements TopologyView {
  readonly hostPorts = new HostPortUsage();
  readonly placed: Placement[] = [];
  readonly requests: Float64Array;
  /** Its target's room left, as last counted into the placer's total. */
  readonly room: Float64Array;
  /** Price of the target type under the claim's requirements. */
  price = 0;
  /** No type the claim could still become has room for even the smallest pod. */
  maxed = false;

  constructor(
    readonly id: number,
    /** Position in the placer's claim list (and slack index). */
    readonly position: number,
    readonly pool: PoolContext,
    readonly hostname: string,
    public reqId: number,
    /** The cheapest type that holds what the claim has: what it would launch now. */
    public target: PoolType,
    resources: number,
    /** The NodePool limit this claim holds: the largest capacity among the types it may launch (limited resources only). */
    public reservation: Float64Array | undefined,
    private readonly table: RequirementsTable,
    private readonly possibleCache: PossibleCache,
  ) {
    this.requests = new Float64Array(resources);
    this.room = new Float64Array(resources);
  }

  possible(key: string): readonly string[] {
    return claimPossible(this.pool, this.table, this.reqId, this.hostname, key, this.possibleCache);
  }

  passesFilter(filter: NodeFilter): boolean {
    return filter.trivial || filter.matchesRequirements(this.table.get(this.reqId), this.pool.taints);
  }
}

/**
 * The values a planned node of `pool` with requirements `reqId` can take for `key`: its own
 * placeholder for the hostname, else the pool's domains the requirements still allow.
 */
export function claimPossible(pool: PoolContext, table: RequirementsTable, reqId: number, hostname: string, key: string, cache: PossibleCache): readonly string[] {
  if (key === HostnameLabel) return [hostname];
  const ck = reqId * PoolStride + pool.index;
  let byKey = cache.get(ck);
  if (!byKey) cache.set(ck, (byKey = new Map()));
  let out = byKey.get(key);
  if (out === undefined) {
    const r = table.get(reqId).get(key);
    const dom = pool.domains.get(key);
    if (!dom) out = r && !r.complement ? [...r.values].sort() : [];
    else out = [...dom].filter((v) => !r || r.has(v)).sort();
    byKey.set(key, out);
  }
  return out;
}

/** Room for this many NodePools in a numeric cache key `id * PoolStride + pool.index` (it was 64, so a 65th pool shared the 1st's entries). */
export const PoolStride = 1 << 20;

/** Domains per (requirements, pool) and key, shared by every check of one solve. */
export type PossibleCache = Map<number, Map<string, readonly string[]>>;

/** A planned node not created yet, for checking a pod against a pool before opening a claim. */
export class ClaimDraft implements TopologyView {
  constructor(
    private readonly pool: PoolContext,
    private readonly table: RequirementsTable,
    private readonly reqId: number,
    private readonly hostname: string,
    private readonly cache: PossibleCache,
  ) {}

  possible(key: string): readonly string[] {
    return claimPossible(this.pool, this.table, this.reqId, this.hostname, key, this.cache);
  }

  passesFilter(filter: NodeFilter): boolean {
    return filter.trivial || filter.matchesRequirements(this.table.get(this.reqId), this.pool.taints);
  }
}
