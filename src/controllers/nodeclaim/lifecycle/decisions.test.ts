// The lifecycle's pure decisions: what a launch records, how a node is adopted, when it is
// initialized, when a claim is given up on, and the termination deadline.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Node, V1Taint } from "@kubernetes/client-node";
import type { Condition } from "../../../apis/common.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { FakeClock } from "../../runtime/clock.js";
import { initializationCheck } from "./initialization.js";
import { populateLaunched } from "./launch.js";
import { livenessDecision } from "./liveness.js";
import { joinHooks, mergeTaints, missingUnregisteredTaint, registeredNode, registrationProblem, syncedNode } from "./registration.js";
import { formatRFC3339, terminationDeadline, terminationTimestampToWrite } from "./termination.js";

function claim(over: { metadata?: Partial<NodeClaim["metadata"]>; spec?: Partial<NodeClaim["spec"]>; status?: NodeClaim["status"] } = {}): NodeClaim {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name: "default-abc", uid: "uid-1", creationTimestamp: "2026-01-01T00:00:00Z", labels: { "karpenter.sh/nodepool": "default" }, ...over.metadata },
    spec: {
      requirements: [
        { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m5.xlarge"] },
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
        { key: "team", operator: "In", values: ["a"] },
      ],
      nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
      expireAfter: "720h",
      ...over.spec,
    },
    ...(over.status ? { status: over.status } : {}),
  };
}

const cond = (type: string, status: Condition["status"], at = "2026-01-01T00:00:00Z"): Condition => ({ type, status, reason: type, message: "", lastTransitionTime: at });

function node(over: { labels?: Record<string, string>; taints?: V1Taint[]; ready?: string; allocatable?: Record<string, string> } = {}): V1Node {
  return {
    metadata: { name: "ip-10-0-0-1", uid: "node-uid", labels: over.labels ?? {}, resourceVersion: "7" },
    spec: { providerID: "aws:///us-east-1a/i-1", taints: over.taints ?? [] },
    status: {
      conditions: over.ready ? [{ type: "Ready", status: over.ready }] : [],
      allocatable: over.allocatable ?? { cpu: "2", memory: "8Gi", pods: "29" },
    },
  };
}

describe("populateLaunched", () => {
  it("takes the provider's labels, lets single-valued requirements and the claim's own labels win, and fills status", () => {
    const created = claim({
      metadata: { labels: { "node.kubernetes.io/instance-type": "m5.large", "karpenter.sh/capacity-type": "spot", "topology.kubernetes.io/zone": "us-east-1a" }, annotations: { "karpenter.k8s.aws/ec2nodeclass-hash": "123" } },
      status: { providerID: "aws:///us-east-1a/i-1", imageID: "ami-1", capacity: { cpu: "2" }, allocatable: { cpu: "1930m" } },
    });
    const out = populateLaunched(claim({ metadata: { labels: { "karpenter.sh/nodepool": "default", team: "override" } } }), created);
    assert.equal(out.metadata.labels!["node.kubernetes.io/instance-type"], "m5.large", "from the provider (the requirement has two values)");
    assert.equal(out.metadata.labels!["karpenter.sh/capacity-type"], "on-demand", "a single-valued requirement beats the provider");
    assert.equal(out.metadata.labels!.team, "override", "the claim's own label beats its requirement");
    assert.equal(out.metadata.labels!["topology.kubernetes.io/zone"], "us-east-1a");
    assert.equal(out.metadata.annotations!["karpenter.k8s.aws/ec2nodeclass-hash"], "123");
    assert.deepEqual(out.status, { providerID: "aws:///us-east-1a/i-1", imageID: "ami-1", capacity: { cpu: "2" }, allocatable: { cpu: "1930m" } });
  });
});

