import { HostnameLabel } from "../apis/labels.js";
import type { SolveContext } from "./context.js";
import { Incompatible } from "./interning.js";
import { solvePacking } from "./lp.js";
import type { PoolContext, PoolType } from "./nodepools.js";
import { cheapestOffering } from "./instancetypes.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import { fits } from "./resources.js";
import type { Shape } from "./shapes.js";
import { firstUntolerated } from "./taints.js";
import { CapacityTypeLabel } from "../apis/labels.js";

/** One purchasable kind of node: a NodePool's instance type bought with one capacity type. */
interface NodeVariable {
  pool: PoolContext;
  type: PoolType;
  capacityType: string;
  price: number;
}

function variables(ctx: SolveContext): NodeVariable[] {
  const out: NodeVariable[] = [];
  for (const pool of ctx.pools) {
    // The pool's requirements pinned to each capacity type, made once per pool rather than per type.
    const byCt = new Map<string, Requirements>();
    const pinnedTo = (ct: string): Requirements => {
      let r = byCt.get(ct);
      if (!r) byCt.set(ct, (r = pool.baseReqs.intersection(new Requirements([Requirement.create(CapacityTypeLabel, "In", [ct])]))));
      return r;
    };
    for (const t of pool.types) {
      if (t.basePrice === Number.POSITIVE_INFINITY) continue;
      const cts = new Set(t.it.offerings.filter((o) => o.available).map((o) => o.capacityType));
      for (const ct of cts) {
        const o = cheapestOffering(t.it.offerings, pinnedTo(ct));
        if (o) out.push({ pool, type: t, capacityType: ct, price: o.price });
      }
    }
  }
  return out;
}

/**
 * Per resource, a price such that no instance type's capacity (after daemonset overhead) is worth
 * more than the type costs, maximizing the worth of all pending pods: the dual of the LP "cheapest
 * fractional set of nodes covering the total demand". The solver ranks instance types by
 * worth ÷ price, so claims grow towards the types that pack this demand most cheaply.
 */
export function resourcePrices(ctx: SolveContext): Float64Array {
  const r = ctx.resources.size;
  const demand = new Float64Array(r);
  for (const s of ctx.shapes) for (let i = 0; i < r; i++) demand[i]! += s.request[i]! * s.pods.length;
  const rows: Float64Array[] = [];
  const prices: number[] = [];
  for (const pool of ctx.pools) {
    for (const t of pool.types) {
      if (t.basePrice === Number.POSITIVE_INFINITY) continue;
      rows.push(t.cap.map((v) => Math.max(0, v)));
      prices.push(t.basePrice);
    }
  }
  const { y } = solvePacking({ a: rows, p: Float64Array.from(prices), d: demand });
  if (y.every((v) => v === 0)) {
    // Nothing to learn from (no demand, or free nodes): value capacity by its share of the largest type.
    const max = new Float64Array(r);
    for (const row of rows) for (let i = 0; i < r; i++) max[i] = Math.max(max[i]!, row[i]!);
    for (let i = 0; i < r; i++) y[i] = max[i]! > 0 ? 1 / max[i]! : 0;
  }
  return y;
}

/** Per resource, the cheapest price any type sells one unit of it for (Infinity when no type has it). */
export function unitPrices(ctx: SolveContext): Float64Array {
  const unit = new Float64Array(ctx.resources.size).fill(Number.POSITIVE_INFINITY);
  for (const pool of ctx.pools) {
    for (const t of pool.types) {
      if (t.basePrice === Number.POSITIVE_INFINITY) continue;
      for (let i = 0; i < unit.length; i++) if (t.cap[i]! > 0) unit[i] = Math.min(unit[i]!, t.basePrice / t.cap[i]!);
    }
  }
  return unit;
}

