// The provisioner against a real API server and kube-scheduler (which marks pods Unschedulable), with
// the real EC2NodeClass and NodePool controllers making the pools Ready and the in-memory cloud
// provider offering instance types. Nothing launches: NodeClaims stay in flight, which is exactly
// the window in which duplicates would be made.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CoreV1Event, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import type { NodeClaim, NodePool } from "../../../src/apis/index.js";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/index.js";
import { nodePoolHash } from "../../../src/controllers/nodepool/index.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import {
  EC2NodeClassesAPI,
  type Harness,
  NodeClaimsAPI,
  NodePoolsAPI,
  create,
  ec2NodeClass,
  events,
  get,
  listNodeClaims,
  nodePool,
  startHarness,
  waitForCondition,
} from "../nodepool/fixtures.js";

const NS = "provisioning";
const types = [
  fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1 }),
  fakeInstanceType({ name: "fake.xlarge", cpu: 4, memoryMiB: 16384, price: 0.2 }),
  fakeInstanceType({ name: "fake.2xlarge", cpu: 8, memoryMiB: 32768, price: 0.4 }),
];

/** Events tenon wrote (kube-scheduler writes FailedScheduling events of its own). */
const ours = (e: CoreV1Event): boolean => e.reportingComponent === "karpenter";

function pod(name: string, team: string, cpu: string): V1Pod {
  return {
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      nodeSelector: { team },
      containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu, memory: "512Mi" } } }],
      terminationGracePeriodSeconds: 0,
    },
  };
}