describe("registration", () => {
  it("needs exactly one node", () => {
    assert.equal(registrationProblem([])?.reason, "NodeNotFound");
    assert.equal(registrationProblem([node(), node()])?.reason, "MultipleNodesFound");
    assert.equal(registrationProblem([node({ taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] })]), undefined);
    assert.equal(registrationProblem([node({ labels: { "karpenter.sh/registered": "true" } })]), undefined);
    assert.equal(registrationProblem([node()]), undefined, "a node without the unregistered taint is registered anyway (Karpenter v1.14)");
  });

  it("warns of a node that came up without karpenter.sh/unregistered:NoExecute and was not registered yet", () => {
    assert.equal(missingUnregisteredTaint(node()), true);
    assert.equal(missingUnregisteredTaint(node({ taints: [{ key: "karpenter.sh/unregistered", effect: "NoSchedule" }] })), true, "only the NoExecute taint counts");
    assert.equal(missingUnregisteredTaint(node({ taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] })), false);
    assert.equal(missingUnregisteredTaint(node({ labels: { "karpenter.sh/registered": "true" } })), false, "once registered the taint is gone on purpose");
  });

  it("syncs labels, annotations, finalizer, owner and taints, and drops the unregistered taint", () => {
    const c = claim({
      metadata: { labels: { "karpenter.sh/nodepool": "default" }, annotations: { "karpenter.sh/nodepool-hash": "9" } },
      spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }], startupTaints: [{ key: "cni-not-ready", effect: "NoSchedule" }] },
    });
    const n = node({ labels: { "kubernetes.io/hostname": "ip-10-0-0-1" }, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }, { key: "dedicated", value: "other", effect: "NoSchedule" }] });
    const sync = registeredNode(c, n);
    assert.equal(sync.changed, true);
    assert.deepEqual(sync.labels, { "kubernetes.io/hostname": "ip-10-0-0-1", "karpenter.sh/nodepool": "default", "karpenter.sh/registered": "true" });
    assert.deepEqual(sync.annotations, { "karpenter.sh/nodepool-hash": "9" });
    assert.deepEqual(sync.finalizers, ["karpenter.sh/termination"]);
    assert.deepEqual(sync.ownerReferences, [{ apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "default-abc", uid: "uid-1", blockOwnerDeletion: true }]);
    // The node's own dedicated:NoSchedule taint (same key and effect) is kept, not duplicated.
    assert.deepEqual(sync.taints, [{ key: "dedicated", value: "other", effect: "NoSchedule" }, { key: "cni-not-ready", effect: "NoSchedule" }]);
    // Applying it again changes nothing.
    const synced: V1Node = { ...n, metadata: { ...n.metadata, labels: sync.labels, annotations: sync.annotations, finalizers: sync.finalizers, ownerReferences: sync.ownerReferences }, spec: { ...n.spec, taints: sync.taints } };
    assert.equal(registeredNode(c, synced).changed, false);
  });

  it("leaves a node labelled karpenter.sh/do-not-sync-taints=true its own taints, removing only the unregistered one", () => {
    const c = claim({ spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }], startupTaints: [{ key: "cni-not-ready", effect: "NoSchedule" }] } });
    const own = [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }, { key: "provider-managed", effect: "NoSchedule" }];
    assert.deepEqual(registeredNode(c, node({ labels: { "karpenter.sh/do-not-sync-taints": "true" }, taints: own })).taints, [{ key: "provider-managed", effect: "NoSchedule" }]);
    // Any other value syncs as usual.
    assert.equal(registeredNode(c, node({ labels: { "karpenter.sh/do-not-sync-taints": "false" }, taints: own })).taints.length, 3);
  });

  it("while a registration hook is pending, syncs all but the registered label, and the unregistered taint stays", () => {
    const c = claim({ metadata: { labels: { "karpenter.sh/nodepool": "default", "karpenter.k8s.aws/placement-group-partition": "" } }, spec: { taints: [{ key: "dedicated", value: "gpu", effect: "NoSchedule" }] } });
    const n = node({ taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] });
    const sync = syncedNode(c, n, false);
    assert.equal(sync.changed, true);
    assert.equal(sync.labels["karpenter.sh/registered"], undefined);
    assert.equal(sync.labels["karpenter.sh/nodepool"], "default");
    assert.deepEqual(sync.taints, [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }, { key: "dedicated", value: "gpu", effect: "NoSchedule" }]);
    assert.deepEqual(sync.finalizers, ["karpenter.sh/termination"]);
    const pendingSynced: V1Node = { ...n, metadata: { ...n.metadata, labels: sync.labels, annotations: sync.annotations, finalizers: sync.finalizers, ownerReferences: sync.ownerReferences }, spec: { ...n.spec, taints: sync.taints } };
    assert.equal(syncedNode(c, pendingSynced, false).changed, false, "a second pending reconcile writes nothing");
    assert.deepEqual(syncedNode(c, n, true), registeredNode(c, n));
  });

  it("joins registration hooks: done only when all are, with their labels; else the pending names, the shortest requeue, the errors", () => {
    assert.deepEqual(joinHooks([]), { done: true, labels: {} });
    assert.deepEqual(joinHooks([{ name: "a", result: { done: true, labels: { x: "1" } } }, { name: "b", result: { done: true } }]), { done: true, labels: { x: "1" } });
    assert.deepEqual(
      joinHooks([
        { name: "a", result: { done: false, requeueAfterMs: 5000 } },
        { name: "b", result: { done: true, labels: { x: "1" } } },
        { name: "c", result: { done: false, requeueAfterMs: 2000 } },
        { name: "d", result: { done: false } },
      ]),
      { done: false, pending: ["a", "c", "d"], errors: [], requeueAfterMs: 2000 },
    );
    assert.deepEqual(joinHooks([{ name: "a", result: { done: false } }]), { done: false, pending: ["a"], errors: [] }, "no requeue named: the lifecycle backs off");
    const failed = joinHooks([{ name: "a", error: new Error("boom") }, { name: "b", result: { done: true } }]);
    assert.equal(failed.done, false);
    if (!failed.done) {
      assert.deepEqual(failed.pending, ["a"], "a hook that threw is pending");
      assert.match(String(failed.errors[0]), /registration hook "a" failed: boom/);
    }
  });

  it("merges taints by key and effect", () => {
    assert.deepEqual(mergeTaints([{ key: "a", effect: "NoSchedule" }], [{ key: "a", effect: "NoExecute" }, { key: "a", value: "x", effect: "NoSchedule" }]), [
      { key: "a", effect: "NoSchedule" },
      { key: "a", effect: "NoExecute" },
    ]);
  });
});

