import { Incompatible } from "./interning.js";
import type { Placer } from "./placer.js";
import { fits, fitsWith } from "./resources.js";
import { SlackIndex } from "./slackindex.js";
import { Claim, type NodeSlot, type Placement, claimPossible } from "./targets.js";
import { firstUntolerated } from "./taints.js";
import { domainOf } from "./topology/evaluate.js";
import type { TopologyGroup } from "./topology/group.js";

type Target = Claim | NodeSlot;

/** Undo log of one attempt. */
type Undo = (() => void)[];

/**
 * Local search after the greedy packing: take pods out of a claim and into the spare room other
 * nodes already pay for, when that lets the claim launch a cheaper type or not launch at all.
 * A move never raises a recipient's price (it only fills the type the recipient launches anyway,
 * and may pin it to a domain only at no higher price) and a batch of moves is kept only when the
 * donor gets cheaper, so the plan's cost only goes down.
 *
 * Every topology group a moved pod owns or is counted by must stay satisfied: for keys other than
 * the hostname the pod stays in the same domain (same zone, same capacity type …), so no count
 * changes; for the hostname the recipient is checked as kube would check it: no anti-affinity
 * conflict either way, and spread counts there within the skew of the pod and of the owners
 * already there. Pods bound to their host by hostname affinity do not move.
 */
export class Improver {
  private readonly nodeRoom: SlackIndex;
  private readonly nodeIndex = new Map<NodeSlot, number>();
  moves = 0;

  constructor(
    private readonly placer: Placer,
    private readonly nodes: readonly NodeSlot[],
    /** Moves left to try; the pass stops when it runs out, so its cost stays bounded and deterministic. */
    private readonly budget: { ops: number },
  ) {
    this.nodeRoom = new SlackIndex(placer.ctx.resources.size);
    nodes.forEach((n, i) => {
      this.nodeIndex.set(n, i);
      this.refreshNode(n, i);
    });
  }

  private refreshNode(n: NodeSlot, i: number): void {
    if (n.usable) this.nodeRoom.set(i, n.free);
    else this.nodeRoom.disable(i);
  }

  private movable(p: Placement): boolean {
    const l = p.shape.levels[p.level]!;
    return !l.owned.some((o) => o.group.kind === "affinity" && o.group.isHostname) && !p.shape.selectedBy.some((g) => g.kind === "affinity" && g.isHostname);
  }

  run(): void {
    const claims = () => this.placer.claims.filter((c) => c.placed.length > 0);
    // Remove whole claims, cheapest first.
    for (const c of claims().sort((a, b) => a.price - b.price || a.id - b.id)) {
      if (this.budget.ops <= 0) return;
      if (!c.placed.every((p) => this.movable(p))) continue;
      const undo: Undo = [];
      if (!this.moveOut(c, [...c.placed], undo)) this.rollback(undo);
    }
    // Shrink the rest, most expensive first.
    for (const c of claims().sort((a, b) => b.price - a.price || a.id - b.id)) {
      while (this.budget.ops > 0 && c.placed.length > 0 && this.shrink(c));
    }
  }

  /** Re-derives the claim's type (the cheapest that holds what it has) after pods left it. */
  private retarget(c: Claim): void {
    const chosen = this.placer.sizer.chooseTarget(c.pool, c.reqId, c.requests, undefined, c.reservation);
    if (chosen) {
      c.target = chosen.target;
      c.price = chosen.price;
    }
    this.placer.refresh(c);
  }

