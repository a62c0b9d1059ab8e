import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Unbounded, allowedDisruptions, budgetActive, scaledNodes } from "./budgets.js";
import { windowEnd, windowOpen } from "./cron.js";
import { T0, clusterInput, managedNode, nodePool, standardTypes, planChecked } from "../../test/kit/disruption.js";

const at = (iso: string) => Date.parse(iso);
// 2026-01-05 is a Monday.
const monday10 = at("2026-01-05T10:00:00Z");
const monday18 = at("2026-01-05T18:00:00Z");

describe("disruption budgets", () => {
  it("reads nodes as a count or a percentage of the pool's nodes, rounding a percentage up", () => {
    assert.equal(scaledNodes("3", 10), 3);
    assert.equal(scaledNodes("0", 10), 0);
    assert.equal(scaledNodes("25%", 10), 3, "2.5 rounds up, as Kubernetes rounds maxUnavailable");
    assert.equal(scaledNodes("10%", 3), 1, "0.3 rounds up to 1");
    assert.equal(scaledNodes("10%", 0), 0);
    assert.equal(scaledNodes("100%", 7), 7);
  });

  it("defaults to one budget of 10%", () => {
    const np = nodePool("p");
    assert.deepEqual(np.spec.disruption.budgets, [{ nodes: "10%" }]);
    assert.equal(allowedDisruptions(np, 20, "Underutilized", T0), 2);
  });

  it("applies a budget with reasons only to those reasons", () => {
    const np = nodePool("p", { budgets: [{ nodes: "0", reasons: ["Drifted"] }, { nodes: "5" }] });
    assert.equal(allowedDisruptions(np, 10, "Drifted", T0), 0);
    assert.equal(allowedDisruptions(np, 10, "Empty", T0), 5);
    assert.equal(allowedDisruptions(np, 10, "Underutilized", T0), 5);
    assert.equal(allowedDisruptions(np, 10, undefined, T0), 0, "tenon's own methods honour every active budget");
  });

  it("activates a scheduled budget for its duration after each cron hit, in UTC", () => {
    const b = { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h" };
    assert.equal(budgetActive(b, monday10), true);
    assert.equal(budgetActive(b, at("2026-01-05T09:00:00Z")), true, "active from the hit itself");
    assert.equal(budgetActive(b, at("2026-01-05T17:00:00Z")), false, "inactive once the duration has passed");
    assert.equal(budgetActive(b, monday18), false);
    assert.equal(budgetActive(b, at("2026-01-10T10:00:00Z")), false, "not on Saturday");
    assert.equal(budgetActive({ nodes: "0", schedule: "@daily", duration: "1h30m" }, at("2026-01-05T01:29:00Z")), true);
    const np = nodePool("p", { budgets: [b] });
    assert.equal(allowedDisruptions(np, 10, "Empty", monday10), 0);
    assert.equal(allowedDisruptions(np, 10, "Empty", monday18), Unbounded, "an inactive budget does not limit");
  });

  it("lets the most restrictive active budget win", () => {
    const np = nodePool("p", { budgets: [{ nodes: "50%" }, { nodes: "2" }, { nodes: "0", schedule: "0 9 * * 1-5", duration: "8h" }] });
    assert.equal(allowedDisruptions(np, 10, "Underutilized", monday18), 2);
    assert.equal(allowedDisruptions(np, 10, "Underutilized", monday10), 0);
  });

  it("fails closed on a schedule that cannot be read", () => {
    const np = nodePool("p", { budgets: [{ nodes: "5", schedule: "61 * * * *", duration: "1h" }] });
    assert.equal(allowedDisruptions(np, 10, "Empty", T0), 0);
  });

  it("counts nodes already disrupting against the budget", () => {
    const np = nodePool("p", { budgets: [{ nodes: "2" }] });
    const types = standardTypes();
    const nodes = [0, 1, 2, 3].map((i) => managedNode(`n${i}`, { pool: np, type: types[2]!, deleting: i === 0 }));
    const plan = planChecked(clusterInput({ pools: [np], nodes }), { now: T0 });
    const b = plan.budgets["Empty"]!.find((x) => x.nodePool === "p")!;
    assert.deepEqual({ nodes: b.nodes, disrupting: b.disrupting, allowed: b.allowed, remaining: b.remaining }, { nodes: 4, disrupting: 1, allowed: 2, remaining: 1 });
    assert.equal(plan.command?.method, "emptiness");
    assert.equal(plan.command?.candidates.length, 1, "one more empty node, as the budget leaves room for one");
    assert.ok(plan.explanations.some((e) => e.kind === "Budget" && e.method === "emptiness" && /budget/.test(e.message)));
  });

  it("blocks every disruption of a reason at zero", () => {
    const np = nodePool("p", { budgets: [{ nodes: "0", reasons: ["Empty"] }] });
    const nodes = [managedNode("e", { pool: np, type: standardTypes()[2]! })];
    const plan = planChecked(clusterInput({ pools: [np], nodes }), { now: T0 });
    assert.equal(plan.command, undefined);
    const e = plan.explanations.find((x) => x.node === "e")!;
    assert.equal(e.kind, "Budget");
    assert.match(e.message, /No allowed disruption reason Empty in NodePool "p" due to blocking budget/);
  });
});

describe("cron windows", () => {
  it("is open in (hit, hit + duration] and says when it closes", () => {
    const w = { schedule: "0 20 * * *", durationMs: 12 * 3_600_000 };
    assert.equal(windowOpen(w, at("2026-01-05T19:59:00Z")), false);
    assert.equal(windowOpen(w, at("2026-01-05T20:00:00Z")), true);
    assert.equal(windowOpen(w, at("2026-01-06T07:59:00Z")), true);
    assert.equal(windowOpen(w, at("2026-01-06T08:00:00Z")), false);
    assert.equal(windowEnd(w, at("2026-01-06T01:00:00Z")), at("2026-01-06T08:00:00Z"));
  });

  it("extends a window while later hits keep it open", () => {
    const w = { schedule: "0 10,11 * * *", durationMs: 90 * 60_000 };
    assert.equal(windowOpen(w, at("2026-01-05T10:10:00Z")), true);
    assert.equal(windowEnd(w, at("2026-01-05T10:10:00Z")), at("2026-01-05T12:30:00Z"));
    assert.equal(windowEnd(w, at("2026-01-05T13:00:00Z")), undefined);
  });
});
