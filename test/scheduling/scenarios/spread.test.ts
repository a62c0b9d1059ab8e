// Topology spread constraints: skew, domains, minDomains, policies, matchLabelKeys.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1TopologySpreadConstraint } from "@kubernetes/client-node";
import { catalog, claimLabel, countBy, existingNode, input, nodePool, pod, pods, solveChecked } from "../../kit/scheduling.js";
import type { SchedulingInput, SchedulingResult } from "../../../src/scheduling/types.js";

const Zone = "topology.kubernetes.io/zone";
const spread = (key: string, o: Partial<V1TopologySpreadConstraint> = {}): V1TopologySpreadConstraint[] => [
  { maxSkew: 1, topologyKey: key, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } }, ...o },
];
const web = (n: number, o: Partial<V1TopologySpreadConstraint> = {}, extra: Parameters<typeof pods>[2] = {}) => pods(n, "web", { cpu: "1", labels: { app: "web" }, spread: spread(Zone, o), ...extra });
const isWeb = (p: { metadata?: { labels?: Record<string, string> } }) => p.metadata?.labels?.app === "web";

/** Scenarios whose expectation needs the input too (counts over existing nodes). */
interface SpreadScenario {
  name: string;
  input: () => SchedulingInput;
  expect: (r: SchedulingResult, inp: SchedulingInput) => void;
}

const zoneCounts = (r: SchedulingResult, inp: SchedulingInput) => Object.fromEntries([...countBy(r, inp, Zone, isWeb).entries()].sort());

