// Properties of the plan as a whole: purity, determinism, the lower bound, explanations' shape.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, catalog, daemonSet, existingNode, input, nodePool, pod, pods, solveChecked } from "../../kit/scheduling.js";
import { solve } from "../../../src/scheduling/solver.js";

const anti = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "one" } } }] } };

const scenarios: Scenario[] = [
  {
    name: "pods that each need their own node raise the lower bound to that many nodes",
    input: () => input({ pods: pods(5, "one", { cpu: "100m", labels: { app: "one" }, affinity: anti }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 5);
      assert.ok(Math.abs(r.lowerBoundPricePerHour - 5 * 0.085) < 1e-6, `bound ${r.lowerBoundPricePerHour}`);
    },
  },
  {
    name: "pods sharing a host port also each need their own node in the bound",
    input: () => input({ pods: pods(4, "p", { cpu: "100m", hostPorts: [{ port: 443 }] }) }),
    expect: (r) => assert.ok(Math.abs(r.lowerBoundPricePerHour - 4 * 0.085) < 1e-6),
  },
  {
    name: "free room on existing nodes lowers the bound",
    input: () => input({ pods: pods(4, "p", { cpu: "1" }), nodes: [existingNode("n1", { cpu: 4 })] }),
    expect: (r) => {
      assert.equal(r.totalPricePerHour, 0);
      assert.equal(r.lowerBoundPricePerHour, 0);
      assert.equal(r.costRatio, 1);
    },
  },
  {
    name: "a mixed workload lands within a few percent of the bound",
    input: () =>
      input({
        pods: [...pods(40, "a", { cpu: "1", memory: "2Gi" }), ...pods(40, "b", { cpu: "250m", memory: "3Gi" }), ...pods(20, "c", { cpu: "2", memory: "1Gi" })],
        types: catalog({ capacityTypes: ["spot", "on-demand"] }),
      }),
    expect: (r) => assert.ok(r.costRatio < 1.15, `ratio ${r.costRatio}`),
  },
  {
    name: "daemonsets that surely run reduce the bound's capacity; the bound stays below the price",
    input: () => input({ pods: pods(20, "p", { cpu: "900m" }), daemonSets: [daemonSet("agent", { cpu: "100m" }), daemonSet("zonal", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "zone-a" } })] }),
    expect: (r) => assert.ok(r.lowerBoundPricePerHour <= r.totalPricePerHour),
  },
  {
    name: "several NodePools: the bound uses the cheapest types any of them offers",
    input: () => input({ pods: pods(10, "p", { cpu: "1" }), pools: [nodePool("dear", { weight: 10 }), nodePool("cheap")], types: { dear: catalog({ price: 1 }), cheap: catalog() } }),
    expect: (r) => {
      assert.ok(r.nodeClaims.every((c) => c.nodePool === "dear"));
      assert.ok(r.costRatio > 1.5);
    },
  },
  {
    name: "every unschedulable pod has reasons and a message",
    input: () => input({ pods: [pod("a", { cpu: "1000" }), pod("b", { cpu: "1", nodeSelector: { nope: "x" } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 2);
      for (const u of r.unschedulable) {
        assert.ok(u.reasons.length > 0);
        assert.ok(u.reasons.every((x) => x.detail.length > 0));
        assert.ok(u.message.startsWith('nodepool "default": '));
      }
    },
  },
];

describe("scenarios: the plan", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));

  test("solving does not modify the input", () => {
    const inp = input({ pods: [...pods(3, "w", { cpu: "1", labels: { app: "w" }, affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "x", operator: "In", values: ["y"] }] } }] } } })], nodes: [existingNode("n1", { cpu: 1 })] });
    const before = JSON.stringify(inp, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));
    solve(inp);
    assert.equal(JSON.stringify(inp, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v)), before);
  });

  test("the same input gives the same plan", () => {
    const make = () => input({ pods: [...pods(30, "a", { cpu: "700m", memory: "1Gi" }), ...pods(10, "b", { cpu: "1", labels: { app: "b" }, spread: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "b" } } }] })] });
    const summary = (r: ReturnType<typeof solve>) => r.nodeClaims.map((c) => [c.hostname, c.instanceTypes[0]!.name, c.zones, c.pods.map((p) => p.metadata!.name)]);
    assert.deepEqual(summary(solve(make())), summary(solve(make())));
  });
});