/** Which node variables a shape could use at all: hard constraints only, and the type must hold its request. */
function allowedVariables(ctx: SolveContext, shape: Shape, vars: readonly NodeVariable[], minRequest: Float64Array): Uint8Array {
  const allowed = new Uint8Array(vars.length);
  const l = shape.strict;
  const ctReq = new Map<string, number>();
  const pinned = (reqId: number, ct: string): number => {
    let id = ctReq.get(ct);
    if (id === undefined) ctReq.set(ct, (id = ctx.table.intern(new Requirements([Requirement.create(CapacityTypeLabel, "In", [ct])]))));
    return ctx.table.intersect(reqId, id);
  };
  const poolReqs = new Map<PoolContext, number[]>();
  for (const pool of ctx.pools) {
    if (firstUntolerated(pool.taints, l.tolerations, true)) continue;
    const ids: number[] = [];
    for (const alt of l.alts) {
      // A new node never has another node's name.
      if (alt.nodeName.some((r) => !r.has("\u0000new-node"))) continue;
      const id = ctx.table.compatibleWith(pool.baseReqId, alt.reqId);
      if (id !== Incompatible) ids.push(id);
    }
    poolReqs.set(pool, ids);
  }
  vars.forEach((v, i) => {
    if (!fits(minRequest, v.type.capUpper)) return;
    const ids = poolReqs.get(v.pool);
    if (!ids) return;
    for (const id of ids) {
      if (v.pool.viability(pinned(id, v.capacityType)).price[v.type.index]! < Number.POSITIVE_INFINITY) {
        allowed[i] = 1;
        return;
      }
    }
  });
  return allowed;
}

/** Pods placed by the plan, by shape. */
export type PlacedCounts = Map<Shape, number>;

/** How many extra constraint blocks for restricted pod classes the bound uses (more is tighter, slower). */
const MaxClassBlocks = 8;
const MaxNodeBlocks = 8;

/**
 * A lower bound on the hourly price of any packing of the placed pods, valid whatever the packing:
 *
 * LP relaxation with one variable x_v ≥ 0 per (NodePool, instance type, capacity type), priced at
 * its cheapest available offering, supplying capacity = allocatable − daemonset overhead:
 *   minimize Σ price_v·x_v subject to
 *   - for all placed pods, per resource: Σ_v cap_v·x_v ≥ demand − free capacity on existing nodes;
 *   - for each class of pods restricted to a subset of variables (by requirements, taints,
 *     capacity types, size), the same over that subset only (their nodes must come from it);
 *   - for each set of pods that can never share a node (required hostname anti-affinity among
 *     themselves, or the same host port on every address): Σ_v x_v ≥ their number − existing nodes.
 * Every real packing yields a feasible x (count the nodes of each kind), so the LP optimum is below
 * its cost; the returned value is the objective of a dual-feasible point, hence below the LP optimum
 * by weak duality, whatever rounding the simplex did.
 */
