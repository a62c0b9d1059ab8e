// Existing nodes and in-flight NodeClaims are filled before anything new is launched.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, existingNode, input, pod, pods, solveChecked } from "../../kit/scheduling.js";

const scenarios: Scenario[] = [
  {
    name: "a pod that fits an existing node goes there, nothing is launched",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("n1")] }),
    expect: (r) => {
      assert.deepEqual(r.existingNodes, [{ name: "n1", pods: [r.existingNodes[0]!.pods[0]!] }]);
      assert.equal(r.nodeClaims.length, 0);
      assert.equal(r.totalPricePerHour, 0);
    },
  },
  {
    name: "pods already bound use up the node's room",
    input: () => input({ pods: [pod("a", { cpu: "2" })], nodes: [existingNode("n1", { cpu: 4, pods: [pod("old", { cpu: "3" })] })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "finished pods do not use the node's room",
    input: () => input({ pods: [pod("a", { cpu: "2" })], nodes: [existingNode("n1", { cpu: 4, pods: [pod("old", { cpu: "3", phase: "Succeeded" })] })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 1),
  },
  {
    name: "an existing node fills up, then a claim takes the rest",
    input: () => input({ pods: pods(5, "p", { cpu: "1" }), nodes: [existingNode("n1", { cpu: 3 })] }),
    expect: (r) => {
      assert.equal(r.existingNodes[0]!.pods.length, 3);
      assert.equal(r.nodeClaims.reduce((s, c) => s + c.pods.length, 0), 2);
    },
  },
  {
    name: "an in-flight NodeClaim is used like a node",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("claim-1", { inFlight: true, nodePool: "default" })] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["claim-1"]),
  },
  {
    name: "real nodes are filled before in-flight ones",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("claim-1", { inFlight: true }), existingNode("n1")] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "an existing node's labels must satisfy the pod exactly (no well-known leeway)",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "node.kubernetes.io/instance-type": "m5.large" } })], nodes: [existingNode("n1")] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "an existing node with the right labels satisfies a selector",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "node.kubernetes.io/instance-type": "m5.large" } })], nodes: [existingNode("n1", { labels: { "node.kubernetes.io/instance-type": "m5.large" } })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 1),
  },
  {
    name: "extended resources on an existing node",
    input: () => input({ pods: [pod("a", { requests: { "nvidia.com/gpu": "1" } })], nodes: [existingNode("plain"), existingNode("gpu", { extra: { "nvidia.com/gpu": 1 } })] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["gpu"]),
  },
  {
    name: "max pods on an existing node",
    input: () => input({ pods: pods(3, "p"), nodes: [existingNode("n1", { maxPods: 2 })] }),
    expect: (r) => assert.equal(r.existingNodes[0]!.pods.length, 2),
  },
  {
    name: "pods being rescheduled (same UID bound to a leaving node) are not counted twice",
    input: () => {
      const moving = pod("web", { cpu: "1", labels: { app: "web" }, affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "web" } } }] } } });
      const old = existingNode("old", { markedForDeletion: true, pods: [moving] });
      const other = existingNode("other", { pods: [{ ...moving, metadata: { ...moving.metadata, name: "web-copy" } }] });
      return input({ pods: [moving], nodes: [old, other] });
    },
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["other"]),
  },
  {
    name: "a node marked for deletion is neither used nor counted",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("going", { markedForDeletion: true })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "unschedulable pods list why each existing node refused",
    input: () => input({ pods: [pod("a", { cpu: "8", nodeSelector: { team: "x" } })], nodes: [existingNode("n1"), existingNode("n2", { labels: { team: "x" } })] }),
    expect: (r) => {
      const existing = r.unschedulable[0]!.reasons.filter((x) => x.existingNodes !== undefined);
      assert.deepEqual(existing.map((x) => x.constraint).sort(), ["requirement", "resources"]);
      assert.match(r.unschedulable[0]!.message, /existing nodes: node n2: insufficient cpu/);
    },
  },
];

describe("scenarios: existing nodes", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
