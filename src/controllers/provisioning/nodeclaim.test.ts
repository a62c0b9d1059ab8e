import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NodeClaimSchema, parseNodePool } from "../../apis/index.js";
import { fakeInstanceType } from "../../cloudprovider/fake/index.js";
import type { PlannedNodeClaim } from "../../scheduling/types.js";
import { nodePoolHash } from "../../apis/nodepoolhash.js";
import { buildNodeClaim, claimableKey } from "./nodeclaim.js";

const nodePool = parseNodePool({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "general", uid: "pool-uid" },
  spec: {
    template: {
      metadata: { labels: { team: "a" }, annotations: { "example.com/owner": "ops" } },
      spec: {
        requirements: [{ key: "node.kubernetes.io/instance-type", operator: "Exists", minValues: 2 }],
        taints: [{ key: "dedicated", value: "a", effect: "NoSchedule" }],
        startupTaints: [{ key: "cni", effect: "NoSchedule" }],
        expireAfter: "24h",
        terminationGracePeriod: "1h",
        nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
      },
    },
  },
});

const types = [fakeInstanceType({ name: "m5.large", cpu: 2, memoryMiB: 8192 }), fakeInstanceType({ name: "m5.xlarge", cpu: 4, memoryMiB: 16384 })];

const planned: PlannedNodeClaim = {
  nodePool: "general",
  minValuesRelaxed: false,
  requirements: [
    { key: "karpenter.sh/nodepool", operator: "In", values: ["general"] },
    { key: "team", operator: "In", values: ["a"] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
    { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a", "us-east-1b"] },
    { key: "kubernetes.io/hostname", operator: "In", values: ["hostname-placeholder-0001"] },
    { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m5.xlarge"], minValues: 2 },
  ],
  instanceTypes: types,
  zones: ["us-east-1a", "us-east-1b"],
  capacityTypes: ["spot"],
  pods: [],
  requests: { cpu: 1500, memory: 2 * 2 ** 30, pods: 3 },
  pricePerHour: 0.04,
  labels: { "karpenter.sh/nodepool": "general", team: "a", "kubernetes.io/hostname": "hostname-placeholder-0001" },
  taints: [{ key: "dedicated", value: "a", effect: "NoSchedule" }],
  startupTaints: [{ key: "cni", effect: "NoSchedule" }],
  hostname: "hostname-placeholder-0001",
};

describe("buildNodeClaim", () => {
  const nc = buildNodeClaim(planned, nodePool);

  it("is a valid NodeClaim named after and owned by its NodePool", () => {
    const parsed = NodeClaimSchema.safeParse(nc);
    assert.equal(parsed.success, true, parsed.success ? "" : JSON.stringify(parsed.error.issues));
    assert.equal((nc.metadata as { generateName?: string }).generateName, "general-");
    assert.deepEqual(nc.metadata.ownerReferences, [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "general", uid: "pool-uid", blockOwnerDeletion: true }]);
  });

  it("labels: template labels, the nodepool, single-valued requirements; never the placeholder hostname", () => {
    assert.deepEqual(nc.metadata.labels, { team: "a", "karpenter.sh/nodepool": "general", "karpenter.sh/capacity-type": "spot" });
  });

  it("annotations: template annotations plus the pool's hash and hash version", () => {
    assert.deepEqual(nc.metadata.annotations, {
      "example.com/owner": "ops",
      "karpenter.sh/nodepool-hash": nodePoolHash(nodePool),
      "karpenter.sh/nodepool-hash-version": "tenon-v1",
      "karpenter.sh/nodeclaim-min-values-relaxed": "false",
    });
  });

  it("spec: the planned requirements (bounded instance types, minValues kept, no hostname), requests and the template's fields", () => {
    assert.deepEqual(nc.spec.requirements, [
      { key: "karpenter.sh/nodepool", operator: "In", values: ["general"] },
      { key: "team", operator: "In", values: ["a"] },
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] },
      { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a", "us-east-1b"] },
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m5.xlarge"], minValues: 2 },
    ]);
    assert.deepEqual(nc.spec.resources, { requests: { cpu: "1500m", memory: "2Gi", pods: "3" } });
    assert.deepEqual(nc.spec.taints, [{ key: "dedicated", value: "a", effect: "NoSchedule" }]);
    assert.deepEqual(nc.spec.startupTaints, [{ key: "cni", effect: "NoSchedule" }]);
    assert.equal(nc.spec.expireAfter, "24h");
    assert.equal(nc.spec.terminationGracePeriod, "1h");
    assert.deepEqual(nc.spec.nodeClassRef, { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" });
  });

  it("adds instance-type In [planned types] when the plan's requirements lack it", () => {
    const bare = buildNodeClaim({ ...planned, requirements: planned.requirements.filter((r) => r.key !== "node.kubernetes.io/instance-type") }, nodePool);
    assert.deepEqual(bare.spec.requirements.at(-1), { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m5.xlarge"] });
  });

  it("knows which keys the NodeClaim CRD refuses", () => {
    assert.equal(claimableKey("karpenter.sh/nodepool"), true);
    assert.equal(claimableKey("example.com/team"), true);
    assert.equal(claimableKey("kubernetes.io/hostname"), false);
    assert.equal(claimableKey("node-role.kubernetes.io/worker"), false);
  });

  it("is marked price-/capacity-overlay-applied (Karpenter's annotations) only when a NodeOverlay changed one of its types", () => {
    const plain = buildNodeClaim(planned, nodePool).metadata.annotations ?? {};
    assert.equal(plain["karpenter.sh/price-overlay-applied"], undefined);
    assert.equal(plain["karpenter.sh/capacity-overlay-applied"], undefined);
    const priced = buildNodeClaim({ ...planned, instanceTypes: [{ ...types[0]!, priceOverlaid: true }, types[1]!] }, nodePool).metadata.annotations ?? {};
    assert.equal(priced["karpenter.sh/price-overlay-applied"], "true");
    assert.equal(priced["karpenter.sh/capacity-overlay-applied"], undefined);
    const sized = buildNodeClaim({ ...planned, instanceTypes: [{ ...types[0]!, capacityOverlaid: true }] }, nodePool).metadata.annotations ?? {};
    assert.equal(sized["karpenter.sh/capacity-overlay-applied"], "true");
  });
});