export function lowerBound(ctx: SolveContext, placed: PlacedCounts, existingFree: Float64Array, usableExistingNodes: number, existingLargest: Float64Array[]): number {
  const vars = variables(ctx);
  if (vars.length === 0 || placed.size === 0) return 0;
  const R = ctx.resources.size;

  // Classes: shapes with the same hard constraints. A class may use the variables its constraints
  // allow whose capacity holds its smallest pod (any larger pod needs at least that much).
  const classes = new Map<string, { allowed: Uint8Array; demand: Float64Array; min: Float64Array; shapes: Shape[] }>();
  const classOf = new Map<Shape, { allowed: Uint8Array }>();
  for (const [shape, count] of placed) {
    if (count === 0) continue;
    const key = `${shape.strict.alts.map((a) => a.fullReqId).join(",")}|${JSON.stringify(shape.strict.tolerations)}`;
    let c = classes.get(key);
    if (!c) classes.set(key, (c = { allowed: new Uint8Array(0), demand: new Float64Array(R), min: Float64Array.from(shape.request), shapes: [] }));
    for (let i = 0; i < R; i++) {
      c.demand[i]! += shape.request[i]! * count;
      c.min[i] = Math.min(c.min[i]!, shape.request[i]!);
    }
    c.shapes.push(shape);
  }
  for (const c of classes.values()) {
    c.allowed = allowedVariables(ctx, c.shapes[0]!, vars, c.min);
    for (const s of c.shapes) classOf.set(s, c);
  }

  const union = new Uint8Array(vars.length);
  const total = new Float64Array(R);
  for (const c of classes.values()) {
    for (let i = 0; i < vars.length; i++) union[i] = union[i]! | c.allowed[i]!;
    for (let i = 0; i < R; i++) total[i]! += c.demand[i]!;
  }
  const blocks: { allowed: Uint8Array; demand: Float64Array }[] = [{ allowed: union, demand: total }];
  const unionCount = union.reduce((a, b) => a + b, 0);
  const restricted = [...classes.values()]
    .filter((c) => c.allowed.reduce((a, b) => a + b, 0) < unionCount)
    .sort((a, b) => b.demand[0]! + b.demand[1]! / 1e6 - (a.demand[0]! + a.demand[1]! / 1e6));
  for (const c of restricted.slice(0, MaxClassBlocks)) blocks.push({ allowed: c.allowed, demand: c.demand });

  // Sets of pods that each need a node of their own.
  const exclusive: { allowed: Uint8Array; count: number }[] = [];
  const allowedOf = (shapes: Iterable<Shape>): Uint8Array => {
    const out = new Uint8Array(vars.length);
    const seen = new Set<Uint8Array>();
    for (const s of shapes) {
      const a = classOf.get(s)!.allowed;
      if (seen.has(a)) continue;
      seen.add(a);
      for (let i = 0; i < vars.length; i++) out[i] = out[i]! | a[i]!;
    }
    return out;
  };
  for (const g of ctx.registry.groups) {
    if (g.kind !== "antiAffinity" || g.key !== HostnameLabel) continue;
    let n = 0;
    const members: Shape[] = [];
    for (const [shape, count] of placed) {
      if (!shape.strict.owned.some((o) => o.group === g && o.required) || !shape.selfSelects(g)) continue;
      n += count;
      members.push(shape);
    }
    if (n - usableExistingNodes > 1) exclusive.push({ allowed: allowedOf(members), count: n - usableExistingNodes });
  }
  const byPort = new Map<string, { n: number; members: Shape[] }>();
  for (const [shape, count] of placed) {
    for (const p of shape.hostPorts) {
      if (p.ip !== "0.0.0.0") continue;
      const k = `${p.protocol}/${p.port}`;
      const e = byPort.get(k) ?? { n: 0, members: [] };
      e.n += count;
      e.members.push(shape);
      byPort.set(k, e);
    }
  }
  for (const e of byPort.values()) if (e.n - usableExistingNodes > 1) exclusive.push({ allowed: allowedOf(e.members), count: e.n - usableExistingNodes });
  exclusive.sort((a, b) => b.count - a.count);

  // Columns: per block, per resource; then one per exclusive set.
  const cols: { block?: number; resource?: number; exclusive?: number; demand: number }[] = [];
  blocks.forEach((b, bi) => {
    for (let r = 0; r < R; r++) {
      const d = Math.max(0, b.demand[r]! - existingFree[r]!);
      if (d > 0) cols.push({ block: bi, resource: r, demand: d });
    }
  });
  exclusive.slice(0, MaxNodeBlocks).forEach((e, ei) => cols.push({ exclusive: ei, demand: e.count }));
  if (cols.length === 0) return 0;

  const a = vars.map((v, vi) => {
    const row = new Float64Array(cols.length);
    cols.forEach((c, ci) => {
      if (c.block !== undefined) {
        if (blocks[c.block]!.allowed[vi]) row[ci] = Math.max(0, v.type.capUpper[c.resource!]!);
      } else if (exclusive[c.exclusive!]!.allowed[vi]) row[ci] = 1;
    });
    return row;
  });
  const { value } = solvePacking({ a, p: Float64Array.from(vars.map((v) => v.price)), d: Float64Array.from(cols.map((c) => c.demand)) });
  return Math.max(value, largestPodBound(ctx, placed, vars, classOf, existingLargest));
}

/** How many of the largest pods the single-node bound looks at (any subset gives a valid bound). */
const LargestPods = 16;

/**
 * A pod that no existing node could hold needs some new node that can: at least the cheapest
 * variable allowed for it whose capacity holds it. (The LP may spread such a pod over fractions of
 * smaller nodes, so on small plans this is the tighter bound.)
 */
function largestPodBound(ctx: SolveContext, placed: PlacedCounts, vars: readonly NodeVariable[], classOf: Map<Shape, { allowed: Uint8Array }>, existingLargest: Float64Array[]): number {
  let bound = 0;
  const shapes = [...placed.keys()].sort((a, b) => b.size - a.size).slice(0, LargestPods);
  for (const shape of shapes) {
    if (existingLargest.some((free) => fits(shape.request, free))) continue;
    const allowed = classOf.get(shape)?.allowed;
    if (!allowed) continue;
    let cheapest = Number.POSITIVE_INFINITY;
    vars.forEach((v, i) => {
      if (allowed[i] && v.price < cheapest && fits(shape.request, v.type.capUpper)) cheapest = v.price;
    });
    if (cheapest < Number.POSITIVE_INFINITY) bound = Math.max(bound, cheapest);
  }
  return bound;
}
