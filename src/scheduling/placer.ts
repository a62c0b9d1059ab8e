import type { V1Pod } from "@kubernetes/client-node";
import { Incompatible } from "./interning.js";
import type { PoolContext, PoolType } from "./nodepools.js";
import { fits, fitsWith } from "./resources.js";
import { type Choice, PriceTolerance, Sizer } from "./sizing.js";
import type { Shape } from "./shapes.js";
import type { SolveContext } from "./context.js";
import { SlackIndex } from "./slackindex.js";
import { Claim, ClaimDraft, type NodeSlot, type Placement, PoolStride } from "./targets.js";
import { firstUntolerated } from "./taints.js";
import { evaluateTopology } from "./topology/evaluate.js";
import { TopologyLedger } from "./topology/ledger.js";

/**
 * How a pod joins a planned claim: into room the claim's current type already has (free), or by
 * growing the claim to a dearer type when that is no worse than a node of its own: no dearer than
 * it, or buying the added capacity at no worse a price per unit of worth than the new node would
 * (so claims keep growing through a family's sizes, as Karpenter's do, instead of stalling where
 * each size doubles the price).
 */
export type { Choice };

export type JoinMode = { kind: "slack" } | { kind: "grow"; alternative: NewClaimCost };

/** What opening a claim of its own would cost a pod, and the worth of the capacity it would buy. */
export interface NewClaimCost {
  price: number;
  worth: number;
}

/**
 * The operations that put a pod somewhere: on an existing node, into a planned claim, or into a new
 * claim of a NodePool. Each check is the one kube-scheduler would run on the finished node, plus
 * what Karpenter checks for a node not launched yet (instance types, offerings, limits). A claim
 * always launches the cheapest type that holds its pods; joining it may move it to a dearer type.
 */
export class Placer {
  readonly claims: Claim[] = [];
  /** Per claim, the room its current type has left. */
  readonly slack: SlackIndex;
  /** Per claim, the room the largest type it could still become has left. */
  readonly growth: SlackIndex;
  private readonly poolToleration = new Map<number, boolean>();
  readonly sizer: Sizer;
  readonly ledger = new TopologyLedger();
  /** Room already paid for (planned claims' types and existing nodes), summed per resource. */
  readonly room: Float64Array;
  /** A reusable request vector (claim + pod), to spare an allocation per check. */
  private readonly scratch: Float64Array;

  constructor(readonly ctx: SolveContext) {
    this.scratch = new Float64Array(ctx.resources.size);
    this.room = new Float64Array(ctx.resources.size);
    this.sizer = new Sizer(ctx.table, ctx.possibleCache);
    for (const n of ctx.nodes) if (n.usable) for (let i = 0; i < this.room.length; i++) this.room[i]! += Math.max(0, n.free[i]!);
    this.slack = new SlackIndex(ctx.resources.size);
    this.growth = new SlackIndex(ctx.resources.size);
  }

  levelKey(shape: Shape, level: number): number {
    return shape.id * 256 + level;
  }

  tolerates(pool: PoolContext, shape: Shape, level: number): boolean {
    const k = this.levelKey(shape, level) * PoolStride + pool.index;
    let ok = this.poolToleration.get(k);
    if (ok === undefined) {
      const l = shape.levels[level]!;
      ok = firstUntolerated(pool.taints, l.tolerations, l.ignorePreferNoSchedule) === undefined;
      this.poolToleration.set(k, ok);
    }
    return ok;
  }

  // ---- existing nodes ----

  tryNode(slot: NodeSlot, shape: Shape, level: number, pod: V1Pod): boolean {
    if (!slot.usable || !fits(shape.request, slot.free)) return false;
    const l = shape.levels[level]!;
    if (!slot.tolerates(this.levelKey(shape, level), () => firstUntolerated(slot.taints, l.tolerations, l.ignorePreferNoSchedule) === undefined)) return false;
    if (shape.hostPorts.length > 0 && slot.hostPorts.conflict(shape.hostPorts)) return false;
    if (!l.alts.some((alt) => this.ctx.table.strictlyCompatibleWith(slot.reqId, alt.fullReqId) !== Incompatible)) return false;
    if (!evaluateTopology(shape.at(level), slot).ok) return false;
    for (let i = 0; i < slot.free.length; i++) {
      slot.free[i]! -= shape.request[i]!;
      this.room[i]! -= shape.request[i]!;
    }
    slot.hostPorts.add(shape.hostPorts);
    const p: Placement = { pod, shape, level };
    slot.placed.push(p);
    this.ledger.record(p, slot, 1);
    return true;
  }

