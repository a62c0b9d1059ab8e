import { CapacityTypeLabel, ZoneLabel } from "../../apis/labels.js";
import type { SolveContext } from "../context.js";
import { Incompatible } from "../interning.js";
import { cheapestOffering } from "../instancetypes.js";
import type { PoolContext, PoolType } from "../nodepools.js";
import { parseResourceList } from "../../core/quantity.js";
import { Requirement } from "../../core/requirement.js";
import { Requirements } from "../../core/requirements.js";
import { fits } from "../resources.js";
import type { NodeSlot } from "../targets.js";
import { firstUntolerated } from "../taints.js";
import type { ExactClass } from "./eligible.js";
import type { Milp } from "./milp.js";

/** One kind of new node: a NodePool's type bought with one capacity type (and in one zone when pods ask for zones). */
export interface NodeKind {
  pool: PoolContext;
  type: PoolType;
  capacityType: string;
  zone?: string;
  price: number;
}

/** One column of the model: a node (a new one of a kind, or an existing one) and how many pods of each class it holds. */
export interface Pattern {
  kind?: NodeKind;
  node?: NodeSlot;
  /** Per class (by index), pods on one such node. */
  counts: Map<number, number>;
  price: number;
}

export interface PackingModel {
  milp: Milp;
  patterns: Pattern[];
  columns: number;
}

/** The model is not built past this many columns (it would not solve within a sane budget). */
export const MaxColumns = 20_000;

/**
 * The cost-optimal packing as an integer program over packings (Gilmore–Gomory): a column is one
 * node kind filled with a maximal set of pods it holds (whole pods, within its capacity after
 * daemonset overhead, each class allowed there); its integer value is how many such nodes to buy.
 * Every class must be covered (a packing holding more is trimmed, still fitting). Existing nodes
 * are kinds of price 0 usable once; NodePool limits bound the capacity and nodes bought per pool.
 * Any real packing maps to a feasible point of no higher price, so the optimum is the optimum, and
 * the LP relaxation is strong (no symmetric bins to search through).
 */
export function buildModel(ctx: SolveContext, classes: readonly ExactClass[], initialFree: readonly Float64Array[], deadline: number = Number.POSITIVE_INFINITY): PackingModel | string {
  const late = "the time budget was spent enumerating packings";
  const patterns: Pattern[] = [];
  const demand = classes.map((c) => c.pods.length);
  // Per pool, every class it could take; a node of it must hold a pod it is the first pool for.
  const byPool = new Map<PoolContext, number[]>();
  classes.forEach((c, i) => {
    for (const pool of c.pools) {
      const list = byPool.get(pool) ?? [];
      list.push(i);
      byPool.set(pool, list);
    }
  });

  for (const [pool, members] of byPool) {
    if (!members.some((i) => classes[i]!.pool === pool)) continue;
    const splitZones = members.some((i) => ctx.table.get(classes[i]!.reqId).has(ZoneLabel));
    const all = nodeKinds(ctx, pool, splitZones);
    const allFit = all.map((k) => members.map((i) => fitCount(ctx, k, classes[i]!)));
    const keep = prune(all, allFit, pool);
    if (keep.length === 0) return `no instance type of NodePool ${pool.name} holds its pods`;
    // Per distinct packing, the cheapest kind that holds it (the kind changes nothing else, but for limits).
    const limited = pool.limits !== undefined;
    const best = new Map<string, Pattern>();
    for (const k of keep) {
      const kind = all[k]!;
      const found = maximalPackings(members, allFit[k]!, (i) => classes[i]!.shape.request, kind.type.cap, demand, MaxColumns - patterns.length - best.size, deadline);
      if (found === "late") return late;
      if (!found) return `more than ${MaxColumns} packings to consider`;
      for (const counts of found) {
        if (![...counts.keys()].some((i) => classes[i]!.pool === pool)) continue;
        const key = limited ? `${k}|${[...counts].join(",")}` : [...counts].join(",");
        const prev = best.get(key);
        if (!prev || kind.price < prev.price) best.set(key, { kind, counts, price: kind.price });
      }
    }
    patterns.push(...best.values());
  }
  const existingStart = patterns.length;
  ctx.nodes.forEach((node, ni) => {
    if (!node.usable) return;
    const free = initialFree[ni]!;
    const fit = classes.map((c) => {
      const l = c.shape.levels[0]!;
      if (firstUntolerated(node.taints, l.tolerations, l.ignorePreferNoSchedule)) return 0;
      if (ctx.table.strictlyCompatibleWith(node.reqId, l.alts[0]!.fullReqId) === Incompatible) return 0;
      return Math.min(c.pods.length, maxFitting(c.shape.request, free));
    });
    const members = classes.map((_, i) => i).filter((i) => fit[i]! > 0);
    if (members.length === 0) return;
    const found = maximalPackings(members, members.map((i) => fit[i]!), (i) => classes[i]!.shape.request, free, demand, MaxColumns - patterns.length, deadline);
    if (!found || found === "late") return;
    for (const counts of found) patterns.push({ node, counts, price: 0 });
  });
  if (patterns.length >= MaxColumns) return `more than ${MaxColumns} packings to consider`;

  const milp: Milp = { cost: [], lower: [], upper: [], integer: [], rows: [] };
  const cover = classes.map((c) => ({ indices: [] as number[], values: [] as number[], lo: c.pods.length, hi: Number.POSITIVE_INFINITY }));
  const perNode = new Map<NodeSlot, { indices: number[]; values: number[]; lo: number; hi: number }>();
  patterns.forEach((p, j) => {
    milp.cost.push(p.price);
    milp.lower.push(0);
    const most = Math.max(...[...p.counts].map(([i, n]) => Math.ceil(demand[i]! / n)));
    milp.upper.push(p.node ? 1 : most);
    milp.integer.push(true);
    for (const [i, n] of p.counts) {
      cover[i]!.indices.push(j);
      cover[i]!.values.push(n);
    }
    if (p.node) {
      let row = perNode.get(p.node);
      if (!row) perNode.set(p.node, (row = { indices: [], values: [], lo: Number.NEGATIVE_INFINITY, hi: 1 }));
      row.indices.push(j);
      row.values.push(1);
    }
  });
  for (const [i, row] of cover.entries()) {
    if (row.indices.length === 0) return `no node can hold pod ${classes[i]!.pods[0]?.metadata?.name ?? ""} in the model`;
    milp.rows.push(row);
  }
  milp.rows.push(...perNode.values());
  for (const pool of byPool.keys()) limitRows(ctx, pool, patterns.slice(0, existingStart), milp);
  return { milp, patterns, columns: patterns.length };
}

