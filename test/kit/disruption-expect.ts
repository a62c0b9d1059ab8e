// Disruption scenario tables and the expectations they read as: which nodes go, by which method
// and decision, which replacements launch, and what a node that stays is told. Every scenario runs
// through planChecked at an injected time (T0 unless it says otherwise).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { NodePool } from "../../src/apis/nodepool.js";
import type { InstanceType } from "../../src/cloudprovider/types.js";
import type { Command, DisruptionInput, DisruptionOptions, DisruptionPlan, Explanation, ExplanationKind, Method } from "../../src/disruption/types.js";
import { type CheckOptions, planChecked } from "./disruption-check.js";
import { type NodeOptions, T0, managedNode } from "./disruption.js";

export interface DisruptionScenario {
  name: string;
  input: () => DisruptionInput;
  /** Options of the pass; `now` is T0 unless given. */
  opts?: Partial<DisruptionOptions>;
  check?: CheckOptions;
  expect: (plan: DisruptionPlan) => void;
}

/** One `describe` with a test per scenario, each planned through planChecked. */
export function scenarios(title: string, list: readonly DisruptionScenario[]): void {
  describe(title, () => {
    for (const s of list) test(s.name, () => s.expect(planChecked(s.input(), { now: T0, ...s.opts }, s.check)));
  });
}

/** Managed nodes of one pool and type, one per name. */
export function nodesOf(pool: NodePool, type: InstanceType, names: readonly string[], o: Omit<NodeOptions, "pool" | "type"> = {}): ReturnType<typeof managedNode>[] {
  return names.map((n) => managedNode(n, { ...o, pool, type }));
}

/** Names of the nodes the chosen command disrupts, sorted. */
export const disrupted = (plan: DisruptionPlan): string[] => (plan.command?.candidates.map((c) => c.name) ?? []).sort();

/** The chosen command is `method` (and `decision`), taking exactly `nodes`. */
export function expectCommand(plan: DisruptionPlan, method: Method, nodes: readonly string[], decision?: Command["decision"]): Command {
  assert.ok(plan.command, `expected a ${method} command for ${nodes.join(", ")}, got none (${plan.explanations.map((e) => `${e.node}: ${e.kind} ${e.message}`).join("; ")})`);
  assert.equal(plan.command.method, method, `method of the command (${plan.command.candidates.map((c) => c.name).join(", ")})`);
  assert.deepEqual(disrupted(plan), [...nodes].sort(), "the nodes disrupted");
  if (decision) assert.equal(plan.command.decision, decision, "decision");
  return plan.command;
}

/** No command this pass. */
export function expectNoCommand(plan: DisruptionPlan): void {
  assert.equal(plan.command, undefined, `expected no command, got ${plan.command?.method} of ${plan.command?.candidates.map((c) => c.name).join(", ")}`);
}

/** The explanations a node got (NotEvaluated aside), optionally for one method. */
export function explanationsOf(plan: DisruptionPlan, node: string, method?: Method): Explanation[] {
  return plan.explanations.filter((e) => e.node === node && e.kind !== "NotEvaluated" && (method === undefined || e.method === method));
}

/** The node stays, told `kind` (by `method`, if given), with a message matching `message`. */
export function expectKept(plan: DisruptionPlan, node: string, kind: ExplanationKind, message?: RegExp, method?: Method): Explanation {
  assert.ok(!disrupted(plan).includes(node), `${node} is disrupted`);
  const all = plan.explanations.filter((e) => e.node === node && (method === undefined || e.method === method));
  const e = all.find((x) => x.kind === kind);
  assert.ok(e, `${node}: expected a ${kind} explanation, got ${all.map((x) => `${x.kind} (${x.method ?? "-"}): ${x.message}`).join("; ") || "none"}`);
  if (message) assert.match(e.message, message);
  return e;
}

/** The instance types the one replacement may launch, cheapest first. */
export function replacementTypes(plan: DisruptionPlan): string[] {
  const r = plan.command?.replacements ?? [];
  assert.equal(r.length, 1, `expected one replacement, got ${r.length}`);
  return r[0]!.planned.instanceTypes.map((t) => t.name);
}

export const near = (a: number, b: number, what = "value"): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);
