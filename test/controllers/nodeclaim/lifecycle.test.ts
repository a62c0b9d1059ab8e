// The NodeClaim lifecycle and garbage collection against a real API server, with the fake cloud
// provider behind the CloudProvider interface. Nodes are made by the test, as a kubelet would.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, type V1Taint, setHeaderOptions } from "@kubernetes/client-node";
import type { NodeClaim } from "../../../src/apis/nodeclaim.js";
import { NodeClassNotReadyError } from "../../../src/cloudprovider/errors.js";
import { newNodeClaimGarbageCollectionController } from "../../../src/controllers/nodeclaim/garbagecollection/controller.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import {
  type Harness,
  condition,
  createNodeClaim,
  deleteNodeClaimByName,
  metricValue,
  nodeClaimManifest,
  nodeClaimsAPI,
  readNode,
  readNodeClaim,
  startHarness,
  wait,
} from "./harness.js";

const unregistered: V1Taint = { key: "karpenter.sh/unregistered", effect: "NoExecute" };

describe("NodeClaim lifecycle and garbage collection", () => {
  const cluster = useControlPlane();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
  });
  after(() => h?.stop());

  /** A node as a kubelet registers it for the instance, then reports Ready with its allocatable. */
  async function registerNode(name: string, providerID: string, taints: V1Taint[] = [unregistered], labels: Record<string, string> = {}) {
    await h.core.createNode({ body: { metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } }, spec: { providerID, taints } } });
    const now = new Date();
    await h.core.patchNodeStatus(
      {
        name,
        body: {
          status: {
          conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
          capacity: { cpu: "2", memory: "8Gi", pods: "29" },
            allocatable: { cpu: "1930m", memory: "7Gi", pods: "29" },
          },
        },
      },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
  }

  it("launches a claim, registers its node and initializes it", async () => {
    const stop = h.run(newNodeClaimLifecycleController(h.deps));
    try {
      await createNodeClaim(
        h,
        nodeClaimManifest("lc-a", {
          taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }],
          startupTaints: [{ key: "example.com/agent-not-ready", effect: "NoSchedule" }],
          resources: { requests: { cpu: "1" } },
        }),
      );
      const launched = await wait("lc-a launched", async () => {
        const c = await readNodeClaim(h, "lc-a");
        return condition(c, "Launched")?.status === "True" ? c : undefined;
      });
      assert.deepEqual(launched.metadata.finalizers, ["karpenter.sh/termination"]);
      const providerID = launched.status!.providerID!;
      assert.match(providerID, /^fake:\/\/\/us-east-1[abc]\/i-fake/);
      assert.equal(launched.metadata.labels!["node.kubernetes.io/instance-type"], "m5.large");
      assert.equal(launched.metadata.labels!["karpenter.sh/capacity-type"], "on-demand");
      assert.ok(launched.metadata.labels!["topology.kubernetes.io/zone"]);
      assert.equal(launched.metadata.labels!["karpenter.sh/nodepool"], "default");
      assert.ok(launched.status!.allocatable?.cpu, "allocatable recorded");
      assert.equal(launched.status!.imageID, "ami-fake");
      assert.equal(condition(launched, "Registered")?.reason, "NodeNotFound");
      assert.equal(condition(launched, "Ready")?.status, "Unknown");

      await registerNode("lc-a-node", providerID);
      const registered = await wait("lc-a registered", async () => {
        const c = await readNodeClaim(h, "lc-a");
        return condition(c, "Registered")?.status === "True" ? c : undefined;
      });
      assert.equal(registered.status!.nodeName, "lc-a-node");
      const node = (await readNode(h, "lc-a-node"))!;
      assert.deepEqual(node.metadata!.finalizers, ["karpenter.sh/termination"]);
      assert.equal(node.metadata!.labels!["karpenter.sh/registered"], "true");
      assert.equal(node.metadata!.labels!["node.kubernetes.io/instance-type"], "m5.large");
      assert.equal(node.metadata!.labels!["karpenter.sh/nodepool"], "default");
      assert.equal(node.metadata!.labels!["kubernetes.io/hostname"], "lc-a-node", "the node's own labels are kept");
      assert.deepEqual(
        node.metadata!.ownerReferences!.map((o) => [o.kind, o.name, o.uid, o.blockOwnerDeletion]),
        [["NodeClaim", "lc-a", launched.metadata.uid, true]],
      );
      assert.deepEqual(
        (node.spec!.taints ?? []).map((t) => `${t.key}=${t.value ?? ""}:${t.effect}`).filter((t) => !t.startsWith("node.kubernetes.io/not-ready")),
        ["dedicated=infra:NoSchedule", "example.com/agent-not-ready=:NoSchedule"],
        "claim taints and startup taints added, unregistered taint removed",
      );

      // Ready, but the startup taint is still there: not initialized yet.
      const waiting = await wait("lc-a initialization evaluated", async () => {
        const c = await readNodeClaim(h, "lc-a");
        return condition(c, "Initialized")?.reason === "StartupTaintsExist" ? c : undefined;
      });
      assert.equal(condition(waiting, "Ready")?.status, "Unknown");

      // The agent removes its startup taint (and, as the node lifecycle controller would for a
      // Ready node, the not-ready taint the API server's admission put on it).
      await h.core.patchNode(
        { name: "lc-a-node", body: [{ op: "replace", path: "/spec/taints", value: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] }] },
      );
      const ready = await wait("lc-a initialized and Ready", async () => {
        const c = await readNodeClaim(h, "lc-a");
        return condition(c, "Ready")?.status === "True" ? c : undefined;
      });
      assert.equal(condition(ready, "Initialized")?.status, "True");
      assert.equal((await readNode(h, "lc-a-node"))!.metadata!.labels!["karpenter.sh/initialized"], "true");
      assert.equal(h.fake.calls.create.filter((c) => c.metadata.name === "lc-a").length, 1, "launched exactly once");
      assert.equal(await metricValue(h.registry, "karpenter_nodes_created_total", { nodepool: "default" }), 1);
    } finally {
      await stop();
    }
  });

  it("registers a node labelled karpenter.sh/do-not-sync-taints=true without the claim's taints, removing only the unregistered one", async () => {
    const stop = h.run(newNodeClaimLifecycleController(h.deps));
    try {
      await createNodeClaim(h, nodeClaimManifest("lc-nosync", { taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }], startupTaints: [{ key: "example.com/agent-not-ready", effect: "NoSchedule" }] }));
      const launched = await wait("lc-nosync launched", async () => {
        const c = await readNodeClaim(h, "lc-nosync");
        return condition(c, "Launched")?.status === "True" ? c : undefined;
      });
      await registerNode("lc-nosync-node", launched.status!.providerID!, [unregistered, { key: "provider.example.com/managed", effect: "NoSchedule" }], { "karpenter.sh/do-not-sync-taints": "true" });
      await wait("lc-nosync registered", async () => (condition(await readNodeClaim(h, "lc-nosync"), "Registered")?.status === "True" ? true : undefined));
      const node = (await readNode(h, "lc-nosync-node"))!;
      assert.equal(node.metadata!.labels!["karpenter.sh/registered"], "true");
      assert.deepEqual(
        (node.spec!.taints ?? []).map((t) => `${t.key}:${t.effect}`).filter((t) => !t.startsWith("node.kubernetes.io/not-ready")),
        ["provider.example.com/managed:NoSchedule"],
        "the node keeps its own taints; the claim's are not synced",
      );
    } finally {
      await stop();
    }
  });

  it("registers a node that came up without the unregistered taint, warning on its NodeClaim (UnregisteredTaintMissing)", async () => {
    const stop = h.run(newNodeClaimLifecycleController(h.deps));
    try {
      await createNodeClaim(h, nodeClaimManifest("lc-notaint", { taints: [{ key: "dedicated", value: "infra", effect: "NoSchedule" }] }));
      const launched = await wait("lc-notaint launched", async () => {
        const c = await readNodeClaim(h, "lc-notaint");
        return condition(c, "Launched")?.status === "True" ? c : undefined;
      });
      await registerNode("lc-notaint-node", launched.status!.providerID!, []);
      await wait("lc-notaint registered", async () => (condition(await readNodeClaim(h, "lc-notaint"), "Registered")?.status === "True" ? true : undefined));
      const node = (await readNode(h, "lc-notaint-node"))!;
      assert.equal(node.metadata!.labels!["karpenter.sh/registered"], "true");
      assert.ok((node.spec!.taints ?? []).some((t) => t.key === "dedicated" && t.effect === "NoSchedule"), "the claim's taints are synced as for any node");
      const ev = await wait("an UnregisteredTaintMissing Event", () => h.events.find((e) => e.involvedObject.name === "lc-notaint" && e.reason === "UnregisteredTaintMissing"));
      assert.equal(ev.type, "Warning");
      assert.equal(ev.involvedObject.kind, "NodeClaim");
      assert.equal(ev.message, "Missing karpenter.sh/unregistered taint which prevents registration related race conditions on Karpenter-managed nodes");
    } finally {
      await stop();
    }
  });

  it("deletes a claim the cloud has no capacity for, and keeps retrying while the node class is not ready", async () => {
    const stop = h.run(newNodeClaimLifecycleController(h.deps));
    try {
      h.fake.injectInsufficientCapacity({ instanceType: "m5.large" });
      await createNodeClaim(h, nodeClaimManifest("lc-ice"));
      await wait("lc-ice deleted", async () => ((await readNodeClaim(h, "lc-ice")) === undefined ? true : undefined));
      h.fake.insufficientCapacity = [];
      assert.ok(h.events.some((e) => e.reason === "InsufficientCapacityError" && e.involvedObject.name === "lc-ice"));
      assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "insufficient_capacity" }), 1);
      assert.equal(h.fake.calls.create.filter((c) => c.metadata.name === "lc-ice").length, 1, "not retried after deleting it");

      // Not ready for three attempts: retried (with backoff) without deleting the claim.
      for (let i = 0; i < 3; i++) h.fake.nextErrors.create.push(new NodeClassNotReadyError('EC2NodeClass "default": no subnets resolved'));
      await createNodeClaim(h, nodeClaimManifest("lc-notready"));
      const failed = await wait("lc-notready Launched=False", async () => {
        const c = await readNodeClaim(h, "lc-notready");
        return condition(c, "Launched")?.status === "False" ? c : undefined;
      });
      assert.equal(condition(failed, "Launched")?.reason, "NodeClassNotReady");
      assert.match(condition(failed, "Launched")!.message, /no subnets resolved/);
      await wait("lc-notready launched on retry", async () => (condition(await readNodeClaim(h, "lc-notready"), "Launched")?.status === "True" ? true : undefined));
      assert.equal(h.fake.calls.create.filter((c) => c.metadata.name === "lc-notready").length, 4);
      assert.ok(h.events.some((e) => e.reason === "NodeClassNotReady" && e.involvedObject.name === "lc-notready"));
      await deleteNodeClaimByName(h, "lc-notready");
      await wait("lc-notready finalized", async () => ((await readNodeClaim(h, "lc-notready")) === undefined ? true : undefined));
    } finally {
      await stop();
    }
  });

  it("deletes a claim whose node never registers, and terminates its instance", async () => {
    const stop = h.run(newNodeClaimLifecycleController(h.deps, { registrationTTLMs: 3000 }));
    try {
      await createNodeClaim(h, nodeClaimManifest("lc-lost"));
      const launched = await wait("lc-lost launched", async () => {
        const c = await readNodeClaim(h, "lc-lost");
        return c?.status?.providerID ? c : undefined;
      });
      await wait("lc-lost deleted for registration timeout", async () => ((await readNodeClaim(h, "lc-lost")) === undefined ? true : undefined));
      assert.ok(h.fake.calls.delete.some((c) => c.status?.providerID === launched.status!.providerID), "instance terminated before the finalizer went");
      assert.equal(h.fake.instances.get(launched.status!.providerID!)?.terminated, true);
      assert.ok(h.events.some((e) => e.reason === "RegistrationTimeout" && e.involvedObject.name === "lc-lost"));
      assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "registration_timeout" }), 1);
      assert.ok((await metricValue(h.registry, "karpenter_nodeclaims_terminated_total", { nodepool: "default" })) >= 1);
    } finally {
      await stop();
    }
  });

  it("garbage-collects orphaned instances and claims whose instance vanished, never an in-flight launch", async () => {
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    const instance = (name: string, id: string, creationTimestamp: string): NodeClaim => ({
      ...nodeClaimManifest(name),
      metadata: { name, creationTimestamp, labels: { "karpenter.sh/nodepool": "default" } },
      spec: { ...nodeClaimManifest(name).spec, expireAfter: "720h" },
      status: { providerID: `aws:///us-east-1a/${id}` },
    });
    // No claim of that name: leaked. Its claim exists but has no provider ID: a launch in flight
    // (or crashed between CreateFleet and the status write). Too young to judge.
    h.fake.instances.set("aws:///us-east-1a/i-ghost", { claim: instance("gc-ghost", "i-ghost", old), terminated: false });
    h.fake.instances.set("aws:///us-east-1a/i-inflight", { claim: instance("gc-inflight", "i-inflight", old), terminated: false });
    h.fake.instances.set("aws:///us-east-1a/i-young", { claim: instance("gc-young", "i-young", new Date().toISOString()), terminated: false });
    await h.core.createNode({ body: { metadata: { name: "gc-ghost-node" }, spec: { providerID: "aws:///us-east-1a/i-ghost" } } });
    await createNodeClaim(h, nodeClaimManifest("gc-inflight"));
    // A launched claim whose instance is gone.
    await createNodeClaim(h, nodeClaimManifest("gc-vanished"));
    await h.custom.patchClusterCustomObjectStatus(
      {
        ...nodeClaimsAPI,
        name: "gc-vanished",
        body: [
          {
            op: "add",
            path: "/status",
            value: { providerID: "aws:///us-east-1a/i-vanished", conditions: [{ type: "Launched", status: "True", reason: "Launched", message: "", lastTransitionTime: old }] },
          },
        ],
      },
    );
    await wait("the cache to see every claim", () => (h.state.nodeClaims.get("gc-vanished")?.status?.providerID && h.state.nodeClaims.get("gc-inflight") ? true : undefined));

    const stopGC = h.run(newNodeClaimGarbageCollectionController(h.deps, { intervalMs: 500 }));
    try {
      await wait("i-ghost terminated", () => (h.fake.instances.get("aws:///us-east-1a/i-ghost")?.terminated ? true : undefined));
      await wait("gc-vanished deleted", async () => ((await readNodeClaim(h, "gc-vanished")) === undefined ? true : undefined));
      await wait("the orphan's node deleted", async () => ((await readNode(h, "gc-ghost-node")) === undefined ? true : undefined));
      const listsBefore = h.fake.calls.list;
      await wait("another pass", () => (h.fake.calls.list >= listsBefore + 2 ? true : undefined));
      assert.equal(h.fake.instances.get("aws:///us-east-1a/i-inflight")?.terminated, false, "in-flight launch kept");
      assert.equal(h.fake.instances.get("aws:///us-east-1a/i-young")?.terminated, false, "young instance kept");
      assert.ok((await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "garbage_collected" })) >= 1);

      // The lifecycle heals the in-flight launch by finding the instance by its tag.
      const stop = h.run(newNodeClaimLifecycleController(h.deps));
      try {
        const healed = await wait("gc-inflight launched", async () => {
          const c = await readNodeClaim(h, "gc-inflight");
          return c?.status?.providerID ? c : undefined;
        });
        assert.equal(healed.status!.providerID, "aws:///us-east-1a/i-inflight", "adopted the instance it had launched, not a second one");
        const listsNow = h.fake.calls.list;
        await wait("another GC pass", () => (h.fake.calls.list >= listsNow + 2 ? true : undefined));
        assert.equal(h.fake.instances.get("aws:///us-east-1a/i-inflight")?.terminated, false);
      } finally {
        await stop();
      }
    } finally {
      await stopGC();
    }
  });

  // Regression: a NodeClaim whose status the CRD admits but tenon cannot read (capacity "1e1.5")
  // vanished from the cache, so its instance looked orphaned and was terminated.
  it("never collects the instance of a NodeClaim it cannot read; the claim is set aside and named", async () => {
    const old = new Date(Date.now() - 5 * 60_000).toISOString();
    const providerID = "aws:///us-east-1a/i-unreadable";
    h.fake.instances.set(providerID, {
      claim: { ...nodeClaimManifest("gc-unreadable"), metadata: { name: "gc-unreadable", creationTimestamp: old }, spec: { ...nodeClaimManifest("gc-unreadable").spec, expireAfter: "720h" }, status: { providerID } },
      terminated: false,
    });
    await createNodeClaim(h, nodeClaimManifest("gc-unreadable"));
    await h.custom.patchClusterCustomObjectStatus({
      ...nodeClaimsAPI,
      name: "gc-unreadable",
      body: [{ op: "add", path: "/status", value: { providerID, capacity: { cpu: "1e1.5" } } }],
    });
    const rejected = await wait("the cache to set the claim aside", () => h.state.nodeClaims.rejected().find((r) => r.name === "gc-unreadable"));
    assert.equal(rejected.field, "status.capacity.cpu");
    const stopGC = h.run(newNodeClaimGarbageCollectionController(h.deps, { intervalMs: 200, minInstanceAgeMs: 0 }), newNodeClaimLifecycleController(h.deps));
    try {
      const ev = await wait("an Event naming the unreadable field", () => h.events.find((e) => e.involvedObject.name === "gc-unreadable" && e.reason === "NodeClaimValidationFailed"));
      assert.equal(ev.type, "Warning");
      assert.match(ev.message, /status\.capacity\.cpu: is not a quantity Kubernetes can read/);
      const lists = h.fake.calls.list;
      await wait("three GC passes", () => (h.fake.calls.list >= lists + 3 ? true : undefined));
      assert.equal(h.fake.instances.get(providerID)?.terminated, false, "the unreadable claim's instance is kept");
      assert.ok(await h.custom.getClusterCustomObject({ ...nodeClaimsAPI, name: "gc-unreadable" }), "the claim itself is kept");
    } finally {
      await stopGC();
    }
  });
});
