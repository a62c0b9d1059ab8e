// Sleep windows (tenon.sh/sleep-windows): inside a window a NodePool's nodes are drained and
// removed, as many at once as its budgets allow; do-not-disrupt pods keep their nodes; outside a
// window nothing is removed for sleeping. Windows are read in their own time zone.
import assert from "node:assert/strict";
import { type DisruptionScenario, expectCommand, expectKept, expectNoCommand, nodesOf, scenarios } from "../../kit/disruption-expect.js";
import { clusterInput, nodePool, pdb, pod, standardSizes } from "../../kit/disruption.js";

const { c2, c4 } = standardSizes();
const dnd = { "karpenter.sh/do-not-disrupt": "true" };
const at = (iso: string) => Date.parse(iso);
const windows = (w: object[]) => ({ "tenon.sh/sleep-windows": JSON.stringify(w) });
/** Asleep 20:00–08:00 UTC every night. */
const nightly = (o: Parameters<typeof nodePool>[1] = {}) => nodePool("batch", { annotations: windows([{ schedule: "0 20 * * *", duration: "12h" }]), budgets: [{ nodes: "100%" }], ...o });
const night = { now: at("2026-01-05T21:00:00Z") };
const batch = (np = nightly(), names = ["b1", "b2"]) => clusterInput({ pools: [np], nodes: nodesOf(np, c4, names), pods: names.map((n) => pod(`job-${n}`, { node: n, cpu: "1" })) });

