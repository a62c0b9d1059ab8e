// Taints and tolerations on NodePools and existing nodes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, existingNode, input, nodePool, pod, solveChecked } from "../../kit/scheduling.js";

const gpuTaint = { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" };
const pools = () => [nodePool("gpu", { weight: 10, taints: [gpuTaint] }), nodePool("default")];

const scenarios: Scenario[] = [
  {
    name: "a NodePool's taint keeps pods without the toleration off it",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: pools() }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "a pod that tolerates the taint uses the higher-weight tainted NodePool",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "true", effect: "NoSchedule" }] })], pools: pools() }),
    expect: (r) => {
      assert.equal(r.nodeClaims[0]!.nodePool, "gpu");
      assert.deepEqual(r.nodeClaims[0]!.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    },
  },
  {
    name: "Exists tolerates any value of the key",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ key: "nvidia.com/gpu", operator: "Exists" }] })], pools: pools() }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "gpu"),
  },
  {
    name: "an empty key with Exists tolerates every taint",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ operator: "Exists" }] })], pools: pools() }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "gpu"),
  },
  {
    name: "a toleration for another effect does not tolerate the taint",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoExecute" }] })], pools: pools() }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "a toleration with the wrong value does not tolerate the taint",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ key: "nvidia.com/gpu", operator: "Equal", value: "false" }] })], pools: pools() }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "with only a tainted NodePool, the untolerating pod is unschedulable and told why",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("gpu", { taints: [gpuTaint] })] }),
    expect: (r) => {
      assert.deepEqual(r.unschedulable[0]!.reasons, [{ nodePool: "gpu", constraint: "taint", detail: "taint nvidia.com/gpu=true:NoSchedule not tolerated" }]);
      assert.equal(r.unschedulable[0]!.message, 'nodepool "gpu": taint nvidia.com/gpu=true:NoSchedule not tolerated');
    },
  },
  {
    name: "NoExecute taints block as NoSchedule ones do",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("x", { taints: [{ key: "k", effect: "NoExecute" }] })] }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "startup taints do not keep pods off",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { startupTaints: [{ key: "node.cilium.io/agent-not-ready", value: "true", effect: "NoSchedule" }] })] }),
    expect: (r) => {
      assert.equal(r.nodeClaims.length, 1);
      assert.equal(r.nodeClaims[0]!.startupTaints[0]!.key, "node.cilium.io/agent-not-ready");
    },
  },
  {
    name: "a PreferNoSchedule taint is avoided while another NodePool can take the pod",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("soft", { weight: 10, taints: [{ key: "k", effect: "PreferNoSchedule" }] }), nodePool("default")] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "a PreferNoSchedule taint is tolerated as a last resort",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("soft", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "soft"),
  },
  {
    // PREFERENCE_POLICY=Ignore covers affinities and ScheduleAnyway spreads, not taints (Karpenter).
    name: "with preferences ignored, a PreferNoSchedule taint is still avoided while another NodePool can take the pod",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("soft", { weight: 10, taints: [{ key: "k", effect: "PreferNoSchedule" }] }), nodePool("default")], ignorePreferences: true }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "default"),
  },
  {
    name: "with preferences ignored, a PreferNoSchedule taint is tolerated when nothing else is left",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("soft", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })], ignorePreferences: true }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "soft"),
  },
  {
    name: "an existing node's taint keeps untolerating pods off it",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("n1", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "a tolerating pod uses the tainted existing node",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ key: "dedicated", operator: "Exists" }] })], nodes: [existingNode("n1", { taints: [{ key: "dedicated", value: "db", effect: "NoSchedule" }] })] }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "lifecycle taints (not-ready, unregistered) on a node are ignored",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1" })],
        nodes: [
          existingNode("n1", {
            inFlight: true,
            taints: [
              { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" },
              { key: "karpenter.sh/unregistered", effect: "NoExecute" },
              { key: "node.cloudprovider.kubernetes.io/uninitialized", value: "true", effect: "NoSchedule" },
            ],
          }),
        ],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "an in-flight node's startup taints are ignored",
    input: () => {
      const t = { key: "node.cilium.io/agent-not-ready", value: "true", effect: "NoSchedule" };
      return input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("n1", { inFlight: true, taints: [t], startupTaints: [t] })] });
    },
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["n1"]),
  },
  {
    name: "the karpenter.sh/disrupted taint keeps pods off a node being disrupted",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("n1", { taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] })] }),
    expect: (r) => {
      assert.equal(r.existingNodes.length, 0);
      assert.equal(r.nodeClaims.length, 1);
    },
  },
  {
    name: "a node marked for deletion takes nothing",
    input: () => input({ pods: [pod("a", { cpu: "1", tolerations: [{ operator: "Exists" }] })], nodes: [existingNode("n1", { markedForDeletion: true })] }),
    expect: (r) => assert.equal(r.existingNodes.length, 0),
  },
  {
    name: "an existing node's PreferNoSchedule taint is avoided while a new node can be made",
    input: () => input({ pods: [pod("a", { cpu: "1" })], nodes: [existingNode("n1", { taints: [{ key: "k", effect: "PreferNoSchedule" }] })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
];

describe("scenarios: taints and tolerations", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
