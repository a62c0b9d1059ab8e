import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import { type NodeClaim, parseNodeClaim } from "../../apis/index.js";
import { exceededLimit, nodePoolUsage, statusResources } from "./usage.js";

function claim(name: string, pool: string, status?: NodeClaim["status"]): NodeClaim {
  return parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, labels: { "karpenter.sh/nodepool": pool } },
    spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
    ...(status ? { status } : {}),
  });
}

const node = (name: string, providerID: string, capacity: Record<string, string>, pool?: string): V1Node => ({
  metadata: { name, ...(pool ? { labels: { "karpenter.sh/nodepool": pool } } : {}) },
  spec: { providerID },
  status: { capacity },
});

describe("nodePoolUsage", () => {
  const claims = [
    // Registered: its Node's capacity is the truth.
    claim("a-1", "a", { providerID: "aws:///z/i-1", capacity: { cpu: "2", memory: "8Gi", pods: "29" } }),
    // Launched, no Node yet: its own capacity.
    claim("a-2", "a", { providerID: "aws:///z/i-2", capacity: { cpu: "4", memory: "16Gi", pods: "58" } }),
    // Not launched: one node, no known resources.
    claim("a-3", "a"),
    claim("b-1", "b", { providerID: "aws:///z/i-3", capacity: { cpu: "8" } }),
    claim("orphan", ""),
  ];
  const nodes = [
    node("n1", "aws:///z/i-1", { cpu: "2", memory: "7Gi", pods: "29" }, "a"),
    // A pool's node without a claim still counts.
    node("n9", "aws:///z/i-9", { cpu: "1" }, "b"),
    node("other", "aws:///z/i-8", { cpu: "64" }),
  ];

  it("sums capacity and counts nodes per NodePool", () => {
    const usage = nodePoolUsage(claims, nodes);
    assert.deepEqual(usage.get("a"), { nodes: 3, cpu: 6000, memory: 23 * 2 ** 30, pods: 87 });
    assert.deepEqual(usage.get("b"), { nodes: 2, cpu: 9000 });
    assert.equal(usage.size, 2);
  });

  it("counts an estimate for claims that do not know their capacity", () => {
    const usage = nodePoolUsage(claims, nodes, { estimate: (c) => (c.metadata.name === "a-3" ? { cpu: 16000 } : undefined) });
    assert.equal(usage.get("a")!.cpu, 22000);
  });

  it("renders status.resources as Karpenter does, base resources always present", () => {
    assert.deepEqual(statusResources({ nodes: 2, cpu: 9000, "nvidia.com/gpu": 1 }), { cpu: "9", memory: "0", pods: "0", "ephemeral-storage": "0", nodes: "2", "nvidia.com/gpu": "1" });
    assert.deepEqual(statusResources(undefined), { cpu: "0", memory: "0", pods: "0", "ephemeral-storage": "0", nodes: "0" });
  });
});

describe("exceededLimit", () => {
  it("names the first limit usage plus the addition would pass", () => {
    assert.equal(exceededLimit({ cpu: "10" }, { cpu: 8000 }, { cpu: 2000 }), undefined);
    assert.match(exceededLimit({ cpu: "10" }, { cpu: 8000 }, { cpu: 4000 }) ?? "", /^cpu limit 10 would be exceeded: 8 in use plus 4 for the new node$/);
    assert.match(exceededLimit({ nodes: 1 }, { nodes: 1 }, { nodes: 1 }) ?? "", /^nodes limit 1/);
    assert.equal(exceededLimit(undefined, { cpu: 1e9 }), undefined);
  });
});