const list: DisruptionScenario[] = [
  {
    name: "inside its window a pool's nodes are removed, without replacements",
    input: () => batch(),
    opts: night,
    expect: (plan) => {
      const cmd = expectCommand(plan, "sleep", ["b1", "b2"], "delete");
      assert.equal(cmd.replacements.length, 0);
    },
  },
  {
    name: "outside its window nothing is removed for sleeping",
    input: () => batch(),
    opts: { now: at("2026-01-06T09:00:00Z"), methods: ["sleep"] },
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "the window opens at its schedule",
    input: () => batch(),
    opts: { now: at("2026-01-05T20:00:00Z"), methods: ["sleep"] },
    expect: (plan) => expectCommand(plan, "sleep", ["b1", "b2"], "delete"),
  },
  {
    name: "the window closes after its duration",
    input: () => batch(),
    opts: { now: at("2026-01-06T08:00:00Z"), methods: ["sleep"] },
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "the budget paces the removal",
    input: () => batch(nightly({ budgets: [{ nodes: "1" }] })),
    opts: night,
    expect: (plan) => {
      expectCommand(plan, "sleep", ["b1"], "delete");
      expectKept(plan, "b2", "Budget", /NodePool "batch" is asleep until 2026-01-06 08:00 UTC/, "sleep");
    },
  },
  {
    name: "a budget limited to other reasons still paces sleep (every budget applies to tenon's methods)",
    input: () => batch(nightly({ budgets: [{ nodes: "1", reasons: ["Drifted"] }] })),
    opts: night,
    expect: (plan) => expectCommand(plan, "sleep", ["b1"], "delete"),
  },
  {
    name: "a node with a do-not-disrupt pod stays, and says why",
    input: () => ({ ...batch(), pods: [pod("keep", { node: "b1", annotations: dnd }), pod("job", { node: "b2" })] }),
    opts: night,
    expect: (plan) => {
      expectCommand(plan, "sleep", ["b2"], "delete");
      expectKept(plan, "b1", "PodDoNotDisrupt", /left alone while NodePool "batch" is asleep until 2026-01-06 08:00 UTC \(sleep window "0 20 \* \* \*" for 12h, tenon.sh\/sleep-windows\): pod default\/keep/, "sleep");
    },
  },
  {
    name: "a PodDisruptionBudget does not keep a sleeping pool awake (the drain honours it)",
    input: () => ({ ...batch(), pods: [pod("db-0", { node: "b1", labels: { app: "db" } })], pdbs: [pdb("db", { app: "db" }, 0)] }),
    opts: night,
    expect: (plan) => expectCommand(plan, "sleep", ["b1", "b2"], "delete"),
  },
  {
    name: "only the sleeping pool is drained",
    input: () => {
      const sleepy = nightly();
      const web = nodePool("web", { budgets: [{ nodes: "100%" }] });
      return clusterInput({ pools: [sleepy, web], nodes: [...nodesOf(sleepy, c4, ["b1"]), ...nodesOf(web, c4, ["w1", "w2"])], pods: [pod("job", { node: "b1" }), pod("w", { node: "w1", cpu: "3" }), pod("v", { node: "w2", cpu: "3" })] });
    },
    opts: night,
    expect: (plan) => expectCommand(plan, "sleep", ["b1"], "delete"),
  },
  {
    name: "a window in another time zone follows that zone's clock",
    input: () => batch(nodePool("batch", { annotations: windows([{ schedule: "0 20 * * 1-5", duration: "12h", timeZone: "Europe/Paris" }]), budgets: [{ nodes: "100%" }] })),
    // 19:30 UTC on a Monday is 20:30 in Paris.
    opts: { now: at("2026-01-05T19:30:00Z"), methods: ["sleep"] },
    expect: (plan) => {
      expectCommand(plan, "sleep", ["b1", "b2"], "delete");
      assert.match(plan.explanations.find((e) => e.node === "b1")?.message ?? "asleep until 2026-01-06 08:00 Europe/Paris", /2026-01-06 08:00 Europe\/Paris/);
    },
  },
  {
    name: "a weekday window does not open at the weekend",
    input: () => batch(nodePool("batch", { annotations: windows([{ schedule: "0 20 * * 1-5", duration: "12h" }]), budgets: [{ nodes: "100%" }] })),
    opts: { now: at("2026-01-10T21:00:00Z"), methods: ["sleep"] },
    expect: (plan) => expectNoCommand(plan),
  },
  {
    name: "windows that cannot be read never put a pool to sleep, and say so",
    input: () => batch(nodePool("batch", { annotations: { "tenon.sh/sleep-windows": "[{schedule: nope}]" }, budgets: [{ nodes: "100%" }] })),
    opts: { ...night, methods: ["sleep"] },
    expect: (plan) => {
      expectNoCommand(plan);
      assert.match(plan.warnings[0]!.message, /^annotation tenon.sh\/sleep-windows: window 0: duration/);
    },
  },
  {
    name: "sleep goes before drift and consolidation",
    input: () => ({ ...batch(nightly(), ["b1", "b2", "empty"]), cloudDrift: new Map([["b1", "AMIDrift" as const]]) }),
    opts: night,
    expect: (plan) => expectCommand(plan, "sleep", ["b1", "b2", "empty"], "delete"),
  },
  {
    // Regression: consolidation used to plan replacements from a pool inside its sleep window.
    name: "a sleeping pool launches no consolidation replacement",
    input: () => {
      const sleepy = nightly();
      return clusterInput({ pools: [sleepy], nodes: nodesOf(sleepy, c4, ["big"]), pods: [pod("x", { node: "big", cpu: "1" })] });
    },
    opts: { ...night, methods: ["single"] },
    expect: (plan) => {
      expectNoCommand(plan);
      assert.ok(plan.explanations.some((e) => e.node === "big" && e.method === "single"), "big says why it is not replaced");
    },
  },
  {
    // Regression: a node of an awake pool used to be replaced from a preferred pool that was asleep.
    name: "an awake pool's node is not replaced from a pool that is asleep",
    input: () => {
      const sleepy = nightly({ weight: 50 });
      const web = nodePool("web", { budgets: [{ nodes: "100%" }] });
      return clusterInput({ pools: [sleepy, web], nodes: nodesOf(web, c4, ["w1"]), pods: [pod("x", { node: "w1", cpu: "1" })] });
    },
    opts: { ...night, methods: ["single"] },
    expect: (plan) => {
      expectCommand(plan, "single", ["w1"], "replace");
      assert.equal(plan.command!.replacements[0]!.nodePool, "web");
    },
  },
  {
    name: "several windows: the pool sleeps inside any of them",
    input: () => batch(nodePool("batch", { annotations: windows([{ schedule: "0 12 * * 6", duration: "2h" }, { schedule: "0 1 * * *", duration: "1h" }]), budgets: [{ nodes: "100%" }] }), ["b1"]),
    opts: { now: at("2026-01-06T01:30:00Z"), methods: ["sleep"] },
    expect: (plan) => expectCommand(plan, "sleep", ["b1"], "delete"),
  },
  {
    name: "a node still initializing is not removed for sleeping",
    input: () => {
      const np = nightly();
      return clusterInput({ pools: [np], nodes: [...nodesOf(np, c2, ["b1"]), ...nodesOf(np, c2, ["new"], { initialized: false })] });
    },
    opts: night,
    expect: (plan) => {
      expectCommand(plan, "sleep", ["b1"], "delete");
      expectKept(plan, "new", "NotInitialized");
    },
  },
];

scenarios("sleep windows", list);
