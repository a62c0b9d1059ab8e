import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import { type NodeClaim, parseNodeClaim, parseNodePool } from "../../apis/index.js";
import { fakeInstanceType } from "../../cloudprovider/fake/index.js";
import { solve } from "../../scheduling/index.js";
import { type ClusterView, buildSchedulingInput } from "./input.js";

const pool = parseNodePool({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "default", uid: "np" },
  spec: { template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } }, limits: { cpu: "100" } },
});
const small = fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1 });
const big = fakeInstanceType({ name: "fake.xlarge", cpu: 4, memoryMiB: 16384, price: 0.2 });
const types = new Map([["default", [small, big]]]);

function pod(name: string, cpu: string, edit: (p: V1Pod) => void = () => {}): V1Pod {
  const p: V1Pod = {
    metadata: { name, namespace: "ns", uid: `uid-${name}` },
    spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu, memory: "256Mi" } } }] },
    status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
  };
  edit(p);
  return p;
}

function claim(name: string, edit: (c: Record<string, unknown> & { metadata: Record<string, unknown> }) => void = () => {}): NodeClaim {
  const c = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, labels: { "karpenter.sh/nodepool": "default" } } as Record<string, unknown>,
    spec: {
      requirements: [
        { key: "karpenter.sh/nodepool", operator: "In", values: ["default"] },
        { key: "topology.kubernetes.io/zone", operator: "In", values: ["us-east-1a"] },
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["fake.large", "fake.xlarge"] },
      ],
      resources: { requests: { cpu: "1" } },
      taints: [{ key: "dedicated", value: "x", effect: "NoSchedule" }],
      startupTaints: [{ key: "cni", effect: "NoSchedule" }],
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
    },
  };
  edit(c);
  return parseNodeClaim(c);
}