  /** Tries to move enough pods out of `c` for a cheaper type to hold the rest. */
  private shrink(c: Claim): boolean {
    const movable = c.placed.filter((p) => this.movable(p));
    if (movable.length === 0) return false;
    const pool = c.pool;
    const vi = pool.viability(c.reqId);
    const cheaper = pool.types
      .filter((t) => vi.price[t.index]! < c.price - 1e-9 && (!c.reservation || (pool.limits?.slots ?? []).every((s) => t.capacity[s.slot]! <= c.reservation![s.slot]!)))
      .sort((a, b) => vi.price[b.index]! - vi.price[a.index]!)
      .slice(0, 3);
    // Small pods first: they fit the leftover room of other nodes.
    const order = [...movable].sort((a, b) => a.shape.size - b.shape.size);
    for (const t of cheaper) {
      const left = new Float64Array(c.requests.length);
      for (let i = 0; i < left.length; i++) left[i] = c.requests[i]! - t.cap[i]!;
      const undo: Undo = [];
      for (const p of order) {
        if (this.budget.ops <= 0) break;
        let helps = false;
        for (let i = 0; i < left.length; i++) if (left[i]! > 0 && p.shape.request[i]! > 0) helps = true;
        if (!helps || !this.moveSomewhere(p, c, undo)) continue;
        for (let i = 0; i < left.length; i++) left[i]! -= p.shape.request[i]!;
        if (left.every((v) => v <= 0)) {
          this.moves += undo.length;
          return true;
        }
      }
      this.rollback(undo);
    }
    return false;
  }