const scenarios: SpreadScenario[] = [
  {
    name: "three replicas spread over three zones, one each",
    input: () => input({ pods: web(3) }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 1, "zone-b": 1, "zone-c": 1 }),
  },
  {
    name: "six replicas: two per zone",
    input: () => input({ pods: web(6) }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 2, "zone-b": 2, "zone-c": 2 }),
  },
  {
    name: "four replicas: skew never above one",
    input: () => input({ pods: web(4) }),
    expect: (r, inp) => {
      const c = Object.values(zoneCounts(r, inp));
      assert.equal(c.reduce((a, b) => a + b, 0), 4);
      assert.ok(Math.max(...c) - Math.min(...c) <= 1);
    },
  },
  {
    name: "maxSkew 2 keeps the skew within two",
    input: () => input({ pods: web(7, { maxSkew: 2 }) }),
    expect: (r, inp) => {
      const c = Object.values(zoneCounts(r, inp));
      assert.equal(c.length, 3);
      assert.ok(Math.max(...c) - Math.min(...c) <= 2);
    },
  },
  {
    name: "pods already running count: new replicas go to the emptier zones",
    input: () => input({ pods: web(2), nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" }, pods: pods(2, "old", { labels: { app: "web" } }) })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.deepEqual(r.nodeClaims.map((c) => claimLabel(c, Zone)).sort(), ["zone-b", "zone-c"]);
    },
  },
  {
    name: "finished and terminating pods do not count",
    input: () =>
      input({
        pods: web(1, {}, { cpu: "1" }),
        nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" }, pods: [pod("done", { labels: { app: "web" }, phase: "Succeeded" }), pod("going", { labels: { app: "web" }, deleting: true })] })],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "hostname spread with maxSkew 1: one replica per node",
    input: () => input({ pods: pods(3, "web", { cpu: "500m", labels: { app: "web" }, spread: spread("kubernetes.io/hostname") }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 3);
      assert.ok(r.nodeClaims.every((c) => c.pods.length === 1));
    },
  },
  {
    name: "hostname spread with maxSkew 2: two replicas per node",
    input: () => input({ pods: pods(4, "web", { cpu: "500m", labels: { app: "web" }, spread: spread("kubernetes.io/hostname", { maxSkew: 2 }) }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 2);
      assert.ok(r.nodeClaims.every((c) => c.pods.length === 2));
    },
  },
  {
    name: "hostname spread: an existing node that already has a replica is skipped",
    input: () => input({ pods: pods(1, "web", { cpu: "500m", labels: { app: "web" }, spread: spread("kubernetes.io/hostname") }), nodes: [existingNode("n1", { pods: [pod("old", { labels: { app: "web" } })] })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "spread over capacity types: one spot, one on-demand",
    input: () => input({ pods: pods(2, "web", { cpu: "1", labels: { app: "web" }, spread: spread("karpenter.sh/capacity-type") }), types: catalog({ capacityTypes: ["spot", "on-demand"] }) }),
    expect: (r) => assert.deepEqual(r.nodeClaims.map((c) => claimLabel(c, "karpenter.sh/capacity-type")).sort(), ["on-demand", "spot"]),
  },
  {
    name: "spread over a custom label the NodePool defines",
    input: () =>
      input({
        pods: pods(4, "web", { cpu: "1", labels: { app: "web" }, spread: spread("rack") }),
        pools: [nodePool("default", { requirements: [{ key: "rack", operator: "In", values: ["r1", "r2"] }] })],
      }),
    expect: (r) => {
      const racks = r.nodeClaims.flatMap((c) => c.pods.map(() => claimLabel(c, "rack")));
      assert.equal(racks.filter((x) => x === "r1").length, 2);
      assert.equal(racks.filter((x) => x === "r2").length, 2);
    },
  },
  {
    name: "spread over a label no node will carry: unschedulable",
    input: () => input({ pods: pods(1, "web", { cpu: "1", labels: { app: "web" }, spread: spread("rack") }) }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.equal(r.unschedulable[0]!.reasons.find((x) => x.nodePool)!.constraint, "topology");
      assert.match(r.unschedulable[0]!.message, /has no rack label/);
    },
  },
  {
    name: "minDomains above the number of zones caps each zone at maxSkew",
    input: () => input({ pods: web(4, { minDomains: 4 }) }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 3);
      assert.equal(r.unschedulable.length, 1);
      assert.equal(r.unschedulable[0]!.reasons.find((x) => x.nodePool)!.constraint, "topology");
      assert.match(r.unschedulable[0]!.message, /topology spread on topology\.kubernetes\.io\/zone \(maxSkew 1, minDomains 4\)/);
    },
  },
  {
    name: "minDomains met: the ordinary skew applies",
    input: () => input({ pods: web(6, { minDomains: 3 }) }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 2, "zone-b": 2, "zone-c": 2 }),
  },
  {
    name: "nodeAffinityPolicy Honor (default): only zones the pod may use are counted",
    input: () => input({ pods: web(3, {}, { nodeSelector: { [Zone]: "zone-a" } }) }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 0);
      assert.ok(r.nodeClaims.every((c) => claimLabel(c, Zone) === "zone-a"));
    },
  },
  {
    name: "nodeAffinityPolicy Ignore: empty zones the pod cannot use still count, so it cannot stack",
    input: () => input({ pods: web(3, { nodeAffinityPolicy: "Ignore" }, { nodeSelector: { [Zone]: "zone-a" } }) }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 2);
      assert.match(r.unschedulable[0]!.message, /exceed the skew/);
    },
  },
  {
    name: "whenUnsatisfiable ScheduleAnyway is relaxed when it cannot be met",
    input: () => input({ pods: web(3, { nodeAffinityPolicy: "Ignore", whenUnsatisfiable: "ScheduleAnyway" }, { nodeSelector: { [Zone]: "zone-a" } }) }),
    expect: (r) => assert.equal(r.unschedulable.length, 0),
  },
  {
    name: "ScheduleAnyway is honoured when it can be",
    input: () => input({ pods: web(3, { whenUnsatisfiable: "ScheduleAnyway" }) }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 1, "zone-b": 1, "zone-c": 1 }),
  },
  {
    name: "nodeTaintsPolicy Ignore (default): a zone only a tainted NodePool offers still counts",
    input: () =>
      input({
        pods: web(3),
        pools: [nodePool("default", { requirements: [{ key: Zone, operator: "In", values: ["zone-a", "zone-b"] }] }), nodePool("tainted", { taints: [{ key: "t", effect: "NoSchedule" }] })],
      }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "nodeTaintsPolicy Honor: that zone is not counted",
    input: () =>
      input({
        pods: web(3, { nodeTaintsPolicy: "Honor" }),
        pools: [nodePool("default", { requirements: [{ key: Zone, operator: "In", values: ["zone-a", "zone-b"] }] }), nodePool("tainted", { taints: [{ key: "t", effect: "NoSchedule" }] })],
      }),
    expect: (r) => assert.equal(r.unschedulable.length, 0),
  },
  {
    name: "matchLabelKeys: each revision spreads on its own",
    input: () =>
      input({
        pods: pods(3, "web", { cpu: "1", labels: { app: "web", rev: "2" }, spread: spread(Zone, { matchLabelKeys: ["rev"] }) }),
        nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" }, cpu: 2, pods: pods(2, "old", { labels: { app: "web", rev: "1" } }) })],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "without matchLabelKeys the old revision's pods count",
    input: () =>
      input({
        pods: pods(3, "web", { cpu: "1", labels: { app: "web", rev: "2" }, spread: spread(Zone) }),
        nodes: [existingNode("n1", { labels: { [Zone]: "zone-a" }, cpu: 2, pods: pods(2, "old", { labels: { app: "web", rev: "1" } }) })],
      }),
    expect: (r) => assert.equal(r.existingNodes.length, 0),
  },
  {
    name: "a selector that does not match the pod itself does not spread it",
    input: () => input({ pods: pods(3, "web", { cpu: "500m", labels: { app: "web" }, spread: spread(Zone, { labelSelector: { matchLabels: { app: "db" } } }) }) }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "no labelSelector selects nothing: no constraint",
    input: () => input({ pods: pods(3, "web", { cpu: "500m", labels: { app: "web" }, spread: [{ maxSkew: 1, topologyKey: Zone, whenUnsatisfiable: "DoNotSchedule" }] }) }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "domains are the zones the NodePool can launch in",
    input: () => input({ pods: web(4), pools: [nodePool("default", { requirements: [{ key: Zone, operator: "In", values: ["zone-a", "zone-b"] }] })] }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 2, "zone-b": 2 }),
  },
  {
    name: "a zone with no available offering is not a domain",
    input: () => input({ pods: web(4), types: catalog({ unavailable: ["zone-c/on-demand"] }) }),
    expect: (r, inp) => assert.deepEqual(zoneCounts(r, inp), { "zone-a": 2, "zone-b": 2 }),
  },
  {
    name: "pods that only match the selector are counted where they land",
    input: () => input({ pods: [...pods(3, "other", { cpu: "1", labels: { app: "web" } }), ...web(3)] }),
    expect: (r, inp) => {
      const c = Object.values(zoneCounts(r, inp));
      assert.equal(c.reduce((a, b) => a + b, 0), 6);
      assert.ok(Math.max(...c) - Math.min(...c) <= 1 || r.unschedulable.length === 0);
    },
  },
  {
    name: "two spread constraints (zone and hostname) both hold",
    input: () => input({ pods: pods(6, "web", { cpu: "500m", labels: { app: "web" }, spread: [...spread(Zone), ...spread("kubernetes.io/hostname")] }) }),
    expect: (r, inp) => {
      assert.equal(r.nodeClaims.length, 6);
      assert.deepEqual(zoneCounts(r, inp), { "zone-a": 2, "zone-b": 2, "zone-c": 2 });
    },
  },
];

describe("scenarios: topology spread", () => {
  for (const s of scenarios) {
    test(s.name, () => {
      const inp = s.input();
      s.expect(solveChecked(inp), inp);
    });
  }
});