  // ---- planned claims ----

  /** What the claim would become with the pod, or undefined when it cannot take it this way. */
  evaluateClaim(claim: Claim, shape: Shape, level: number, mode: JoinMode): Choice | undefined {
    if (mode.kind === "slack") {
      if (!fitsWith(claim.requests, shape.request, claim.target.cap)) return undefined;
    } else if (claim.maxed || !fitsWith(claim.requests, shape.request, claim.pool.viability(claim.reqId).maxCap)) return undefined;
    if (!this.tolerates(claim.pool, shape, level)) return undefined;
    if (shape.hostPorts.length > 0 && claim.hostPorts.conflict(shape.hostPorts)) return undefined;
    const l = shape.levels[level]!;
    const subject = shape.at(level);
    const table = this.ctx.table;
    const total = this.scratch;
    for (let i = 0; i < total.length; i++) total[i] = claim.requests[i]! + shape.request[i]!;
    // Slack: no dearer than now. Growth: no dearer than this, checked precisely below.
    const maxPrice = mode.kind === "slack" ? claim.price : claim.price + Math.max(mode.alternative.price, this.maxGrowth(claim, mode.alternative));
    for (const alt of l.alts) {
      if (alt.nodeName.some((r) => !r.has(claim.hostname))) continue;
      const reqId = table.compatibleWith(claim.reqId, alt.reqId);
      if (reqId === Incompatible) continue;
      const view = reqId === claim.reqId ? claim : new ClaimDraft(claim.pool, table, reqId, claim.hostname, this.ctx.possibleCache);
      const outcome = evaluateTopology(subject, view);
      if (!outcome.ok) continue;
      const chosen = this.sizer.narrow(claim.pool, reqId, outcome.narrow, total, claim.hostname, claim.target, claim.reservation);
      if (!chosen || chosen.price > maxPrice * (1 + PriceTolerance) + PriceTolerance) continue;
      if (mode.kind === "grow" && !this.growthPays(claim, chosen, mode.alternative)) continue;
      return chosen;
    }
    return undefined;
  }

  /**
   * Whether the claim refuses the pod for a reason that room cannot change: taints, host ports,
   * requirements, topology. For a monotonic shape such a refusal is final, so callers keep a
   * cursor past the claims that refuse it this way.
   */
  refusesForGood(claim: Claim, shape: Shape, level: number): boolean {
    if (!this.tolerates(claim.pool, shape, level)) return true;
    if (shape.hostPorts.length > 0 && claim.hostPorts.conflict(shape.hostPorts)) return true;
    const subject = shape.at(level);
    const table = this.ctx.table;
    for (const alt of shape.levels[level]!.alts) {
      if (alt.nodeName.some((r) => !r.has(claim.hostname))) continue;
      const reqId = table.compatibleWith(claim.reqId, alt.reqId);
      if (reqId === Incompatible) continue;
      const view = reqId === claim.reqId ? claim : new ClaimDraft(claim.pool, table, reqId, claim.hostname, this.ctx.possibleCache);
      if (evaluateTopology(subject, view).ok) return false;
    }
    return true;
  }

  /** Puts the pod into the claim as `choice` describes. */
  joinClaim(claim: Claim, choice: Choice, shape: Shape, level: number, pod: V1Pod): void {
    this.reserve(claim, choice.target);
    claim.reqId = choice.reqId;
    claim.target = choice.target;
    claim.price = choice.price;
    this.commit(claim, shape, level, pod);
  }

  /** The cheapest new claim the pod could open in the first NodePool that takes it, ignoring topology. */
  newClaimCost(shape: Shape, level: number): NewClaimCost {
    const l = shape.levels[level]!;
    for (const pool of this.ctx.pools) {
      if (!this.tolerates(pool, shape, level)) continue;
      let best: NewClaimCost | undefined;
      for (const alt of l.alts) {
        const reqId = this.ctx.table.compatibleWith(pool.baseReqId, alt.reqId);
        if (reqId === Incompatible) continue;
        const c = this.sizer.chooseTarget(pool, reqId, shape.request, undefined, undefined);
        if (c && (!best || c.price < best.price)) best = { price: c.price, worth: c.target.value };
      }
      if (best) return best;
    }
    return { price: Number.POSITIVE_INFINITY, worth: 0 };
  }

