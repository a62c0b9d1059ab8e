// NodePool order, limits, offerings, prices, capacity types, the claim's type list.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, catalog, claimLabel, input, instanceType, nodePool, pod, pods, solveChecked } from "../../kit/scheduling.js";

const scenarios: Scenario[] = [
  {
    name: "the higher-weight NodePool is used first, even when dearer",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("cheap"), nodePool("preferred", { weight: 50 })], types: { cheap: catalog(), preferred: catalog({ price: 5 }) } }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "preferred"),
  },
  {
    name: "equal weights go by name",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("b"), nodePool("a")] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "a"),
  },
  {
    name: "a pod the first NodePool cannot take goes to the next",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", nodeSelector: { "kubernetes.io/arch": "arm64" } })],
        pools: [nodePool("x86", { weight: 10 }), nodePool("arm")],
        types: { x86: catalog(), arm: [instanceType("m6g.large", { cpu: 2, memGi: 8, arch: "arm64" })] },
      }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "arm"),
  },
  {
    name: "explanations name every NodePool's reason",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "us-east-1z" } })],
        pools: [nodePool("spot", { weight: 10 }), nodePool("gpu", { taints: [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }] })],
      }),
    expect: (r) =>
      assert.equal(r.unschedulable[0]!.message, 'nodepool "spot": topology.kubernetes.io/zone In [us-east-1z] matches no available offering; nodepool "gpu": taint nvidia.com/gpu=true:NoSchedule not tolerated'),
  },
  {
    name: "a cpu limit caps what the NodePool launches",
    input: () => input({ pods: pods(4, "p", { cpu: "3" }), pools: [nodePool("default", { limits: { cpu: "8" } })] }),
    expect: (r) => {
      const cpu = r.nodeClaims.reduce((s, c) => s + Math.max(...c.instanceTypes.map((t) => t.capacity.cpu!)), 0);
      assert.ok(cpu <= 8000, `launched up to ${cpu}m`);
      assert.ok(r.unschedulable.length >= 1);
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "limits");
      assert.match(r.unschedulable[0]!.message, /cpu limit 8 cpu/);
    },
  },
  {
    name: "limits count what the NodePool already runs",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { limits: { cpu: "10" } })], usage: { default: { cpu: 9000 } } }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "limits leave room for types that still fit",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { limits: { cpu: "10" } })], usage: { default: { cpu: 7000 } } }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 1);
      assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.capacity.cpu! <= 3000));
    },
  },
  {
    name: "a nodes limit caps the number of claims",
    input: () => input({ pods: pods(3, "p", { cpu: "100m", hostPorts: [{ port: 80 }] }), pools: [nodePool("default", { limits: { nodes: 2 } })] }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 2);
      assert.match(r.unschedulable[0]!.message, /nodes limit 2 \(0 left\)/);
    },
  },
  {
    name: "a memory limit",
    input: () => input({ pods: pods(2, "p", { cpu: "1", memory: "10Gi" }), pools: [nodePool("default", { limits: { memory: "20Gi" } })] }),
    expect: (r) => {
      const mem = r.nodeClaims.reduce((s, c) => s + Math.max(...c.instanceTypes.map((t) => t.capacity.memory!)), 0);
      assert.ok(mem <= 20 * 2 ** 30);
    },
  },
  {
    name: "when a NodePool hits its limit, the next NodePool takes over",
    input: () => input({ pods: pods(3, "p", { cpu: "3" }), pools: [nodePool("small", { weight: 10, limits: { cpu: "4" } }), nodePool("big")] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.ok(r.nodeClaims.some((c) => c.nodePool === "big"));
    },
  },
  {
    name: "a NodePool without instance types is skipped and explained",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("empty", { weight: 10 }), nodePool("default")], types: { empty: [], default: catalog() } }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "a NodePool without a capacity-type requirement buys on-demand, as Karpenter defaults",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default")], types: catalog({ capacityTypes: ["spot", "on-demand"] }) }),
    expect: (r) => {
      assert.deepEqual(r.nodeClaims[0]!.capacityTypes, ["on-demand"]);
      assert.ok(r.nodeClaims[0]!.requirements.some((q) => q.key === "karpenter.sh/capacity-type" && q.operator === "In" && q.values?.join() === "on-demand"));
    },
  },
  {
    name: "spot is used when allowed and cheaper",
    input: () => input({ pods: [pod("a", { cpu: "1" })], types: catalog({ capacityTypes: ["spot", "on-demand"] }) }),
    expect: (r) => {
      assert.deepEqual(r.nodeClaims[0]!.capacityTypes, ["spot", "on-demand"]);
      assert.ok(Math.abs(r.nodeClaims[0]!.pricePerHour - 0.085 * 0.4) < 1e-9);
    },
  },
  {
    name: "capacity types are listed reserved, spot, on-demand",
    input: () => input({ pods: [pod("a", { cpu: "1" })], types: [instanceType("c5.large", { cpu: 2, memGi: 4, capacityTypes: ["on-demand", "spot"], reservation: { id: "cr-1", zone: "zone-a", capacity: 1, price: 0.001 } })] }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.capacityTypes, ["reserved", "spot", "on-demand"]),
  },
  {
    name: "reserved capacity is used until it runs out",
    input: () =>
      input({
        pods: pods(3, "p", { cpu: "1500m", hostPorts: [{ port: 1 }] }),
        types: [instanceType("c5.large", { cpu: 2, memGi: 4, capacityTypes: ["on-demand"], reservation: { id: "cr-1", zone: "zone-a", capacity: 2, price: 0.001 } })],
      }),
    expect: (r) => {
      const prices = r.nodeClaims.map((c) => c.pricePerHour).sort();
      assert.deepEqual(prices.map((p) => p < 0.01), [true, true, false]);
    },
  },
  {
    name: "an unavailable offering is not used",
    input: () => input({ pods: [pod("a", { cpu: "1" })], types: catalog({ unavailable: ["zone-a/on-demand", "zone-b/on-demand"] }) }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-c"]),
  },
  {
    name: "no offering available anywhere: unschedulable, offering reason",
    input: () => input({ pods: [pod("a", { cpu: "1" })], types: catalog({ unavailable: ["zone-a/on-demand", "zone-b/on-demand", "zone-c/on-demand"] }) }),
    expect: (r) => assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "offering"),
  },
  {
    name: "the plan prices each claim at its cheapest allowed offering (zone-specific prices)",
    input: () => input({ pods: [pod("a", { cpu: "1" })], types: [instanceType("c5.large", { cpu: 2, memGi: 4, prices: { "zone-a/on-demand": 0.1, "zone-b/on-demand": 0.08, "zone-c/on-demand": 0.09 } })] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.pricePerHour, 0.08),
  },
  {
    name: "maxInstanceTypes bounds the claim's type list",
    input: () => input({ pods: [pod("a", { cpu: "1" })], maxInstanceTypes: 5 }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.instanceTypes.length, 5),
  },
  {
    name: "the claim carries the NodePool's labels, taints and its own NodePool label",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", tolerations: [{ operator: "Exists" }] })],
        pools: [nodePool("team", { labels: { team: "ml" }, taints: [{ key: "team", value: "ml", effect: "NoSchedule" }] })],
      }),
    expect: (r) => {
      const c = r.nodeClaims[0]!;
      assert.equal(c.labels.team, "ml");
      assert.equal(c.labels["karpenter.sh/nodepool"], "team");
      assert.equal(c.taints[0]!.key, "team");
      assert.ok(c.requirements.some((q) => q.key === "karpenter.sh/nodepool" && q.values?.[0] === "team"));
      assert.ok(!c.requirements.some((q) => q.key === "kubernetes.io/hostname"));
    },
  },
  {
    name: "a zone-pinned claim reports its zone as a label",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "zone-a" } })] }),
    expect: (r) => assert.equal(claimLabel(r.nodeClaims[0]!, "topology.kubernetes.io/zone"), "zone-a"),
  },
  {
    name: "a NodePool limited to spot only uses spot offerings",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1" })],
        pools: [nodePool("default", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }] })],
        types: catalog({ capacityTypes: ["spot", "on-demand"] }),
      }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.capacityTypes, ["spot"]),
  },
];