/**
 * The packings of one node that cannot take another pod of any class (each class at most its
 * demand and what fits alone), or undefined past `max` of them.
 */
function maximalPackings(members: readonly number[], fit: readonly number[], request: (i: number) => Float64Array, cap: Float64Array, demand: readonly number[], max: number, deadline: number): Map<number, number>[] | undefined | "late" {
  let steps = 0;
  let late = false;
  const out: Map<number, number>[] = [];
  const room = Float64Array.from(cap, (v) => Math.max(0, v));
  const counts = members.map(() => 0);
  const canAdd = (m: number): boolean => counts[m]! < Math.min(fit[m]!, demand[members[m]!]!) && fits(request(members[m]!), room);
  const add = (m: number, n: number): void => {
    const q = request(members[m]!);
    for (let r = 0; r < room.length; r++) room[r]! -= n * q[r]!;
    counts[m]! += n;
  };
  let overflow = false;
  const walk = (m: number): void => {
    if (overflow) return;
    if ((++steps & 1023) === 0 && performance.now() > deadline) {
      late = overflow = true;
      return;
    }
    if (m === members.length) {
      if (counts.every((_, j) => !canAdd(j))) {
        const p = new Map<number, number>();
        counts.forEach((n, j) => n > 0 && p.set(members[j]!, n));
        if (p.size > 0) out.push(p);
        if (out.length > max) overflow = true;
      }
      return;
    }
    // Most of this class first, then fewer, leaving room for the next classes.
    let n = 0;
    while (canAdd(m)) {
      add(m, 1);
      n += 1;
    }
    for (;;) {
      walk(m + 1);
      if (n === 0 || overflow) break;
      add(m, -1);
      n -= 1;
    }
    add(m, -n);
  };
  walk(0);
  if (late) return "late";
  return overflow ? undefined : out;
}

/** The node kinds a pool sells: per type, per capacity type (and zone), at its cheapest allowed offering. */
function nodeKinds(ctx: SolveContext, pool: PoolContext, splitZones: boolean): NodeKind[] {
  const out: NodeKind[] = [];
  for (const t of pool.types) {
    if (t.basePrice === Number.POSITIVE_INFINITY) continue;
    const cts = new Set<string>();
    const zones = new Set<string>();
    for (const o of t.it.offerings) {
      if (!o.available) continue;
      cts.add(o.capacityType);
      zones.add(o.zone);
    }
    for (const ct of cts) {
      for (const zone of splitZones ? [...zones] : [undefined]) {
        const narrow = new Requirements([Requirement.create(CapacityTypeLabel, "In", [ct])]);
        if (zone !== undefined) narrow.add(Requirement.create(ZoneLabel, "In", [zone]));
        const reqs = pool.combined(t).intersection(narrow);
        const o = cheapestOffering(t.it.offerings, reqs);
        if (o) out.push({ pool, type: t, capacityType: ct, ...(zone !== undefined ? { zone } : {}), price: o.price });
      }
    }
  }
  return out;
}