const daemonSet: V1DaemonSet = {
  metadata: { name: "logs", namespace: "kube-system", uid: "ds-uid" },
  spec: {
    selector: { matchLabels: { app: "logs" } },
    template: { metadata: { labels: { app: "logs" } }, spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m" } } }] } },
  },
};

/** The cluster's lists; `bound` pods (by node) join the pod list, as the API server lists them. */
function view(over: Partial<ClusterView> & { bound?: Record<string, V1Pod[]> }): ClusterView {
  const { bound, ...rest } = over;
  const pods = [...new Set([...(rest.pods ?? []), ...Object.values(bound ?? {}).flat()])];
  return { nodes: [], nodeClaims: [], daemonSets: [], ...rest, pods };
}

describe("buildSchedulingInput", () => {
  it("takes unschedulable pods and the pods of nodes going away, not pods nominated onto an in-flight claim", () => {
    const nominated = pod("nominated", "500m");
    const leaving: V1Node = { metadata: { name: "old", deletionTimestamp: new Date() }, spec: {}, status: { allocatable: { cpu: "2", pods: "10" } } };
    const onOld = pod("on-old", "100m", (p) => {
      p.spec!.nodeName = "old";
      p.status = { phase: "Running" };
    });
    const built = buildSchedulingInput(view({ pods: [pod("a", "1"), pod("not-tried", "1", (p) => (p.status!.conditions = [])), nominated, onOld], nodes: [leaving], nodeClaims: [claim("c1")], bound: { old: [onOld] } }), {
      nodePools: [pool],
      instanceTypes: types,
      nominations: new Map([["c1", new Set(["ns/nominated"])]]),
    });
    assert.deepEqual(built.input.pods.map((p) => p.metadata?.name), ["a", "on-old"]);
    const old = built.input.existingNodes.find((n) => n.name === "old")!;
    assert.equal(old.markedForDeletion, true);
    const c1 = built.input.existingNodes.find((n) => n.name === "c1")!;
    assert.deepEqual(c1.pods.map((p) => p.metadata?.name), ["nominated"]);
  });

  it("describes an in-flight claim: cheapest type's allocatable less daemonsets, single-valued requirements as labels, its taints", () => {
    const built = buildSchedulingInput(view({ nodeClaims: [claim("c1")], daemonSets: [daemonSet] }), { nodePools: [pool], instanceTypes: types, nominations: new Map() });
    const c1 = built.input.existingNodes.find((n) => n.name === "c1")!;
    assert.equal(c1.inFlight, true);
    assert.equal(c1.nodePool, "default");
    assert.equal(c1.labels["topology.kubernetes.io/zone"], "us-east-1a");
    assert.equal(c1.labels["kubernetes.io/hostname"], "c1");
    assert.equal(c1.labels["node.kubernetes.io/instance-type"], undefined, "two types possible: not a label yet");
    assert.deepEqual(c1.taints, [{ key: "dedicated", value: "x", effect: "NoSchedule" }]);
    assert.deepEqual(c1.startupTaints, [{ key: "cni", effect: "NoSchedule" }]);
    // fake.large is the cheaper; its allocatable cpu less the daemonset's 100m.
    const smallCpu = small.capacity.cpu! - (small.overhead.kubeReserved.cpu ?? 0) - (small.overhead.systemReserved.cpu ?? 0) - (small.overhead.evictionThreshold.cpu ?? 0);
    assert.equal(c1.allocatable.cpu, smallCpu - 100);
    assert.ok(built.claimsWithoutNode.has("c1"));
  });

  it("describes Nodes: allocatable, bound pods, cordon as a taint, the claim a registered node belongs to", () => {
    const node: V1Node = {
      metadata: { name: "n1", labels: { "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true" } },
      spec: { providerID: "aws:///us-east-1a/i-1", unschedulable: true },
      status: { allocatable: { cpu: "4", memory: "16Gi", pods: "58" }, capacity: { cpu: "4", memory: "16Gi", pods: "58" } },
    };
    const bound = pod("bound", "1", (p) => {
      p.spec!.nodeName = "n1";
      p.status = { phase: "Running" };
    });
    const registered = claim("c2", (c) => ((c as { status?: unknown }).status = { providerID: "aws:///us-east-1a/i-1", capacity: { cpu: "4" } }));
    const built = buildSchedulingInput(view({ nodes: [node], nodeClaims: [registered], bound: { n1: [bound] } }), { nodePools: [pool], instanceTypes: types, nominations: new Map() });
    assert.equal(built.input.existingNodes.length, 1, "a claim with a Node is that Node");
    const n1 = built.input.existingNodes[0]!;
    assert.equal(n1.inFlight, false);
    assert.equal(n1.allocatable.cpu, 4000);
    assert.deepEqual(n1.pods.map((p) => p.metadata?.name), ["bound"]);
    assert.deepEqual(n1.taints, [{ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]);
    assert.equal(built.claimOfNode.get("n1"), "c2");
    assert.deepEqual(built.input.nodePoolUsage?.get("default"), { nodes: 1, cpu: 4000, memory: 16 * 2 ** 30, pods: 58 });
  });

  it("counts a claim not launched yet at the largest type it may become, for limits", () => {
    const built = buildSchedulingInput(view({ nodeClaims: [claim("c1")] }), { nodePools: [pool], instanceTypes: types, nominations: new Map() });
    assert.equal(built.input.nodePoolUsage?.get("default")?.cpu, big.capacity.cpu);
    assert.equal(built.input.nodePoolUsage?.get("default")?.nodes, 1);
  });

  it("lets the solver place a new pending pod on the in-flight claim instead of planning another", () => {
    const tolerant = (name: string) => pod(name, "500m", (p) => (p.spec!.tolerations = [{ key: "dedicated", operator: "Exists" }]));
    const built = buildSchedulingInput(view({ pods: [tolerant("first"), tolerant("second")], nodeClaims: [claim("c1")] }), {
      nodePools: [pool],
      instanceTypes: types,
      nominations: new Map([["c1", new Set(["ns/first"])]]),
    });
    const result = solve(built.input);
    assert.equal(result.nodeClaims.length, 0);
    assert.deepEqual(result.existingNodes.map((n) => [n.name, n.pods.map((p) => p.metadata?.name)]), [["c1", ["second"]]]);
  });
});
