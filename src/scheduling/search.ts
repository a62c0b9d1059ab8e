import type { SolveContext } from "./context.js";
import type { Choice, NewClaimCost, Placer } from "./placer.js";
import type { Entry } from "./queue.js";
import type { Claim } from "./targets.js";

/** How many claims that could grow to take a pod are compared (the cheapest growth wins). */
const GrowthCandidates = 8;
/**
 * How many claims one pod's growth step may look at in all. Without a bound it looked at every
 * claim whenever growth did not pay (the common case once claims are large), which made the solve
 * quadratic in pods: 1.2 M growth checks for 5,000 pods, and 50,000 did not finish in 15 minutes.
 */
const GrowthEvaluations = 64;
/**
 * The same bound for the claims with room one pod looks at (first fit among them). A pod whose
 * topology refuses most claims (zone spreads, hostname spreads) otherwise looked at all of them,
 * for every pod: quadratic again past 20,000 pods (30,000 diverse pods: 1.36 M such checks, 31 s →
 * 13 s, at 2.2 % more cost).
 */
const SlackEvaluations = 128;
const Epsilon = 1e-12;

/**
 * Where one pod goes, in the order Karpenter tries places, with cost in mind at each step:
 * 1. existing nodes and in-flight NodeClaims (first fit);
 * 2. room a planned claim's type already has (free);
 * 3. growing a planned claim to a dearer type, when that costs no more than a node of its own
 *    (of a few candidates, the one whose price rises least);
 * 4. a new claim, NodePools in weight order.
 */
export class Search {
  private readonly failed = new Set<number>();
  /** Per monotonic shape level: existing nodes / claims before this index refuse it for good. */
  private readonly nodeCursor = new Map<number, number>();
  private readonly claimCursor = new Map<number, number>();
  private readonly newCost = new Map<number, NewClaimCost>();
  /** Growth starts where it last succeeded: it spreads over claims instead of piling onto the first. */
  private growStart = 0;

  constructor(
    private readonly ctx: SolveContext,
    private readonly placer: Placer,
  ) {}

  place(e: Entry): boolean {
    const { shape, level, pod } = e;
    const placer = this.placer;
    if (shape.invalid || shape.levels[level]!.alts.length === 0) return false;
    const monotonic = shape.levels[level]!.monotonic;
    const key = placer.levelKey(shape, level);
    if (monotonic && this.failed.has(key)) return false;

    // 1. Existing nodes and in-flight claims.
    const nodes = this.ctx.nodes;
    for (let i = monotonic ? (this.nodeCursor.get(key) ?? 0) : 0; i < nodes.length; i++) {
      if (placer.tryNode(nodes[i]!, shape, level, pod)) {
        if (monotonic) this.nodeCursor.set(key, i);
        return true;
      }
    }
    if (monotonic) this.nodeCursor.set(key, nodes.length);

    // 2. Room a planned claim already pays for: the first claim with room that takes the pod.
    const claims = placer.claims;
    let from = 0;
    if (monotonic) {
      from = this.claimCursor.get(key) ?? 0;
      while (from < claims.length && placer.refusesForGood(claims[from]!, shape, level)) from += 1;
      this.claimCursor.set(key, from);
    }
    let tried = 0;
    for (let i = placer.slack.findFirst(from, shape.request); i >= 0 && tried < SlackEvaluations; i = placer.slack.findFirst(i + 1, shape.request)) {
      tried += 1;
      const r = placer.evaluateClaim(claims[i]!, shape, level, { kind: "slack" });
      if (r) {
        placer.joinClaim(claims[i]!, r, shape, level, pod);
        return true;
      }
    }

    // 3. Growth, when no dearer than a claim of its own.
    let alternative = this.newCost.get(key);
    if (alternative === undefined) this.newCost.set(key, (alternative = placer.newClaimCost(shape, level)));
    let best: { claim: Claim; choice: Choice; delta: number } | undefined;
    let seen = 0;
    let evaluated = 0;
    const consider = (i: number): boolean => {
      if (++evaluated > GrowthEvaluations) return true;
      const c = claims[i]!;
      const r = placer.evaluateClaim(c, shape, level, { kind: "grow", alternative });
      if (!r) return false;
      seen += 1;
      const delta = r.price - c.price;
      if (!best || delta < best.delta - Epsilon) best = { claim: c, choice: r, delta };
      return delta <= Epsilon || seen >= GrowthCandidates;
    };
    const start = Math.max(from, this.growStart);
    let stop = false;
    for (let i = placer.growth.findFirst(start, shape.request); i >= 0 && !stop; i = placer.growth.findFirst(i + 1, shape.request)) stop = consider(i);
    for (let i = placer.growth.findFirst(from, shape.request); i >= 0 && i < start && !stop; i = placer.growth.findFirst(i + 1, shape.request)) stop = consider(i);
    const chosen = best as { claim: Claim; choice: Choice } | undefined;
    if (chosen) {
      placer.joinClaim(chosen.claim, chosen.choice, shape, level, pod);
      this.growStart = chosen.claim.position + 1;
      return true;
    }

    // 4. A new claim.
    for (const pool of this.ctx.pools) if (placer.openClaim(pool, shape, level, pod)) return true;
    if (monotonic) this.failed.add(key);
    return false;
  }
}