describe("Provisioner", () => {
  const cluster = useControlPlane({ scheduler: true });
  let h: Harness;

  const unschedulable = (name: string) =>
    waitFor(
      `pod ${name} Unschedulable`,
      async () => {
        const p = await h.kube.core.readNamespacedPod({ namespace: NS, name });
        return p.status?.conditions?.some((c) => c.type === "PodScheduled" && c.reason === "Unschedulable") ? p : undefined;
      },
      { timeoutMs: 30_000 },
    );

  const podEvent = (name: string, reason: string, match: RegExp = /./) =>
    waitFor(`a ${reason} event on pod ${name}`, async () => (await events(h.kube, NS, name)).find((e) => ours(e) && e.reason === reason && match.test(e.message ?? "")), { timeoutMs: 30_000 });

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, {
      instanceTypes: types,
      batchIdleDurationMs: 300,
      batchMaxDurationMs: 3000,
      // What the scheduled scale-to-zero check passes in.
      nodePoolAllowed: (np) => (np.metadata.name === "sleepy" ? { reason: "asleep until 08:00 UTC (scheduled scale-to-zero)" } : true),
    });
    await h.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("default"));
    await create(
      h.kube,
      NodePoolsAPI,
      nodePool(
        "general",
        { weight: 10 },
        {
          metadata: { labels: { team: "general" }, annotations: { "example.com/owner": "platform" } },
          spec: {
            requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }],
            startupTaints: [{ key: "example.com/agent-not-ready", effect: "NoSchedule" }],
            expireAfter: "24h",
          },
        },
      ),
    );
    await create(h.kube, NodePoolsAPI, nodePool("limited", { limits: { cpu: "4" } }, { metadata: { labels: { team: "limited" } } }));
    await create(h.kube, NodePoolsAPI, nodePool("sleepy", {}, { metadata: { labels: { team: "sleepy" } } }));
    for (const name of ["general", "limited", "sleepy"]) await waitForCondition<NodePool>(h.kube, NodePoolsAPI, name, "Ready", "True", 30_000);
  });
  after(() => h?.stop());

  it("turns pending pods into a NodeClaim labelled, annotated, owned and constrained by its NodePool", async () => {
    for (const name of ["web-1", "web-2", "web-3"]) await h.kube.core.createNamespacedPod({ namespace: NS, body: pod(name, "general", "1") });
    for (const name of ["web-1", "web-2", "web-3"]) await unschedulable(name);
    const claims = await waitFor("a NodeClaim for the pods", async () => {
      const cs = await listNodeClaims(h.kube, "general");
      return cs.length > 0 ? cs : undefined;
    }, { timeoutMs: 30_000 });
    assert.equal(claims.length, 1, "three 1-cpu pods fit one node");
    const claim = claims[0]!;
    const pool = h.state.nodePools.get("general")!;
    assert.match(claim.metadata.name ?? "", /^general-[a-z0-9]{5}$/);
    assert.deepEqual(claim.metadata.labels, { team: "general", "karpenter.sh/nodepool": "general", "karpenter.sh/capacity-type": "on-demand" });
    assert.equal(claim.metadata.annotations?.["example.com/owner"], "platform");
    assert.equal(claim.metadata.annotations?.["karpenter.sh/nodepool-hash"], nodePoolHash(pool));
    assert.equal(claim.metadata.annotations?.["karpenter.sh/nodepool-hash-version"], "tenon-v1");
    assert.deepEqual(claim.metadata.ownerReferences, [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "general", uid: pool.metadata.uid, blockOwnerDeletion: true }]);
    const req = new Map(claim.spec.requirements.map((r) => [r.key, r]));
    assert.deepEqual(req.get("karpenter.sh/nodepool")?.values, ["general"]);
    assert.deepEqual(req.get("karpenter.sh/capacity-type")?.values, ["on-demand"]);
    assert.equal(req.get("node.kubernetes.io/instance-type")?.operator, "In");
    assert.ok((req.get("node.kubernetes.io/instance-type")?.values ?? []).includes("fake.xlarge"), "a type that fits 3 cpu is offered");
    assert.ok(!(req.get("node.kubernetes.io/instance-type")?.values ?? []).includes("fake.large"), "a type too small for the pods is not");
    assert.ok(!req.has("kubernetes.io/hostname"));
    assert.match(String(claim.spec.resources?.requests?.cpu), /^3(000m)?$/);
    assert.deepEqual(claim.spec.startupTaints, [{ key: "example.com/agent-not-ready", effect: "NoSchedule" }]);
    assert.equal(claim.spec.expireAfter, "24h");
    assert.deepEqual(claim.spec.nodeClassRef, { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" });
    await podEvent("web-1", "Nominated", new RegExp(`^Pod should schedule on: nodeclaim/${claim.metadata.name}$`));
    const created = await h.registry.getSingleMetricAsString("karpenter_nodeclaims_created_total");
    assert.match(created, /karpenter_nodeclaims_created_total\{reason="provisioning",nodepool="general",capacity_type="on-demand",min_values_relaxed="false"\} 1$/m);
    assert.match(await h.registry.getSingleMetricAsString("karpenter_provisioner_scheduling_duration_seconds"), /_count\{controller="provisioner"\} [1-9]/);
    assert.match(await h.registry.getSingleMetricAsString("karpenter_scheduler_scheduling_duration_seconds"), /_count\{controller="provisioner"\} [1-9]/);
  });

  it("never makes a second NodeClaim for pods already planned, across batches", async () => {
    const before = (await listNodeClaims(h.kube, "general")).map((c) => c.metadata.name);
    // More batches: a trigger, and a pod that fits the in-flight claim's room.
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("web-4", "general", "100m") });
    await unschedulable("web-4");
    await podEvent("web-4", "Nominated", new RegExp(`nodeclaim/${before[0]}$`));
    for (let i = 0; i < 3; i++) {
      const passes = h.provisioner!.passes;
      h.provisioner!.trigger();
      await waitFor("another provisioning pass", async () => (h.provisioner!.passes > passes ? true : undefined), { timeoutMs: 15_000 });
    }
    const after = (await listNodeClaims(h.kube, "general")).map((c) => c.metadata.name);
    assert.deepEqual(after, before);
  });

  it("plans again for nominated pods once their claim's node turns out to hold fewer of them", async () => {
    // Regression: pods planned onto a claim were skipped until the claim had a node, and nothing
    // looked at them again after that, so pods the node could not take stayed Pending forever.
    for (const name of ["fit-1", "fit-2"]) await h.kube.core.createNamespacedPod({ namespace: NS, body: pod(name, "fitting", "1") });
    await create(h.kube, NodePoolsAPI, nodePool("fitting", {}, { metadata: { labels: { team: "fitting" } } }));
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "fitting", "Ready", "True", 30_000);
    const [claim] = await waitFor("a NodeClaim for both pods", async () => {
      const cs = await listNodeClaims(h.kube, "fitting");
      return cs.length > 0 ? cs : undefined;
    }, { timeoutMs: 30_000 });
    await podEvent("fit-2", "Nominated");
    // The claim's node registers with room for one of the two pods only.
    const nodeName = "fitting-node";
    await h.kube.core.createNode({ body: { metadata: { name: nodeName, labels: { "kubernetes.io/hostname": nodeName, team: "fitting", "karpenter.sh/nodepool": "fitting" } }, spec: { providerID: "fake:///fitting-node" } } });
    await h.kube.core.patchNodeStatus(
      { name: nodeName, body: { status: { capacity: { cpu: "1", memory: "8Gi", pods: "10" }, allocatable: { cpu: "1", memory: "8Gi", pods: "10" }, conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "ready", lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }] } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    await h.kube.customObjects.patchClusterCustomObjectStatus(
      { ...NodeClaimsAPI, name: claim!.metadata.name!, body: { status: { nodeName, providerID: "fake:///fitting-node" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const second = await waitFor("a second NodeClaim for the pod the node could not take", async () => {
      const cs = await listNodeClaims(h.kube, "fitting");
      return cs.length > 1 ? cs.find((c) => c.metadata.name !== claim!.metadata.name) : undefined;
    }, { timeoutMs: 40_000 });
    assert.ok(second);
  });

  it("stops at the NodePool's limits and says so on the pods left out", async () => {
    // 3 × 1.5 cpu: one 4-cpu node holds two; a second node would pass the 4-cpu limit.
    for (const name of ["lim-1", "lim-2", "lim-3"]) await h.kube.core.createNamespacedPod({ namespace: NS, body: pod(name, "limited", "1500m") });
    const failed = await waitFor(
      "a FailedScheduling event naming the limit",
      async () => {
        for (const name of ["lim-1", "lim-2", "lim-3"]) {
          const e = (await events(h.kube, NS, name)).find((x) => ours(x) && x.reason === "FailedScheduling");
          if (e) return e;
        }
        return undefined;
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(failed.type, "Warning");
    assert.match(failed.message ?? "", /^Failed to schedule pod, .*nodepool "limited".*limit/);
    const claims: NodeClaim[] = await listNodeClaims(h.kube, "limited");
    assert.equal(claims.length, 1);
    // Every type listed keeps the pool within its limit.
    const listed = claims[0]!.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values ?? [];
    assert.deepEqual(listed, ["fake.xlarge"]);
  });

  it("tells a pod no NodePool can ever fit why, in a FailedScheduling event", async () => {
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("huge", "general", "64") });
    const e = await podEvent("huge", "FailedScheduling");
    assert.match(e.message ?? "", /^Failed to schedule pod, .*nodepool "general": /);
    assert.match(e.message ?? "", /cpu/);
    assert.match(e.message ?? "", /nodepool "limited"/, "the other pools' reasons are there too");
    assert.match(e.message ?? "", /nodepool "sleepy": asleep until 08:00 UTC/);
    assert.equal((await listNodeClaims(h.kube)).filter((c) => c.spec.resources?.requests?.cpu === "64").length, 0);
    assert.ok(await get(h.kube, NodePoolsAPI, "general"));
  });

  it("leaves out NodePools the scale-to-zero hook rejects, and says why", async () => {
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("night-owl", "sleepy", "100m") });
    const e = await podEvent("night-owl", "FailedScheduling");
    assert.match(e.message ?? "", /nodepool "sleepy": asleep until 08:00 UTC \(scheduled scale-to-zero\)/);
    assert.equal((await listNodeClaims(h.kube, "sleepy")).length, 0);
  });

  // Regression: one NodePool with limits.cpu "1e1.5" (the CRD pattern admits it) made solve() throw,
  // and no NodePool got a plan.
  it("plans for the other NodePools when one cannot be read, and tells the pods about it", async () => {
    await create(h.kube, NodePoolsAPI, nodePool("unreadable", { weight: 100, limits: { cpu: "1e1.5" } }, { metadata: { labels: { team: "general" } } }));
    await waitFor("the cache to set it aside", async () => (h.state.nodePools.rejected().some((r) => r.name === "unreadable") ? true : undefined), { timeoutMs: 15_000 });
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("despite", "general", "500m") });
    // Planned onto the general pool's capacity (a new claim, or room an in-flight one already has).
    const nominated = await podEvent("despite", "Nominated");
    const target = /Pod should schedule on: (?:nodeclaim\/)?(\S+)/.exec(nominated.message ?? "")?.[1] ?? "";
    const claim = (await listNodeClaims(h.kube)).find((c) => nominated.message?.includes(c.metadata.name ?? "\0"));
    assert.ok(claim, `the pod is nominated to a NodeClaim (${target})`);
    assert.equal(claim.metadata.labels?.["karpenter.sh/nodepool"], "general");
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("too-big", "general", "64") });
    const e = await podEvent("too-big", "FailedScheduling", /nodepool "unreadable"/);
    assert.match(e.message ?? "", /nodepool "unreadable": invalid \(spec\.limits\.cpu: is not a quantity Kubernetes can read/);
  });

  it("says NoCompatibleInstanceTypes on a NodePool whose requirements leave no instance type, as Karpenter does", async () => {
    await create(
      h.kube,
      NodePoolsAPI,
      nodePool("picky", {}, { metadata: { labels: { team: "picky" } }, spec: { requirements: [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["fake.nonexistent"] }] } }),
    );
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "picky", "Ready", "True", 30_000);
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("picky-pod", "picky", "100m") });
    const e = await waitFor(
      "a NoCompatibleInstanceTypes event on NodePool picky",
      async () => (await events(h.kube, "default", "picky")).find((x) => ours(x) && x.reason === "NoCompatibleInstanceTypes"),
      { timeoutMs: 30_000 },
    );
    assert.equal(e.type, "Warning");
    assert.equal(e.involvedObject.kind, "NodePool");
    assert.equal(e.message, "NodePool requirements filtered out all compatible available instance types");
    // tenon's richer explanation stays on the pod.
    const why = await podEvent("picky-pod", "FailedScheduling", /nodepool "picky": its requirements leave none of its node class's instance types/);
    assert.ok(why);
    assert.equal((await listNodeClaims(h.kube, "picky")).length, 0);
  });
});
