// planChecked: runs planDisruption and asserts what any plan must satisfy, checked against facts
// worked out independently of the disruption core (disruption-facts.ts), as solveChecked does for
// the solver.
// Per command: its nodes may be disrupted at all (managed, initialized, not already going, no
// do-not-disrupt annotation, not expiring); no NodePool disruption budget is exceeded for the
// command's reason, counting the nodes already disrupting; graceful methods (emptiness and
// consolidation) take no node with a do-not-disrupt pod or a pod whose eviction a
// PodDisruptionBudget refuses (and, when asked, never evict more of a budget's pods together than
// it allows); drift moves blocking pods only under a terminationGracePeriod; consolidation only
// where the pool allows it (consolidateAfter passed, WhenEmptyOrUnderutilized for nodes with
// pods), saving money (every replacement option cheaper than the nodes it replaces, by
// tenon.sh/consolidation-min-savings when set, spot-to-spot only behind its gate), with at most
// one replacement; emptiness deletes only empty nodes, drift only drifted ones, sleep only inside a
// sleep window, limits only from pools over their limits and no more than needed; every
// replacement comes from a pool that may launch (Ready, not deleting, not asleep, within limits),
// holds the pods it takes, and every other pod that must move has room on a node that stays.
// Per plan: expiry is exactly the claims past expireAfter, the drift states agree with the claims,
// every node left alone says why, the chosen command validates, the input is untouched and the
// same input gives the same plan.
import assert from "node:assert/strict";
import { CapacityTypeLabel } from "../../src/apis/labels.js";
import { planDisruption, validateCommand } from "../../src/disruption/index.js";
import type { Command, DisruptionInput, DisruptionOptions, DisruptionPlan, Method } from "../../src/disruption/types.js";
import { checkReplacements } from "./disruption-room.js";
import {
  type NodeFacts,
  asksNotToBeDisrupted,
  asleep,
  budgetAllows,
  budgetCounts,
  capacity,
  cheapestAllowed,
  consolidatableFrom,
  consumes,
  driftReason,
  evictionRefused,
  expiresAt,
  minSavingsOf,
  mustMove,
  nodeFacts,
  podKey,
} from "./disruption-facts.js";

const eps = 1e-9;
/** Karpenter's budget reason per method; tenon's own methods (sleep, limits) answer to every budget. */
const BudgetReason: Record<Method, string | undefined> = { drift: "Drifted", emptiness: "Empty", multi: "Underutilized", single: "Underutilized", sleep: undefined, limits: undefined };
const graceful = (m: Method): boolean => m === "emptiness" || m === "multi" || m === "single";
const DoNotDisrupt = "karpenter.sh/do-not-disrupt";

export interface CheckOptions {
  /** Also assert that validateCommand accepts the chosen command against the same input (default true). */
  validate?: boolean;
  /**
   * Also assert that a graceful command's pods, evicted together, take no more of a
   * PodDisruptionBudget than its disruptionsAllowed (default false). Karpenter does not promise
   * this: it skips a node only when a budget refuses one of its pods now, and lets the Eviction API
   * space out the evictions of a multi-node command (the drain retries a refused eviction until the
   * budget allows it), so no budget is ever violated; tenon does the same.
   */
  pdbPerCommand?: boolean;
}

/** planDisruption, with every invariant of a plan asserted. */
export function planChecked(input: DisruptionInput, opts: DisruptionOptions, copts: CheckOptions = {}): DisruptionPlan {
  const before = snapshot(input);
  const plan = planDisruption(input, opts);
  assert.equal(snapshot(input), before, "planDisruption leaves its input as it found it");
  if (opts.elapsed === undefined) assert.deepEqual(summary(planDisruption(input, opts)), summary(plan), "the same input gives the same plan");
  checkPlan(input, opts, plan, copts);
  return plan;
}

