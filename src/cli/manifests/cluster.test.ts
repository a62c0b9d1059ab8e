import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { classifyManifests } from "./classify.js";
import { buildCluster } from "./cluster.js";
import { parseDocuments } from "./documents.js";

const build = (text: string) => buildCluster(classifyManifests(parseDocuments({ source: "f.yaml", text })));
const names = (pods: { metadata?: { name?: string } }[]) => pods.map((p) => p.metadata!.name!);

const node = (name: string, labels: Record<string, string> = {}, extra = "") => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: ${JSON.stringify(labels)}
${extra}status:
  capacity: {cpu: "2", memory: 8Gi, pods: "29"}
  allocatable: {cpu: 1930m, memory: 7Gi, pods: "29"}
`;
const pod = (name: string, spec = "", meta = "", status = "Pending") => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
${meta}spec:
  containers: [{name: c, resources: {requests: {cpu: 100m}}}]
${spec}status: {phase: ${status}}
`;
const owner = (kind: string, name: string) => `  ownerReferences: [{apiVersion: apps/v1, kind: ${kind}, name: ${name}, uid: u, controller: true}]\n`;

describe("buildCluster", () => {
  it("turns Nodes into existing nodes in canonical units, with their NodePool and bound pods", () => {
    const c = build([node("n1", { "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true" }), pod("bound", "  nodeName: n1\n", "", "Running"), pod("waiting")].join("---\n"));
    assert.equal(c.existingNodes.length, 1);
    const n = c.existingNodes[0]!;
    assert.equal(n.nodePool, "default");
    assert.deepEqual(n.allocatable, { cpu: 1930, memory: 7 * 2 ** 30, pods: 29 });
    assert.equal(n.labels["kubernetes.io/hostname"], "n1");
    assert.deepEqual(names(n.pods), ["bound"]);
    assert.equal(n.inFlight, false);
    assert.equal(n.markedForDeletion, false);
    assert.deepEqual(names(c.pendingPods), ["waiting"]);
    assert.deepEqual(c.nodePoolUsage.get("default"), { cpu: 2000, memory: 8 * 2 ** 30, pods: 29 });
  });

  it("marks uninitialized Karpenter nodes in flight, with their NodePool's startup taints, and disrupted ones for deletion", () => {
    const c = build(
      [
        "apiVersion: karpenter.sh/v1\nkind: NodePool\nmetadata: {name: default}\nspec:\n  template:\n    spec:\n      requirements: []\n      startupTaints: [{key: agent.io/not-ready, effect: NoSchedule}]\n      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: d}\n",
        node("new", { "karpenter.sh/nodepool": "default" }), node("going", { "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true" }, "spec:\n  taints: [{key: karpenter.sh/disrupted, effect: NoSchedule}]\n")].join("---\n"),
    );
    assert.deepEqual(c.existingNodes[0]!.startupTaints, [{ key: "agent.io/not-ready", effect: "NoSchedule" }]);
    assert.equal(c.existingNodes[1]!.startupTaints, undefined);
    assert.deepEqual(
      c.existingNodes.map((n) => [n.name, n.inFlight, n.markedForDeletion]),
      [
        ["new", true, false],
        ["going", false, true],
      ],
    );
  });

  it("gives pods a namespace and uid, and skips finished pods and pending DaemonSet pods", () => {
    const c = build([pod("done", "", "", "Succeeded"), pod("ds-pod", "", owner("DaemonSet", "agent")), pod("p")].join("---\n"));
    assert.deepEqual(names(c.pendingPods), ["p"]);
    assert.equal(c.pendingPods[0]!.metadata!.namespace, "default");
    assert.match(c.pendingPods[0]!.metadata!.uid!, /^[0-9a-f-]{36}$/);
    assert.equal(c.warnings.length, 1);
    assert.match(c.warnings[0]!, /default\/ds-pod belongs to a DaemonSet/);
  });

  it("warns about pods bound to nodes it does not know", () => {
    const c = build(pod("lost", "  nodeName: elsewhere\n", "", "Running"));
    assert.deepEqual(c.pendingPods, []);
    assert.match(c.warnings[0]!, /default\/lost is bound to node "elsewhere", which is not in the input/);
  });

  it("adds only the pods a workload is missing, and leaves a Deployment's ReplicaSet to the Deployment", () => {
    const template = "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c}]}\n";
    const c = build(
      [
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n${template}`,
        `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-abc\n  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d, controller: true}]\nspec:\n  replicas: 3\n${template}`,
        pod("web-abc-1", "  nodeName: n1\n", `  labels: {app: web, pod-template-hash: abc}\n${owner("ReplicaSet", "web-abc")}`, "Running"),
        node("n1"),
      ].join("---\n"),
    );
    assert.equal(c.pendingPods.length, 2);
    for (const p of c.pendingPods) assert.match(p.metadata!.name!, /^web-/);
  });

  it("creates a StatefulSet's claims and keeps the ones the input has", () => {
    const c = build(
      [
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: db}}\n  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c}]}}\n  volumeClaimTemplates: [{metadata: {name: data}, spec: {storageClassName: gp3}}]\n",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data-db-0}\nspec: {storageClassName: gp3, volumeName: pv0}\n",
      ].join("---\n"),
    );
    assert.deepEqual(names(c.pendingPods), ["db-0", "db-1"]);
    assert.deepEqual(names(c.volumes.claims), ["data-db-0", "data-db-1"]);
    assert.equal(c.volumes.claims[0]!.spec!.volumeName, "pv0");
  });
});