// Regression: a cache key `level × 64 + pool index` made the 65th NodePool's answer the 1st's at the
// next relaxation level, so a pod relaxed past a preference landed in a NodePool whose taint it does not tolerate.
const taint = { key: "dedicated", value: "x", effect: "NoSchedule" as const };
const manyPools = [...Array.from({ length: 64 }, (_, i) => nodePool(`p${String(i).padStart(2, "0")}`, { taints: [taint] })), nodePool("p64")];
scenarios.push(
  {
    name: "65 NodePools: a relaxed pod goes to the one untainted NodePool, not to the first",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "nope", operator: "In", values: ["x"] }] } }] } } })],
        pools: manyPools,
      }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.deepEqual(r.nodeClaims.map((c) => c.nodePool), ["p64"]);
    },
  },
  {
    name: "100 NodePools over one catalog plan as one NodePool does",
    input: () => input({ pods: pods(30, "p", { cpu: "700m", memory: "1Gi" }), pools: Array.from({ length: 100 }, (_, i) => nodePool(`q${String(i).padStart(3, "0")}`)) }),
    expect: (r) => {
      const one = solveChecked(input({ pods: pods(30, "p", { cpu: "700m", memory: "1Gi" }), pools: [nodePool("q000")] }));
      assert.equal(r.totalPricePerHour, one.totalPricePerHour);
      assert.deepEqual(r.nodeClaims.map((c) => c.instanceTypes.map((t) => t.name)), one.nodeClaims.map((c) => c.instanceTypes.map((t) => t.name)));
      assert.ok(r.nodeClaims.every((c) => c.nodePool === "q000"));
    },
  },
);

describe("scenarios: NodePools, limits and offerings", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