/** The invariants of a plan made from `input` at `opts.now`. */
export function checkPlan(input: DisruptionInput, opts: DisruptionOptions, plan: DisruptionPlan, copts: CheckOptions = {}): void {
  const facts = nodeFacts(input, opts);
  const now = opts.now;

  // Expiry: exactly the claims past their expireAfter that are not already being deleted.
  const expiredNow = input.nodeClaims.filter((c) => c.metadata.deletionTimestamp == null && (expiresAt(c) ?? Infinity) <= now).map((c) => c.metadata.name ?? "");
  assert.deepEqual(plan.expired.map((e) => e.claim.metadata.name ?? "").sort(), [...expiredNow].sort(), "the claims past their expireAfter expire, and only they");
  const expiring = new Set(expiredNow);

  // Drift states agree with the claims.
  const pools = new Map(input.nodePools.map((p) => [p.metadata.name ?? "", p]));
  for (const d of plan.drift) {
    const claim = input.nodeClaims.find((c) => c.metadata.name === d.claim);
    assert.ok(claim, `drift state for an unknown claim ${d.claim}`);
    const np = pools.get(claim.metadata.labels?.["karpenter.sh/nodepool"] ?? "");
    const want = np ? driftReason(claim, np, input.cloudDrift?.get(d.claim)) : undefined;
    assert.equal(d.reason !== undefined, want !== undefined, `claim ${d.claim}: drifted is ${want ?? "no"}, plan says ${d.reason ?? "no"}`);
  }

  const commands = [...(plan.command ? [plan.command] : []), ...plan.options];
  const seen = new Set<string>();
  for (const cmd of commands) {
    for (const c of cmd.candidates) {
      assert.ok(!seen.has(c.name), `node ${c.name} is in one command at most`);
      seen.add(c.name);
    }
    checkCommand(input, opts, facts, expiring, cmd, copts);
  }

  // Every node that could have been disrupted and was not says why.
  for (const f of facts.values()) {
    if (!f.managed || f.marked || seen.has(f.name) || expiring.has(f.claim?.metadata.name ?? f.name)) continue;
    assert.ok(plan.explanations.some((e) => e.node === f.name), `node ${f.name} was left alone without an explanation`);
  }
  for (const e of plan.explanations) assert.ok(facts.has(e.node) || input.nodeClaims.some((c) => c.metadata.name === e.node), `explanation for an unknown node ${e.node}`);

  if (plan.command && copts.validate !== false) {
    const v = validateCommand(plan.command, input, opts);
    assert.ok(v.valid, `the chosen command validates against the input it came from: ${v.valid ? "" : v.reason}`);
  }
}

function checkCommand(input: DisruptionInput, opts: DisruptionOptions, facts: Map<string, NodeFacts>, expiring: ReadonlySet<string>, cmd: Command, copts: CheckOptions): void {
  const m = cmd.method;
  const what = `${m} command (${cmd.candidates.map((c) => c.name).join(", ")})`;
  assert.ok(cmd.candidates.length > 0, `${what} disrupts something`);
  assert.equal(cmd.decision, cmd.replacements.length > 0 ? "replace" : "delete", `${what}: decision matches its replacements`);
  const cands: NodeFacts[] = [];
  for (const c of cmd.candidates) {
    const f = facts.get(c.name);
    assert.ok(f, `${what}: ${c.name} is a Node of the input`);
    assert.ok(f.managed && f.pool, `${what}: ${c.name} is managed by a NodePool of the input`);
    assert.ok(f.initialized, `${what}: ${c.name} is initialized`);
    assert.ok(!f.marked, `${what}: ${c.name} is not already being disrupted`);
    assert.ok(!expiring.has(f.claim?.metadata.name ?? f.name), `${what}: ${c.name} expires this pass, it is not disrupted twice`);
    assert.notEqual(f.node.metadata?.annotations?.[DoNotDisrupt], "true", `${what}: node ${c.name} says do-not-disrupt`);
    assert.notEqual(f.claim?.metadata.annotations?.[DoNotDisrupt], "true", `${what}: claim of ${c.name} says do-not-disrupt`);
    cands.push(f);
  }
  checkBudgets(facts, expiring, cmd, cands, opts.now, what);
  checkPods(input, cmd, cands, opts.now, what, copts.pdbPerCommand === true);
  const price = cands.reduce((s, f) => s + (f.price ?? NaN), 0);
  assert.ok(Math.abs(cmd.pricePerHour - price) < eps, `${what}: priced at ${cmd.pricePerHour}, its nodes cost ${price}`);
  const now = opts.now;

  switch (m) {
    case "emptiness":
      for (const f of cands) {
        assert.deepEqual(f.pods.filter(mustMove).map(podKey), [], `${what}: ${f.name} is empty`);
        assert.equal(f.pool!.spec.replicas, undefined, `${what}: ${f.name} is in a static pool, which is never consolidated`);
        checkConsolidatable(f, now, what);
      }
      break;
    case "multi":
    case "single": {
      for (const f of cands) {
        checkConsolidatable(f, now, what);
        if (f.pods.some(mustMove)) assert.notEqual(f.pool!.spec.disruption.consolidationPolicy, "WhenEmpty", `${what}: ${f.name} has pods and its pool consolidates only empty nodes`);
        assert.equal(f.pool!.spec.replicas, undefined, `${what}: ${f.name} is in a static pool, which is never consolidated`);
      }
      assert.ok(cmd.replacements.length <= 1, `${what}: consolidation launches one replacement at most`);
      if (m === "single") assert.equal(cands.length, 1, `${what}: single-node consolidation takes one node`);
      checkSavings(opts, cmd, cands, price, what);
      break;
    }
    case "drift":
      for (const f of cands) assert.ok(driftReason(f.claim!, f.pool!, input.cloudDrift?.get(f.claim!.metadata.name ?? "")), `${what}: ${f.name} has drifted`);
      if (cands.some((f) => f.pods.some(mustMove))) assert.equal(cands.length, 1, `${what}: drifted nodes with pods are replaced one at a time`);
      break;
    case "sleep":
      assert.equal(cmd.replacements.length, 0, `${what}: a sleeping pool launches nothing`);
      for (const f of cands) assert.ok(asleep(f.pool!, now), `${what}: ${f.poolName} is inside a sleep window`);
      break;
    case "limits":
      assert.equal(cmd.replacements.length, 0, `${what}: removing nodes over the limits launches nothing`);
      checkLimits(facts, cmd, what);
      break;
  }
  // Sleep and limits remove nodes whatever becomes of their pods (other pools take them, or they
  // wait for the window to close); drift and consolidation must find every pod a place.
  if (m !== "sleep" && m !== "limits") checkReplacements(input, opts, facts, expiring, cmd, cands, what);
}