describe("initializationCheck", () => {
  const registered = claim({
    spec: { startupTaints: [{ key: "cni-not-ready", effect: "NoSchedule" }], resources: { requests: { cpu: "1", "nvidia.com/gpu": "1", "example.com/zero": "0" } } },
    status: { conditions: [cond("Launched", "True"), cond("Registered", "True")] },
  });
  const gpuNode = (over: Parameters<typeof node>[0]) => node({ allocatable: { cpu: "4", "nvidia.com/gpu": "1" }, ready: "True", ...over });

  it("waits for registration, the node, readiness, startup and ephemeral taints, and requested resources", () => {
    const reason = (c: NodeClaim, n: V1Node | undefined) => {
      const r = initializationCheck(c, n);
      return r.initialized ? "initialized" : r.reason;
    };
    assert.equal(reason(claim(), gpuNode({})), "NotRegistered");
    assert.equal(reason(registered, undefined), "NodeNotFound");
    assert.equal(reason(registered, gpuNode({ ready: "False" })), "NodeNotReady");
    assert.equal(reason(registered, gpuNode({ taints: [{ key: "cni-not-ready", effect: "NoSchedule" }] })), "StartupTaintsExist");
    assert.equal(reason(registered, gpuNode({ taints: [{ key: "node.kubernetes.io/not-ready", effect: "NoSchedule" }] })), "KnownEphemeralTaintsExist");
    assert.equal(reason(registered, gpuNode({ allocatable: { cpu: "4", "nvidia.com/gpu": "0" } })), "ResourceNotRegistered");
    assert.equal(reason(registered, gpuNode({ allocatable: { cpu: "4" } })), "ResourceNotRegistered");
    // A startup taint with another effect is a different taint; a zero request needs nothing.
    assert.equal(reason(registered, gpuNode({ taints: [{ key: "cni-not-ready", effect: "NoExecute" }] })), "initialized");
  });
});

describe("livenessDecision", () => {
  const opts = { registrationTTLMs: 15 * 60_000, launchTimeoutMs: 5 * 60_000 };

  it("deletes a claim not registered within the TTL of its creation, and waits the rest otherwise", () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:00:00Z"));
    const launched = claim({ status: { conditions: [cond("Launched", "True")] } });
    clock.advance(10 * 60_000);
    assert.deepEqual(livenessDecision(launched, clock.now(), opts), { action: "requeue", afterMs: 5 * 60_000 });
    clock.advance(5 * 60_000);
    assert.deepEqual(livenessDecision(launched, clock.now(), opts), { action: "delete", reason: "registration_timeout", timeoutMs: opts.registrationTTLMs });
    const registered = claim({ status: { conditions: [cond("Launched", "True"), cond("Registered", "True")] } });
    assert.deepEqual(livenessDecision(registered, clock.now(), opts), { action: "none" });
  });

  it("deletes a claim whose launch has been failing since longer than the launch timeout", () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:01:00Z"));
    const failing = claim({ status: { conditions: [cond("Launched", "False", "2026-01-01T00:01:00Z")] } });
    clock.advance(60_000);
    assert.deepEqual(livenessDecision(failing, clock.now(), opts), { action: "requeue", afterMs: 4 * 60_000 });
    clock.advance(4 * 60_000);
    assert.equal(livenessDecision(failing, clock.now(), opts).action, "delete");
    assert.equal((livenessDecision(failing, clock.now(), opts) as { reason: string }).reason, "launch_timeout");
  });
});

describe("termination deadline", () => {
  it("is deletion time plus terminationGracePeriod, written once, in RFC 3339 seconds", () => {
    const deleting = claim({ metadata: { deletionTimestamp: "2026-01-01T10:00:00.250Z" }, spec: { terminationGracePeriod: "1h30m" } });
    assert.equal(terminationTimestampToWrite(deleting), "2026-01-01T11:30:00Z");
    assert.equal(terminationTimestampToWrite(claim({ spec: { terminationGracePeriod: "1h" } })), undefined, "not deleting");
    assert.equal(terminationTimestampToWrite(claim({ metadata: { deletionTimestamp: "2026-01-01T10:00:00Z" } })), undefined, "no grace period");
    const annotated = claim({ metadata: { deletionTimestamp: "2026-01-01T10:00:00Z", annotations: { "karpenter.sh/nodeclaim-termination-timestamp": "2026-01-01T10:05:00Z" } }, spec: { terminationGracePeriod: "1h" } });
    assert.equal(terminationTimestampToWrite(annotated), undefined, "already written");
    assert.equal(terminationDeadline(annotated), Date.parse("2026-01-01T10:05:00Z"));
    assert.equal(terminationDeadline(claim()), undefined);
    assert.throws(() => terminationDeadline(claim({ metadata: { annotations: { "karpenter.sh/nodeclaim-termination-timestamp": "soon" } } })), /RFC 3339/);
    assert.equal(formatRFC3339(Date.parse("2026-02-03T04:05:06.789Z")), "2026-02-03T04:05:06Z");
  });
});
