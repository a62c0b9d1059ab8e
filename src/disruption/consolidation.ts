// One consolidation decision for a set of candidates, as Karpenter's computeConsolidation makes it:
// simulate their removal; if every pod finds a place on the other nodes, delete them; if the pods
// that do not fit go onto exactly one new NodeClaim whose options are cheaper than the candidates,
// replace them with it (spot-to-spot only behind its feature gate and with at least 15 cheaper
// types, and an on-demand → spot-or-on-demand replacement pinned to spot, since the options were
// priced as spot); otherwise explain why not.
import { CapacityTypeLabel, CapacityTypeOnDemand, CapacityTypeSpot } from "../apis/labels.js";
import type { InstanceType, RequirementSpec } from "../cloudprovider/types.js";
import { cheapestOffering } from "../scheduling/instancetypes.js";
import { Requirement } from "../core/requirement.js";
import { Requirements } from "../core/requirements.js";
import type { PlannedNodeClaim } from "../scheduling/types.js";
import { BalancedK, type PoolTotals, type Score, balancedRejection, evaluateBalanced } from "./balanced.js";
import { minSavings, priceCap } from "./savings.js";
import type { PodFailure, SimulationResult, Simulator } from "./simulate.js";
import type { Candidate, Command, ConsolidationMove, Explanation, Method, Replacement } from "./types.js";
import { podName } from "./pods.js";

/** Karpenter's MinInstanceTypesForSpotToSpotConsolidation. */
export const MinInstanceTypesForSpotToSpot = 15;

export interface ConsolidationContext {
  sim: Simulator;
  spotToSpot: boolean;
  /** Totals of the Balanced pools, which score every move (consolidationPolicy: Balanced). */
  balanced?: ReadonlyMap<string, PoolTotals>;
}

export type Rejection = Pick<Explanation, "kind" | "message" | "pods">;
export type ConsolidationOutcome = { command: Command; rejection?: undefined } | { command?: undefined; rejection: Rejection };

export const dollars = (n: number): string => `$${n.toFixed(4)}/hour`;

interface Option {
  it: InstanceType;
  price: number;
}

/** The claim's types with their cheapest offering under `reqs`, cheaper than `cap`, cheapest first. */
function optionsUnder(types: readonly InstanceType[], reqs: Requirements, cap: number): Option[] {
  const out: Option[] = [];
  for (const it of types) {
    const o = cheapestOffering(it.offerings, reqs);
    if (o && o.price < cap) out.push({ it, price: o.price });
  }
  return out.sort((a, b) => a.price - b.price || a.it.name.localeCompare(b.it.name));
}

/** Why the options leave a minValues requirement unmet, or undefined. Also how many options minValues needs. */
export function minValuesCheck(reqs: Requirements, options: readonly Option[]): { error?: string; needed: number } {
  let needed = 0;
  for (const r of reqs.values()) {
    if (r.minValues === undefined) continue;
    const seen = new Set<string>();
    let count = 0;
    for (const o of options) {
      count++;
      const tr = o.it.requirements.find((x) => x.key === r.key);
      for (const v of tr?.values ?? []) if (r.has(v)) seen.add(v);
      if (seen.size >= r.minValues) break;
    }
    if (seen.size < r.minValues) return { error: `minValues requirement is not met for label ${r.key}: ${seen.size} of ${r.minValues} values left among the cheaper types`, needed: 0 };
    needed = Math.max(needed, count);
  }
  return { needed };
}

/** The planned claim narrowed to `options` (and to spot when asked). */
export function narrowClaim(planned: PlannedNodeClaim, options: readonly Option[], spotOnly: boolean): Replacement {
  let requirements = planned.requirements;
  let capacityTypes = planned.capacityTypes;
  if (spotOnly) {
    requirements = [...requirements.filter((r) => r.key !== CapacityTypeLabel), { key: CapacityTypeLabel, operator: "In", values: [CapacityTypeSpot] }];
    capacityTypes = [CapacityTypeSpot];
  }
  return {
    nodePool: planned.nodePool,
    planned: { ...planned, requirements, capacityTypes, instanceTypes: options.map((o) => o.it), pricePerHour: options[0]?.price ?? planned.pricePerHour },
    pricePerHour: options[0]?.price ?? planned.pricePerHour,
  };
}

export function makeCommand(method: Method, candidates: Candidate[], replacements: Replacement[]): Command {
  const price = candidates.reduce((s, c) => s + c.price, 0);
  const rep = replacements.reduce((s, r) => s + r.pricePerHour, 0);
  return { method, decision: replacements.length > 0 ? "replace" : "delete", candidates, replacements, pricePerHour: price, replacementPricePerHour: rep, savingsPerHour: price - rep };
}