function checkBudgets(facts: Map<string, NodeFacts>, expiring: ReadonlySet<string>, cmd: Command, cands: NodeFacts[], now: number, what: string): void {
  const perPool = new Map<string, number>();
  for (const f of cands) perPool.set(f.poolName!, (perPool.get(f.poolName!) ?? 0) + 1);
  for (const [pool, n] of perPool) {
    const np = cands.find((f) => f.poolName === pool)!.pool!;
    const { nodes, disrupting } = budgetCounts(facts, pool, expiring);
    const allowed = budgetAllows(np, nodes, BudgetReason[cmd.method], now);
    const left = Math.max(0, allowed - disrupting);
    assert.ok(n <= left, `${what}: NodePool ${pool} budget for ${BudgetReason[cmd.method] ?? "every reason"} allows ${allowed} of ${nodes} nodes, ${disrupting} already disrupting, so ${left} more, not ${n}`);
  }
}

/** Blocking pods: graceful methods never move them; drift only with a terminationGracePeriod; sleep and limits never move do-not-disrupt pods. */
function checkPods(input: DisruptionInput, cmd: Command, cands: NodeFacts[], now: number, what: string, perCommand: boolean): void {
  const pdbs = input.pdbs ?? [];
  for (const f of cands) {
    const dnd = f.pods.filter((p) => asksNotToBeDisrupted(p, now)).map(podKey);
    const refused = f.pods.map((p) => evictionRefused(p, pdbs)).filter((x): x is string => x !== undefined);
    if (graceful(cmd.method)) {
      assert.deepEqual(dnd, [], `${what}: ${f.name} runs do-not-disrupt pods`);
      assert.deepEqual(refused, [], `${what}: ${f.name} runs pods a PodDisruptionBudget keeps`);
    } else if (cmd.method === "drift") {
      if (dnd.length > 0 || refused.length > 0) assert.ok(f.claim?.spec.terminationGracePeriod, `${what}: ${f.name} has blocking pods (${[...dnd, ...refused].join("; ")}) and no terminationGracePeriod`);
    } else assert.deepEqual(dnd, [], `${what}: ${f.name} runs do-not-disrupt pods`);
  }
  if (!graceful(cmd.method) || !perCommand) return;
  // Evicted together, the command's pods never take more of a budget than it allows.
  for (const b of pdbs) {
    const taken = cands.flatMap((f) => f.pods.filter((p) => consumes(p, b, pdbs)));
    const allowed = b.status?.disruptionsAllowed ?? 0;
    assert.ok(taken.length <= allowed, `${what}: evicts ${taken.length} pods of PodDisruptionBudget ${b.metadata?.name} (${taken.map(podKey).join(", ")}), which allows ${allowed}`);
  }
}

function checkConsolidatable(f: NodeFacts, now: number, what: string): void {
  const at = consolidatableFrom(f);
  assert.ok(at !== undefined, `${what}: ${f.name}'s pool has consolidation off (consolidateAfter Never)`);
  assert.ok(now >= at, `${what}: ${f.name} is consolidated before consolidateAfter passed (at ${new Date(at).toISOString()})`);
}

