import type { PoolContext, PoolType } from "./nodepools.js";
import type { RequirementsTable } from "./interning.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import { fits } from "./resources.js";
import { ClaimDraft, type PossibleCache } from "./targets.js";

/** Prices closer than this are equal. */
export const PriceTolerance = 1e-9;

/** What a claim would become with one more pod. */
export interface Choice {
  reqId: number;
  target: PoolType;
  price: number;
}

/**
 * Which instance type a planned claim launches and which domains it is pinned to: always the
 * cheapest type that holds what it has, within the NodePool's limits and minValues.
 */
export class Sizer {
  private readonly pinIds = new Map<string, number>();

  constructor(
    private readonly table: RequirementsTable,
    private readonly possibleCache: PossibleCache,
  ) {}

  pinId(key: string, value: string): number {
    const k = `${key}\u0000${value}`;
    let id = this.pinIds.get(k);
    if (id === undefined) {
      id = this.table.intern(new Requirements([Requirement.create(key, "In", [value])]));
      this.pinIds.set(k, id);
    }
    return id;
  }

  /**
   * Pins the keys topology asks for to one domain each (the first, in topology's order of
   * preference, where some type can still hold `total`) and picks the type the claim would launch.
   */
  narrow(
    pool: PoolContext,
    reqId: number,
    narrow: Map<string, string[]>,
    total: Float64Array,
    hostname: string,
    current: PoolType | undefined,
    reservation: Float64Array | undefined,
  ): Choice | undefined {
    const table = this.table;
    for (const [key, values] of narrow) {
      const possible = new ClaimDraft(pool, table, reqId, hostname, this.possibleCache).possible(key);
      if (possible.length === 1 && values.length === 1 && possible[0] === values[0]) continue;
      let pinned: number | undefined;
      for (const v of values) {
        const cand = table.intersect(reqId, this.pinId(key, v));
        if (this.chooseTarget(pool, cand, total, current, reservation)) {
          pinned = cand;
          break;
        }
      }
      if (pinned === undefined) return undefined;
      reqId = pinned;
    }
    const c = this.chooseTarget(pool, reqId, total, current, reservation);
    return c ? { reqId, target: c.target, price: c.price } : undefined;
  }

  /**
   * The cheapest type compatible with the requirements that holds `total`, within the NodePool's
   * limits (for a claim: what it holds plus what the pool has left); ties keep the current type,
   * then prefer more room. minValues must stay satisfiable among the types that fit.
   */
  chooseTarget(pool: PoolContext, reqId: number, total: Float64Array, current: PoolType | undefined, reservation: Float64Array | undefined): { target: PoolType; price: number } | undefined {
    const vi = pool.viability(reqId);
    if (!vi.any || !fits(total, vi.maxCap)) return undefined;
    const allowed = (t: PoolType): boolean => fits(total, t.cap) && withinLimits(pool, t, reservation);
    let best: PoolType | undefined;
    let bestPrice = Number.POSITIVE_INFINITY;
    for (const i of vi.order) {
      const price = vi.price[i]!;
      if (price > bestPrice + PriceTolerance) break;
      const t = pool.types[i]!;
      if (!allowed(t)) continue;
      if (!best || (best !== current && (t === current || t.value > best.value))) {
        best = t;
        bestPrice = Math.min(bestPrice, price);
      }
    }
    if (!best) return undefined;
    if (pool.hasMinValues && pool.strictMinValues) {
      const candidates: number[] = [];
      for (const i of vi.order) if (allowed(pool.types[i]!)) candidates.push(i);
      if (pool.minValuesSatisfied(reqId, candidates) !== undefined) return undefined;
    }
    return { target: best, price: vi.price[best.index]! };
  }
}

/** A new claim (no reservation yet) may use what the pool has left; a claim may add that to what it holds. */
function withinLimits(pool: PoolContext, t: PoolType, reservation: Float64Array | undefined): boolean {
  const limits = pool.limits;
  if (!limits) return true;
  for (const s of limits.slots) {
    const room = s.remaining + (reservation ? reservation[s.slot]! : 0);
    if (t.capacity[s.slot]! > room) return false;
  }
  return true;
}