  private rollback(undo: Undo): void {
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  /** Moves each pod to some other node with room; false (with the undo log filled) if one cannot go. */
  private moveOut(from: Claim, pods: Placement[], undo: Undo): boolean {
    for (const p of pods) if (!this.moveSomewhere(p, from, undo)) return false;
    this.moves += undo.length;
    return true;
  }

  private moveSomewhere(p: Placement, from: Claim, undo: Undo): boolean {
    const need = p.shape.request;
    for (let i = this.nodeRoom.findFirst(0, need); i >= 0; i = this.nodeRoom.findFirst(i + 1, need)) {
      if (this.tryMove(p, from, this.nodes[i]!, undo)) return true;
      if (this.budget.ops <= 0) return false;
    }
    const claims = this.placer.claims;
    for (let i = this.placer.slack.findFirst(0, need); i >= 0; i = this.placer.slack.findFirst(i + 1, need)) {
      const c = claims[i]!;
      if (c !== from && c.placed.length > 0 && this.tryMove(p, from, c, undo)) return true;
      if (this.budget.ops <= 0) return false;
    }
    return false;
  }

  private tryMove(p: Placement, from: Claim, to: Target, undo: Undo): boolean {
    this.budget.ops -= 1;
    const shape = p.shape;
    const l = shape.levels[p.level]!;
    const table = this.placer.ctx.table;
    const isClaim = to instanceof Claim;
    if (isClaim ? !fitsWith(to.requests, shape.request, to.target.cap) : !to.usable || !fits(shape.request, to.free)) return false;
    if (firstUntolerated(isClaim ? to.pool.taints : to.taints, l.tolerations, l.ignorePreferNoSchedule)) return false;
    if (shape.hostPorts.length > 0 && to.hostPorts.conflict(shape.hostPorts)) return false;

    // Requirements (and, for a claim, the narrowed set must still allow its type).
    let reqId = to.reqId;
    let ok = false;
    for (const alt of l.alts) {
      if (isClaim) {
        if (alt.nodeName.some((r) => !r.has(to.hostname))) continue;
        const id = table.compatibleWith(to.reqId, alt.reqId);
        if (id === Incompatible) continue;
        reqId = id;
      } else if (table.strictlyCompatibleWith(to.reqId, alt.fullReqId) === Incompatible) continue;
      ok = true;
      break;
    }
    if (!ok) return false;

    // Topology: every group the pod owns or is counted by must stay satisfied.
    const rec = this.placer.ledger.recorded.get(p);
    const donorDomain = new Map<TopologyGroup, string>();
    const countedAtDonor = new Set<TopologyGroup>();
    for (const [g, d] of rec?.counted ?? []) {
      donorDomain.set(g, d);
      countedAtDonor.add(g);
    }
    for (const [g, d] of rec?.owned ?? []) donorDomain.set(g, d);
    const owned = new Set(l.owned.map((o) => o.group));
    const selected = new Set(shape.selectedBy);
    for (const g of new Set([...owned, ...selected])) {
      const countedAtRecipient = selected.has(g) && (g.kind !== "spread" || !g.filter || to.passesFilter(g.filter));
      if (g.isHostname) {
        const host = isClaim ? to.hostname : domainOf(to, g.key);
        if (host === undefined || g.kind === "affinity") return false;
        if (g.kind === "spread") {
          const after = g.count(host) + (countedAtRecipient ? 1 : 0);
          if ((owned.has(g) || (countedAtRecipient && g.activeOwnersIn(host) > 0)) && after > g.maxSkew) return false;
        } else {
          if (owned.has(g) && g.count(host) > 0) return false;
          if (selected.has(g) && g.activeOwnersIn(host) > 0) return false;
        }
        continue;
      }
      // Any other key: stay in the same domain, counted the same way, so no count changes.
      if (g.kind === "spread" && selected.has(g) && countedAtDonor.has(g) !== countedAtRecipient) return false;
      const dD = donorDomain.get(g);
      const values = isClaim ? claimPossible(to.pool, table, reqId, to.hostname, g.key, this.placer.ctx.possibleCache) : to.possible(g.key);
      if (dD === undefined) {
        if (values.length > 0 && (owned.has(g) || countedAtRecipient)) return false;
        continue;
      }
      if (!values.includes(dD)) return false;
      if (isClaim && values.length > 1) reqId = table.intersect(reqId, this.placer.sizer.pinId(g.key, dD));
    }
    // Narrowing the recipient must leave its type available at no higher price.
    if (isClaim && reqId !== to.reqId && !(to.pool.viability(reqId).price[to.target.index]! <= to.price)) return false;

    this.apply(p, from, to, reqId, undo);
    return true;
  }

  /** Moves the pod, refreshing both ends, and logs how to take it back. */
  private apply(p: Placement, from: Claim, to: Target, reqId: number, undo: Undo): void {
    const shape = p.shape;
    const prevFrom = { target: from.target, price: from.price, index: from.placed.indexOf(p) };
    const prevTo = to instanceof Claim ? { reqId: to.reqId } : undefined;
    this.placer.ledger.record(p, from, -1);
    from.placed.splice(prevFrom.index, 1);
    for (let i = 0; i < from.requests.length; i++) from.requests[i]! -= shape.request[i]!;
    from.hostPorts.remove(shape.hostPorts);
    this.retarget(from);
    if (to instanceof Claim) {
      to.reqId = reqId;
      for (let i = 0; i < to.requests.length; i++) to.requests[i]! += shape.request[i]!;
      this.placer.refresh(to);
    } else {
      for (let i = 0; i < to.free.length; i++) to.free[i]! -= shape.request[i]!;
      this.refreshNode(to, this.nodeIndex.get(to)!);
    }
    to.hostPorts.add(shape.hostPorts);
    to.placed.push(p);
    this.placer.ledger.record(p, to, 1);
    undo.push(() => {
      this.placer.ledger.record(p, to, -1);
      to.placed.splice(to.placed.indexOf(p), 1);
      to.hostPorts.remove(shape.hostPorts);
      if (to instanceof Claim) {
        to.reqId = prevTo!.reqId;
        for (let i = 0; i < to.requests.length; i++) to.requests[i]! -= shape.request[i]!;
        this.placer.refresh(to);
      } else {
        for (let i = 0; i < to.free.length; i++) to.free[i]! += shape.request[i]!;
        this.refreshNode(to, this.nodeIndex.get(to)!);
      }
      from.placed.splice(prevFrom.index, 0, p);
      for (let i = 0; i < from.requests.length; i++) from.requests[i]! += shape.request[i]!;
      from.hostPorts.add(shape.hostPorts);
      from.target = prevFrom.target;
      from.price = prevFrom.price;
      this.placer.refresh(from);
      this.placer.ledger.record(p, from, 1);
    });
  }
}