function checkSavings(opts: DisruptionOptions, cmd: Command, cands: NodeFacts[], price: number, what: string): void {
  assert.ok(cmd.savingsPerHour > 0, `${what}: saves money (${cmd.savingsPerHour})`);
  if (cmd.replacements.length === 0) return;
  const cap = price * (1 - Math.max(...cands.map((f) => minSavingsOf(f.pool!))));
  const r = cmd.replacements[0]!;
  let cheapest = Infinity;
  for (const it of r.planned.instanceTypes) {
    const p = cheapestAllowed(it, r.planned.requirements);
    if (p === undefined) continue;
    cheapest = Math.min(cheapest, p);
    assert.ok(p < price, `${what}: option ${it.name} at ${p} is not cheaper than the ${price} it replaces`);
    assert.ok(p <= cap + eps, `${what}: option ${it.name} at ${p} saves less than the minimum (${cap})`);
  }
  assert.ok(cheapest < Infinity, `${what}: the replacement has an option it can launch`);
  assert.ok(Math.abs(r.pricePerHour - cheapest) < eps, `${what}: replacement priced ${r.pricePerHour}, its cheapest option costs ${cheapest}`);
  assert.ok(Math.abs(cmd.savingsPerHour - (price - cheapest)) < eps, `${what}: savings ${cmd.savingsPerHour} = ${price} − ${cheapest}`);
  const allSpot = cands.every((f) => f.labels[CapacityTypeLabel] === "spot");
  const spotReplacement = r.planned.capacityTypes.includes("spot");
  if (allSpot && spotReplacement) {
    assert.ok(opts.spotToSpotConsolidation === true, `${what}: spot replaced by spot without the SpotToSpotConsolidation gate`);
    if (cands.length === 1) assert.ok(r.planned.instanceTypes.length >= 15, `${what}: spot-to-spot needs 15 cheaper options, has ${r.planned.instanceTypes.length}`);
  }
}

function checkLimits(facts: Map<string, NodeFacts>, cmd: Command, what: string): void {
  const byPool = new Map<string, string[]>();
  for (const c of cmd.candidates) byPool.set(c.nodePoolName!, [...(byPool.get(c.nodePoolName!) ?? []), c.name]);
  for (const [pool, names] of byPool) {
    const np = facts.get(names[0]!)!.pool!;
    assert.ok(np.spec.limits, `${what}: NodePool ${pool} has no limits`);
    const limits = capacity(np.spec.limits as Record<string, string>);
    const usage: Record<string, number> = { nodes: 0 };
    const add = (list: Record<string, number>, sign: number) => {
      usage["nodes"]! += sign;
      for (const [k, v] of Object.entries(list)) usage[k] = (usage[k] ?? 0) + sign * v;
    };
    for (const f of facts.values()) if (f.managed && !f.marked && f.poolName === pool) add(capacity(f.node.status?.capacity), 1);
    const over = () => Object.entries(limits).some(([k, v]) => (usage[k] ?? 0) > v);
    assert.ok(over(), `${what}: NodePool ${pool} is within its limits`);
    // No more than needed: without the last node it took, the pool would still be over.
    for (const n of names.slice(0, -1)) add(capacity(facts.get(n)!.node.status?.capacity), -1);
    assert.ok(over(), `${what}: NodePool ${pool} was already within its limits before its last node ${names[names.length - 1]}`);
  }
}


function snapshot(input: DisruptionInput): string {
  return JSON.stringify([input.nodePools, input.nodeClaims, input.nodes, input.pods, input.pdbs ?? [], input.daemonSets ?? [], [...(input.inProgress ?? [])], [...(input.cloudDrift ?? new Map())]]);
}

function summary(plan: DisruptionPlan): unknown {
  const cmd = (c: Command) => ({ m: c.method, d: c.decision, c: c.candidates.map((x) => x.name), r: c.replacements.map((r) => [r.nodePool, r.pricePerHour, r.planned.instanceTypes.map((t) => t.name), r.planned.pods.map(podKey)]), s: c.savingsPerHour });
  return {
    command: plan.command ? cmd(plan.command) : null,
    options: plan.options.map(cmd),
    expired: plan.expired.map((e) => e.claim.metadata.name),
    drift: plan.drift,
    consolidatable: plan.consolidatable,
    explanations: plan.explanations,
    warnings: plan.warnings,
  };
}