  /** The most a claim may grow by at the new node's price per unit of worth (an upper bound for the quick check). */
  private maxGrowth(claim: Claim, alt: NewClaimCost): number {
    if (alt.price === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
    if (alt.worth <= 0) return alt.price;
    const maxWorth = claim.pool.viability(claim.reqId).maxCap;
    let gain = 0;
    for (let i = 0; i < maxWorth.length; i++) gain += this.ctx.prices[i]! * Math.max(0, maxWorth[i]! - claim.target.cap[i]!);
    return (gain * alt.price) / alt.worth;
  }

  /** Growth is worth it if no dearer than a new node, or if it buys capacity at least as efficiently. */
  private growthPays(claim: Claim, chosen: Choice, alt: NewClaimCost): boolean {
    const delta = chosen.price - claim.price;
    if (delta <= alt.price * (1 + PriceTolerance) + PriceTolerance) return true;
    if (alt.worth <= 0) return false;
    const gain = chosen.target.value - claim.target.value;
    return gain > 0 && delta / gain <= (alt.price / alt.worth) * (1 + PriceTolerance);
  }

  /** Opens a new claim of `pool` for the pod, if it can take it. */
  openClaim(pool: PoolContext, shape: Shape, level: number, pod: V1Pod): boolean {
    const limits = pool.limits;
    if (limits && limits.nodesRemaining < 1) return false;
    if (!this.tolerates(pool, shape, level)) return false;
    const l = shape.levels[level]!;
    const subject = shape.at(level);
    const table = this.ctx.table;
    const id = this.claims.length + 1;
    const hostname = this.placeholder(id);
    for (const alt of l.alts) {
      if (alt.nodeName.some((r) => !r.has(hostname))) continue;
      const reqId = table.compatibleWith(pool.baseReqId, alt.reqId);
      if (reqId === Incompatible || !pool.viability(reqId).any) continue;
      const outcome = evaluateTopology(subject, new ClaimDraft(pool, table, reqId, hostname, this.ctx.possibleCache));
      if (!outcome.ok) continue;
      const chosen = this.sizer.narrow(pool, reqId, outcome.narrow, shape.request, hostname, undefined, undefined);
      if (!chosen) continue;
      let reservation: Float64Array | undefined;
      if (limits) {
        reservation = new Float64Array(shape.request.length);
        limits.nodesRemaining -= 1;
      }
      const claim = new Claim(id, this.claims.length, pool, hostname, chosen.reqId, chosen.target, shape.request.length, reservation, table, this.ctx.possibleCache);
      claim.price = chosen.price;
      this.reserve(claim, chosen.target);
      this.claims.push(claim);
      this.commit(claim, shape, level, pod);
      return true;
    }
    return false;
  }

  placeholder(id: number): string {
    return `tenon-placeholder-${String(id).padStart(5, "0")}`;
  }

  /**
   * Holds NodePool limits for the claim's new type: a claim holds, per limited resource, the
   * capacity of the largest type it may launch (Karpenter counts a claim at the maximum of its
   * candidate types). Only the increase is taken from what the pool has left.
   */
  private reserve(claim: Claim, target: PoolType): void {
    const limits = claim.pool.limits;
    if (!limits || !claim.reservation) return;
    for (const s of limits.slots) {
      const need = target.capacity[s.slot]!;
      const held = claim.reservation[s.slot]!;
      if (need > held) {
        s.remaining -= need - held;
        claim.reservation[s.slot] = need;
      }
    }
  }

  private commit(claim: Claim, shape: Shape, level: number, pod: V1Pod): void {
    for (let i = 0; i < claim.requests.length; i++) claim.requests[i]! += shape.request[i]!;
    claim.hostPorts.add(shape.hostPorts);
    const p: Placement = { pod, shape, level };
    claim.placed.push(p);
    this.ledger.record(p, claim, 1);
    this.refresh(claim);
  }

  /** Updates the claim's room in the slack index, and whether it can still grow. */
  refresh(claim: Claim): void {
    const cap = claim.target.cap;
    const min = this.ctx.minRequest;
    const room = new Float64Array(cap.length);
    let full = false;
    for (let i = 0; i < cap.length; i++) {
      room[i] = cap[i]! - claim.requests[i]!;
      if (room[i]! < min[i]!) full = true;
      this.room[i]! += room[i]! - claim.room[i]!;
      claim.room[i] = room[i]!;
    }
    if (full) this.slack.disable(claim.position);
    else this.slack.set(claim.position, room);
    const maxCap = claim.pool.viability(claim.reqId).maxCap;
    claim.maxed = !fitsWith(claim.requests, min, maxCap);
    if (claim.maxed) this.growth.disable(claim.position);
    else {
      for (let i = 0; i < cap.length; i++) room[i] = maxCap[i]! - claim.requests[i]!;
      this.growth.set(claim.position, room);
    }
  }
}