/** The requirements a node of this kind has: the pool's template, the type, its capacity type and zone. */
export function kindReqId(ctx: SolveContext, k: NodeKind): number {
  const narrow = new Requirements([Requirement.create(CapacityTypeLabel, "In", [k.capacityType])]);
  if (k.zone !== undefined) narrow.add(Requirement.create(ZoneLabel, "In", [k.zone]));
  return ctx.table.intern(k.pool.combined(k.type).intersection(narrow));
}

const kindIds = new WeakMap<NodeKind, number>();

/** Pods of the class a node of this kind holds alone, 0 if it may not hold them at all. */
function fitCount(ctx: SolveContext, k: NodeKind, c: ExactClass): number {
  if (!c.pools.includes(k.pool)) return 0;
  let id = kindIds.get(k);
  if (id === undefined) kindIds.set(k, (id = kindReqId(ctx, k)));
  if (ctx.table.compatibleWith(id, c.reqId) === Incompatible) return 0;
  if (!fits(c.shape.request, k.type.cap)) return 0;
  return Math.min(c.pods.length, maxFitting(c.shape.request, k.type.cap));
}

function maxFitting(request: Float64Array, room: Float64Array): number {
  let n = Number.POSITIVE_INFINITY;
  for (let r = 0; r < request.length; r++) if (request[r]! > 0) n = Math.min(n, Math.floor(Math.max(0, room[r]!) / request[r]! + 1e-9));
  return n === Number.POSITIVE_INFINITY ? 0 : n;
}

/**
 * Indexes of the kinds worth keeping: a kind is dropped when another kind of the pool is no dearer,
 * has at least as much room, is allowed for every class it is allowed for, has the same capacity
 * type and zone, and holds no more of a limited resource. Any plan using the dropped kind costs no
 * less with the other, so the optimum is unchanged. Kinds that hold no pod are dropped too.
 */
function prune(kinds: NodeKind[], fit: number[][], pool: PoolContext): number[] {
  const limited = (pool.limits?.slots ?? []).map((s) => s.slot);
  const order = kinds.map((_, i) => i).filter((i) => fit[i]!.some((f) => f > 0));
  order.sort((a, b) => kinds[a]!.price - kinds[b]!.price || kinds[a]!.type.index - kinds[b]!.type.index);
  const kept: number[] = [];
  for (const i of order) {
    const k = kinds[i]!;
    const beaten = kept.some((j) => {
      const o = kinds[j]!;
      return (
        o.capacityType === k.capacityType &&
        o.zone === k.zone &&
        o.price <= k.price &&
        o.type.cap.every((v, r) => v >= k.type.cap[r]!) &&
        limited.every((s) => o.type.capacity[s]! <= k.type.capacity[s]!) &&
        fit[i]!.every((f, m) => f === 0 || fit[j]![m]! > 0)
      );
    });
    if (!beaten) kept.push(i);
  }
  return kept;
}

/** NodePool limits: capacity and node count still left, summed over the pool's new nodes. */
function limitRows(ctx: SolveContext, pool: PoolContext, patterns: readonly Pattern[], milp: Milp): void {
  const spec = parseResourceList(pool.nodePool.spec.limits ?? {});
  if (Object.keys(spec).length === 0) return;
  const usage = ctx.input.nodePoolUsage?.get(pool.name) ?? {};
  for (const [name, limit] of Object.entries(spec)) {
    const left = limit - (usage[name] ?? 0);
    const row = { indices: [] as number[], values: [] as number[], lo: Number.NEGATIVE_INFINITY, hi: left };
    patterns.forEach((p, j) => {
      if (p.kind?.pool !== pool) return;
      const v = name === "nodes" ? 1 : p.kind.type.capacity[ctx.resources.slot(name)]!;
      if (v !== 0) {
        row.indices.push(j);
        row.values.push(v);
      }
    });
    if (row.indices.length === 0) continue;
    const s = Math.max(1, ...row.values.map(Math.abs));
    row.values = row.values.map((v) => v / s);
    row.hi = left / s;
    milp.rows.push(row);
  }
}
