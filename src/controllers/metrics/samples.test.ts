import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { ClusterModel } from "../../state/model.js";
import { clusterSamples } from "./samples.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

const node: V1Node = {
  metadata: { name: "n1", creationTimestamp: new Date(T0 - 120_000), labels: { "karpenter.sh/nodepool": "default", "node.kubernetes.io/instance-type": "m5.large", "topology.kubernetes.io/zone": "us-east-1a" } },
  spec: { providerID: "aws:///us-east-1a/i-1" },
  status: { capacity: { cpu: "2", memory: "8Gi", pods: "29" }, allocatable: { cpu: "1930m", memory: "7Gi", pods: "29" }, phase: "Running", conditions: [{ type: "Ready", status: "True" }] },
};
const pod = (name: string, cpu: string, daemon = false): V1Pod => ({
  metadata: { name, namespace: "default", ...(daemon ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "ds", uid: "d" }] } : {}) },
  spec: { nodeName: "n1", containers: [{ name: "c", resources: { requests: { cpu }, limits: { cpu } } }] },
  status: { phase: "Running" },
});

describe("cluster samples", () => {
  it("reports a node's allocatable, overhead, pod and daemon requests, lifetime and the cluster's utilization", () => {
    const model = ClusterModel.build({ nodes: [node], nodeClaims: [], pods: [pod("app", "500m"), pod("ds", "100m", true)], daemonSets: [] }, { now: T0, nodesWithoutClaims: true });
    const s = clusterSamples(model, T0);
    const find = (list: { labels: Record<string, string>; value: number }[], rt: string) => list.find((x) => x.labels.resource_type === rt)?.value;
    assert.equal(find(s.nodes.allocatable, "cpu"), 1.93);
    assert.equal(find(s.nodes.allocatable, "memory"), 7 * 2 ** 30);
    assert.ok(Math.abs(find(s.nodes.systemOverhead, "cpu")! - 0.07) < 1e-9);
    assert.equal(find(s.nodes.podRequests, "cpu"), 0.6);
    assert.equal(find(s.nodes.daemonRequests, "cpu"), 0.1);
    assert.equal(find(s.nodes.podLimits, "cpu"), 0.6);
    assert.equal(s.lifetime[0]?.value, 120);
    assert.equal(s.lifetime[0]?.labels.instance_type, "m5.large");
    assert.equal(s.lifetime[0]?.labels.node_name, "n1");
    assert.ok(Math.abs(find(s.utilization, "cpu")! - (100 * 0.6) / 1.93) < 1e-9);
    assert.equal(s.nodeCount, 1);
    assert.deepEqual(s.nodePoolCost, [{ labels: { nodepool: "default" }, value: 0 }]);
  });
});
