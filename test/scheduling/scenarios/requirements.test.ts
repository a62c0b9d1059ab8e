// nodeSelector, required node affinity and NodePool requirements.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Scenario, catalog, claimLabel, existingNode, input, instanceType, nodePool, pod, solveChecked } from "../../kit/scheduling.js";

const firstType = (r: ReturnType<typeof solveChecked>) => r.nodeClaims[0]?.instanceTypes[0]?.name;
const req = (c: ReturnType<typeof solveChecked>["nodeClaims"][number], key: string) => c.requirements.find((x) => x.key === key);
const armCatalog = () => [...catalog(), instanceType("m6g.large", { cpu: 2, memGi: 8, price: 0.077, arch: "arm64" }), instanceType("m6g.xlarge", { cpu: 4, memGi: 16, price: 0.154, arch: "arm64" })];

const scenarios: Scenario[] = [
  {
    name: "nodeSelector on zone pins the claim to it",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "zone-b" } })] }),
    expect: (r) => {
      assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-b"]);
      assert.equal(claimLabel(r.nodeClaims[0]!, "topology.kubernetes.io/zone"), "zone-b");
    },
  },
  {
    name: "nodeSelector on a zone no instance type offers fails with an offering reason",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "us-east-1z" } })] }),
    expect: (r) => {
      const reason = r.unschedulable[0]!.reasons.find((x) => x.nodePool === "default")!;
      assert.equal(reason.constraint, "offering");
      assert.match(r.unschedulable[0]!.message, /nodepool "default": topology\.kubernetes\.io\/zone In \[us-east-1z\] matches no available offering/);
    },
  },
  {
    name: "nodeSelector on arch picks a type of that architecture",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "kubernetes.io/arch": "arm64" } })], types: armCatalog() }),
    expect: (r) => assert.equal(firstType(r), "m6g.large"),
  },
  {
    name: "nodeSelector on an instance type",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "node.kubernetes.io/instance-type": "m5.2xlarge" } })] }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.instanceTypes.map((t) => t.name), ["m5.2xlarge"]),
  },
  {
    name: "nodeSelector on an instance family",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "karpenter.k8s.aws/instance-family": "r5" } })] }),
    expect: (r) => assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.name.startsWith("r5."))),
  },
  {
    name: "nodeSelector on the capacity type",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "karpenter.sh/capacity-type": "on-demand" } })], types: catalog({ capacityTypes: ["spot", "on-demand"] }) }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.capacityTypes, ["on-demand"]),
  },
  {
    name: "nodeSelector on the NodePool label chooses the NodePool",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "karpenter.sh/nodepool": "b" } })], pools: [nodePool("a", { weight: 50 }), nodePool("b")] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.nodePool, "b"),
  },
  {
    name: "a custom label set by the NodePool satisfies a nodeSelector",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { team: "ml" } })], pools: [nodePool("default", { labels: { team: "ml" } })] }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.labels.team, "ml"),
  },
  {
    name: "a custom label no NodePool defines cannot be satisfied",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { team: "ml" } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "requirement");
      assert.match(r.unschedulable[0]!.message, /label team does not have known values/);
    },
  },
  {
    name: "a custom label requirement with several values narrows to the pod's value",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", nodeSelector: { team: "b" } })],
        pools: [nodePool("default", { requirements: [{ key: "team", operator: "In", values: ["a", "b"] }] })],
      }),
    expect: (r) => assert.equal(r.nodeClaims[0]!.labels.team, "b"),
  },
  {
    name: "NotIn on an undefined custom label is satisfied by a node without it",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "NotIn", values: ["true"] }] }] } } } })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "DoesNotExist on an undefined custom label is satisfied",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "DoesNotExist" }] }] } } } })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 1),
  },
  {
    name: "Exists on an undefined custom label cannot be satisfied",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "gpu", operator: "Exists" }] }] } } } })] }),
    expect: (r) => assert.equal(r.unschedulable.length, 1),
  },
  {
    name: "Gt on instance-cpu keeps only larger types",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Gt", values: ["4"] }] }] } } } })] }),
    expect: (r) => {
      assert.equal(firstType(r), "c5.2xlarge");
      assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.capacity.cpu! > 4000));
    },
  },
  {
    name: "Lt on instance-cpu keeps only smaller types",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "karpenter.k8s.aws/instance-cpu", operator: "Lt", values: ["4"] }] }] } } } })] }),
    expect: (r) => assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.capacity.cpu! < 4000)),
  },
  {
    name: "required node affinity terms are ORed: an impossible first term falls back to the second",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "1",
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [{ matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["nowhere"] }] }, { matchExpressions: [{ key: "topology.kubernetes.io/zone", operator: "In", values: ["zone-c"] }] }],
                },
              },
            },
          }),
        ],
      }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-c"]),
  },
  {
    name: "expressions within a term are ANDed",
    input: () =>
      input({
        pods: [
          pod("a", {
            cpu: "1",
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "topology.kubernetes.io/zone", operator: "In", values: ["zone-a", "zone-b"] },
                        { key: "topology.kubernetes.io/zone", operator: "NotIn", values: ["zone-a"] },
                      ],
                    },
                  ],
                },
              },
            },
          }),
        ],
      }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-b"]),
  },
  {
    name: "an empty node selector term matches no node (kube)",
    input: () => input({ pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.match(r.unschedulable[0]!.message, /empty/);
    },
  },
  {
    name: "matchFields on metadata.name targets an existing node and never a new one",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: "metadata.name", operator: "In", values: ["node-1"] }] }] } } } })],
        nodes: [existingNode("node-0"), existingNode("node-1")],
      }),
    expect: (r) => assert.deepEqual(r.existingNodes.map((n) => n.name), ["node-1"]),
  },
  {
    name: "a hostname nodeSelector for a node that does not exist cannot be met by a new node",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "kubernetes.io/hostname": "gone" } })] }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.match(r.unschedulable[0]!.message, /can only match an existing node/);
    },
  },
  {
    name: "the NodePool's requirements restrict its types",
    input: () => input({ pods: [pod("a", { cpu: "1" })], pools: [nodePool("default", { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }] })] }),
    expect: (r) => assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.name.startsWith("m5."))),
  },
  {
    name: "a pod asking for what the NodePool excludes fails with a requirement reason",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1", nodeSelector: { "karpenter.k8s.aws/instance-family": "r5" } })],
        pools: [nodePool("default", { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }] })],
      }),
    expect: (r) => {
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "requirement");
      assert.match(r.unschedulable[0]!.message, /instance-family In \[r5\] not in karpenter\.k8s\.aws\/instance-family In \[m5\]/);
    },
  },
  {
    name: "a well-known label no type carries a matching value for: no instance type satisfies it",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "kubernetes.io/arch": "s390x" } })] }),
    expect: (r) => assert.match(r.unschedulable[0]!.message, /no instance type satisfies kubernetes\.io\/arch In \[s390x\]/),
  },
  {
    name: "minValues keeps enough instance families on the claim",
    input: () =>
      input({
        pods: [pod("a", { cpu: "1" })],
        pools: [nodePool("default", { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["c5", "m5", "r5"], minValues: 3 }] })],
        maxInstanceTypes: 3,
      }),
    expect: (r) => {
      const fams = new Set(r.nodeClaims[0]!.instanceTypes.map((t) => t.name.split(".")[0]));
      assert.equal(fams.size, 3);
      assert.equal(r.nodeClaims[0]!.instanceTypes.length, 3);
    },
  },
  {
    name: "minValues that the fitting types cannot meet makes the pod unschedulable",
    input: () =>
      input({
        pods: [pod("a", { cpu: "12", memory: "100Gi" })],
        pools: [nodePool("default", { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["c5", "m5", "r5"], minValues: 2 }] })],
      }),
    expect: (r) => {
      assert.equal(r.unschedulable.length, 1);
      assert.equal(r.unschedulable[0]!.reasons[0]!.constraint, "minValues");
    },
  },
  {
    name: "beta zone label in a nodeSelector means the stable one",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "failure-domain.beta.kubernetes.io/zone": "zone-c" } })] }),
    expect: (r) => assert.deepEqual(r.nodeClaims[0]!.zones, ["zone-c"]),
  },
  {
    name: "pods with different zone selectors get different claims",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "zone-a" } }), pod("b", { cpu: "1", nodeSelector: { "topology.kubernetes.io/zone": "zone-b" } })] }),
    expect: (r) => assert.equal(r.nodeClaims.length, 2),
  },
  {
    name: "the claim's requirements carry the pod's narrowing",
    input: () => input({ pods: [pod("a", { cpu: "1", nodeSelector: { "kubernetes.io/arch": "arm64" } })], types: armCatalog() }),
    expect: (r) => assert.deepEqual(req(r.nodeClaims[0]!, "kubernetes.io/arch"), { key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }),
  },
];

describe("scenarios: requirements", () => {
  for (const s of scenarios) test(s.name, () => s.expect(solveChecked(s.input())));
});
