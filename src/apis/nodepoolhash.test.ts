import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type NodePoolInput, parseNodeClaim, parseNodePool } from "./index.js";
import { NODEPOOL_HASH_VERSION, isNodePoolTemplateDrifted, nodePoolHash, nodePoolHashAnnotations } from "./nodepoolhash.js";

function pool(edit: (p: NodePoolInput) => void = () => {}) {
  const p: NodePoolInput = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: "default" },
    spec: {
      template: {
        metadata: { labels: { team: "a" }, annotations: { note: "x" } },
        spec: {
          requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }],
          taints: [
            { key: "a", value: "1", effect: "NoSchedule" },
            { key: "b", effect: "NoExecute" },
          ],
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
        },
      },
    },
  };
  edit(p);
  return parseNodePool(p);
}

describe("nodePoolHash", () => {
  it("is stable: a 64-bit decimal, equal for equal templates", () => {
    const h = nodePoolHash(pool());
    assert.match(h, /^[0-9]+$/);
    assert.ok(BigInt(h) < 2n ** 64n);
    assert.equal(nodePoolHash(pool()), h);
  });

  it("ignores what Karpenter ignores: requirements, disruption, limits, weight, list order, zero values", () => {
    const h = nodePoolHash(pool());
    const same = [
      pool((p) => (p.spec.template.spec.requirements = [{ key: "kubernetes.io/arch", operator: "In", values: ["arm64"] }])),
      pool((p) => (p.spec.disruption = { consolidateAfter: "5m", budgets: [{ nodes: "0" }] })),
      pool((p) => (p.spec.limits = { cpu: "10" })),
      pool((p) => (p.spec.weight = 50)),
      pool((p) => p.spec.template.spec.taints!.reverse()),
      pool((p) => (p.spec.template.spec.startupTaints = [])),
      pool((p) => (p.spec.template.spec.expireAfter = "720h")),
      pool((p) => (p.spec.template.spec.expireAfter = "43200m")),
      pool((p) => (p.metadata.labels = { other: "label" })),
    ];
    for (const [i, p] of same.entries()) assert.equal(nodePoolHash(p), h, `variant ${i} should hash the same`);
  });

  it("changes with every hashed field", () => {
    const h = nodePoolHash(pool());
    const changed = {
      labels: pool((p) => (p.spec.template.metadata!.labels = { team: "b" })),
      annotations: pool((p) => (p.spec.template.metadata!.annotations = {})),
      taints: pool((p) => (p.spec.template.spec.taints = [{ key: "a", value: "2", effect: "NoSchedule" }])),
      startupTaints: pool((p) => (p.spec.template.spec.startupTaints = [{ key: "s", effect: "NoSchedule" }])),
      expireAfter: pool((p) => (p.spec.template.spec.expireAfter = "Never")),
      terminationGracePeriod: pool((p) => (p.spec.template.spec.terminationGracePeriod = "1h")),
      nodeClassRef: pool((p) => (p.spec.template.spec.nodeClassRef.name = "other")),
    };
    const seen = new Set([h]);
    for (const [field, p] of Object.entries(changed)) {
      const x = nodePoolHash(p);
      assert.notEqual(x, h, `${field} should change the hash`);
      seen.add(x);
    }
    assert.equal(seen.size, Object.keys(changed).length + 1);
  });
});

describe("isNodePoolTemplateDrifted", () => {
  const claim = (annotations: Record<string, string>) =>
    parseNodeClaim({
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: "c", annotations },
      spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
    });

  it("compares the claim's hash with the pool's only when both carry this version", () => {
    const p = pool();
    assert.equal(isNodePoolTemplateDrifted(claim(nodePoolHashAnnotations(p)), p), false);
    const edited = pool((x) => (x.spec.template.metadata!.labels = { team: "b" }));
    assert.equal(isNodePoolTemplateDrifted(claim(nodePoolHashAnnotations(p)), edited), true);
    // Karpenter's stamp: another version, re-stamped rather than drifted.
    assert.equal(isNodePoolTemplateDrifted(claim({ "karpenter.sh/nodepool-hash": "123", "karpenter.sh/nodepool-hash-version": "v3" }), edited), false);
    assert.equal(isNodePoolTemplateDrifted(claim({}), edited), false);
    assert.equal(nodePoolHashAnnotations(p)["karpenter.sh/nodepool-hash-version"], NODEPOOL_HASH_VERSION);
  });
});