function failureRejection(failures: readonly PodFailure[]): Rejection {
  const first = failures[0]!;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more pod${failures.length === 2 ? "" : "s"})` : "";
  return { kind: first.kind, message: `${first.message}${more}`, pods: failures.map((f) => podName(f.pod)) };
}

const describeRoom = (v: readonly number[]): string => `${(v[0]! / 1000).toFixed(2).replace(/\.?0+$/, "")} cpu, ${Math.ceil(v[1]! / 2 ** 20)}Mi memory, ${v[2]} pods`;

/**
 * A move found cheaper still has to be worth its disruption to every Balanced pool it touches;
 * tenon.sh/consolidation-min-savings has already bounded the replacement's price, so both hold.
 */
export function scoreBalanced(ctx: ConsolidationContext, out: ConsolidationOutcome): ConsolidationOutcome {
  return scoredMove(ctx, out).out;
}

/** A move and how Balanced scoring took it: the command it scored and the score of each Balanced pool, if any. */
export interface ScoredMove {
  out: ConsolidationOutcome;
  /** The command before scoring; absent when there was no move to score. */
  scored?: Command;
  scores: ReadonlyMap<string, Score>;
}

export function scoredMove(ctx: ConsolidationContext, out: ConsolidationOutcome): ScoredMove {
  if (!out.command) return { out, scores: new Map() };
  if (!ctx.balanced || !out.command.candidates.some((c) => c.nodePool.spec.disruption.consolidationPolicy === "Balanced")) return { out, scored: out.command, scores: new Map() };
  const { approved, scores } = evaluateBalanced(out.command, ctx.balanced);
  if (approved) return { out, scored: out.command, scores };
  const [pool, score] = [...scores].find(([, s]) => !s.approved)!;
  return { out: { rejection: { kind: "BalancedScore", message: balancedRejection(pool, score) } }, scored: out.command, scores };
}

/**
 * Karpenter's count of a scored move: per NodePool of its candidates, approved unless `approved`
 * says otherwise (the move's verdict, for multi-node) or the pool's own score refused it.
 */
export function movesOf(m: ScoredMove, approved?: boolean): ConsolidationMove[] {
  if (!m.scored) return [];
  const pools = new Map<string, { policy: string; nodes: string[] }>();
  for (const c of m.scored.candidates) {
    const pool = c.nodePoolName ?? "";
    const entry = pools.get(pool) ?? { policy: c.nodePool.spec.disruption.consolidationPolicy, nodes: [] };
    entry.nodes.push(c.name);
    pools.set(pool, entry);
  }
  const kind = m.scored.candidates.length === 1 ? "single" : "multi";
  return [...pools].map(([nodePool, { policy, nodes }]) => {
    const s = m.scores.get(nodePool);
    const verdict = (ok: boolean): ConsolidationMove["decision"] => (ok ? "approved" : "rejected");
    const score = s ? { value: s.score, decision: verdict(s.approved), threshold: s.threshold, k: BalancedK, savingsFraction: s.savingsFraction, disruptionFraction: s.disruptionFraction } : undefined;
    return { decision: verdict(approved ?? s?.approved ?? true), nodePool, policy, kind, nodes, ...(score ? { score } : {}) };
  });
}

export function computeConsolidation(ctx: ConsolidationContext, cands: Candidate[], method: Method): ConsolidationOutcome {
  return scoreBalanced(ctx, consolidate(ctx, cands, method));
}

/** The move found for these candidates, with how Balanced scoring took it. */
export function computeScoredConsolidation(ctx: ConsolidationContext, cands: Candidate[], method: Method): ScoredMove {
  return scoredMove(ctx, consolidate(ctx, cands, method));
}

function consolidate(ctx: ConsolidationContext, cands: Candidate[], method: Method): ConsolidationOutcome {
  const { sim } = ctx;
  const price = cands.reduce((s, c) => s + c.price, 0);
  const fractions = cands.map((c) => minSavings(c.nodePool).fraction);
  const cap = priceCap(price, fractions);
  const thresholdNote = cap < price ? ` (${Math.round((1 - cap / price) * 100)}% less than ${dollars(price)}, tenon.sh/consolidation-min-savings)` : "";

  let deleteFailure: SimulationResult | undefined;
  const mightFit = sim.mightFitElsewhere(cands);
  if (mightFit) {
    const r = sim.simulate(cands, { kind: "none" });
    if (r.ok) return { command: makeCommand(method, cands, []) };
    deleteFailure = r;
  }
  const floor = sim.replacementFloor(cands);
  if (!sim.cheaperTypeCouldHold(cap, floor)) {
    if (deleteFailure && deleteFailure.failures.some((f) => f.kind === "UninitializedTarget")) return { rejection: failureRejection(deleteFailure.failures) };
    const room = mightFit ? "" : `the other nodes lack ${describeRoom(floor)} of room for the pods, and `;
    if (cap < price && sim.cheaperTypeCouldHold(price, floor)) {
      return { rejection: { kind: "BelowMinSavings", message: `${room}no replacement would cost under ${dollars(cap)}${thresholdNote}` } };
    }
    return { rejection: { kind: "NotCheaper", message: `Can't replace with a cheaper node: ${room}no instance type cheaper than ${dollars(price)} holds ${describeRoom(floor)}` } };
  }

  const r = sim.simulate(cands, { kind: "cheaperThan", price: cap });
  if (!r.ok) {
    // Pods that only a dearer type would fit: not a cheaper replacement.
    const onlyRoom = r.failures.every((f) => f.kind === "PodsDoNotFit" && f.poolConstraints.length > 0 && f.poolConstraints.every((c) => c === "resources" || c === "limits" || c === "offering"));
    if (onlyRoom) return { rejection: { kind: cap < price ? "BelowMinSavings" : "NotCheaper", message: `Can't replace with a cheaper node: no instance type under ${dollars(cap)}${thresholdNote} fits pod ${podName(r.failures[0]!.pod)}`, pods: r.failures.map((f) => podName(f.pod)) } };
    return { rejection: failureRejection(r.failures) };
  }
  if (r.newClaims.length === 0) return { command: makeCommand(method, cands, []) };
  if (r.newClaims.length > 1) return { rejection: { kind: "MultipleReplacements", message: `Can't remove without creating ${r.newClaims.length} candidates` } };

  const claim = r.newClaims[0]!;
  const reqs = Requirements.fromSpecs(claim.requirements as RequirementSpec[]);
  const allSpot = cands.every((c) => c.capacityType === CapacityTypeSpot);
  const claimCT = reqs.get(CapacityTypeLabel);
  const claimHasSpot = claimCT ? claimCT.has(CapacityTypeSpot) : claim.capacityTypes.includes(CapacityTypeSpot);

  if (allSpot && claimHasSpot) {
    if (!ctx.spotToSpot) return { rejection: { kind: "SpotToSpotDisabled", message: "SpotToSpotConsolidation is disabled, can't replace a spot node with a spot node" } };
    const spotReqs = reqs.clone().add(Requirement.create(CapacityTypeLabel, "In", [CapacityTypeSpot]));
    let options = optionsUnder(claim.instanceTypes, spotReqs, cap);
    if (options.length === 0) return { rejection: { kind: cap < price ? "BelowMinSavings" : "NotCheaper", message: `Can't replace with a cheaper node${thresholdNote}` } };
    const mv = minValuesCheck(spotReqs, options);
    if (mv.error) return { rejection: { kind: "MinValues", message: `Filtering by price: ${mv.error}` } };
    if (cands.length === 1) {
      if (options.length < MinInstanceTypesForSpotToSpot) {
        return {
          rejection: {
            kind: "SpotToSpotTooFewTypes",
            message: `SpotToSpotConsolidation requires ${MinInstanceTypesForSpotToSpot} cheaper instance type options than the current candidate to consolidate, got ${options.length}`,
          },
        };
      }
      // Launch among the 15 cheapest only, so the node that comes up is not itself replaceable at once.
      options = options.slice(0, Math.max(MinInstanceTypesForSpotToSpot, mv.needed));
    }
    return { command: makeCommand(method, cands, [narrowClaim(claim, options, true)]) };
  }

  const options = optionsUnder(claim.instanceTypes, reqs, cap);
  if (options.length === 0) return { rejection: { kind: cap < price ? "BelowMinSavings" : "NotCheaper", message: `Can't replace with a cheaper node${thresholdNote}` } };
  const mv = minValuesCheck(reqs, options);
  if (mv.error) return { rejection: { kind: "MinValues", message: `Filtering by price: ${mv.error}` } };
  // Priced as spot when the claim may be either: pin it to spot so a spot shortage cannot bring up
  // a dearer on-demand node instead.
  const spotOnly = claimCT !== undefined && claimCT.has(CapacityTypeSpot) && claimCT.has(CapacityTypeOnDemand);
  return { command: makeCommand(method, cands, [narrowClaim(claim, options, spotOnly)]) };
}

/**
 * Karpenter's filterOutSameType for multi-node consolidation: when a replacement option is a type
 * being removed, only options cheaper than the cheapest such candidate are worth it (else keep
 * that node and just delete the others).
 */
export function filterOutSameType(replacement: Replacement, cands: readonly Candidate[]): Replacement | undefined {
  const priceOf = new Map<string, number>();
  for (const c of cands) priceOf.set(c.instanceType.name, Math.min(priceOf.get(c.instanceType.name) ?? Infinity, c.price));
  let max = Infinity;
  for (const it of replacement.planned.instanceTypes) {
    const p = priceOf.get(it.name);
    if (p !== undefined) max = Math.min(max, p);
  }
  if (max === Infinity) return replacement;
  const reqs = Requirements.fromSpecs(replacement.planned.requirements as RequirementSpec[]);
  const options = optionsUnder(replacement.planned.instanceTypes, reqs, max);
  if (options.length === 0 || minValuesCheck(reqs, options).error) return undefined;
  return narrowClaim(replacement.planned, options, false);
}

