// Node termination end to end against a real API server, with kwok playing the kubelets (it
// runs the pods and finishes their deletion) and the fake cloud provider behind the interface.
// The NodeClaim lifecycle runs too: it registers the nodes and owns the claims' finalization.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, PolicyV1Api, StorageV1Api, type V1Pod, setHeaderOptions } from "@kubernetes/client-node";
import { newNodeTerminationController } from "../../../src/controllers/node/termination/controller.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import {
  type Harness,
  condition,
  createNodeClaim,
  deleteNodeClaimByName,
  metricValue,
  nodeClaimManifest,
  readNode,
  readNodeClaim,
  startHarness,
  wait,
} from "../nodeclaim/harness.js";

const ns = "drain";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("node termination", () => {
  const cluster = useControlPlane({ kwok: true });
  let h: Harness;
  let policy: PolicyV1Api;
  let storage: StorageV1Api;
  let stop: () => Promise<void>;
  let termination: ReturnType<typeof newNodeTerminationController>;
  const deletedPods: string[] = [];

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    policy = kc.makeApiClient(PolicyV1Api);
    storage = kc.makeApiClient(StorageV1Api);
    await h.core.createNamespace({ body: { metadata: { name: ns } } });
    h.state.pods.on((event, pod) => {
      if (event === "delete") deletedPods.push(pod.metadata!.name!);
    });
    termination = newNodeTerminationController(h.deps, { evictionBackoff: { baseMs: 200, maxMs: 2000 } });
    stop = h.run(newNodeClaimLifecycleController(h.deps), termination);
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  /** Launches a claim and brings up its kwok node; resolves once the claim is registered. */
  async function launchedNode(claimName: string, spec: Parameters<typeof nodeClaimManifest>[1] = {}): Promise<{ nodeName: string; providerID: string }> {
    await createNodeClaim(h, nodeClaimManifest(claimName, spec));
    const providerID = await wait(`${claimName} launched`, async () => (await readNodeClaim(h, claimName))?.status?.providerID);
    const nodeName = `${claimName}-node`;
    await h.core.createNode({
      body: {
        metadata: { name: nodeName, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE }, labels: { "kubernetes.io/hostname": nodeName } },
        spec: { providerID, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] },
      },
    });
    await wait(`${claimName} registered`, async () => (condition(await readNodeClaim(h, claimName), "Registered")?.status === "True" ? true : undefined));
    return { nodeName, providerID };
  }

  function pod(name: string, nodeName: string, extra: { labels?: Record<string, string>; daemonSet?: boolean; tolerateDisrupted?: boolean; doNotDisrupt?: boolean; grace?: number } = {}): V1Pod {
    return {
      metadata: {
        name,
        namespace: ns,
        labels: extra.labels ?? {},
        ...(extra.doNotDisrupt ? { annotations: { "karpenter.sh/do-not-disrupt": "true" } } : {}),
        ...(extra.daemonSet ? { ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "00000000-0000-0000-0000-00000000da00" }] } : {}),
      },
      spec: {
        nodeName,
        containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }],
        terminationGracePeriodSeconds: extra.grace ?? 30,
        ...(extra.tolerateDisrupted ? { tolerations: [{ key: "karpenter.sh/disrupted", operator: "Exists", effect: "NoSchedule" }] } : {}),
      },
    };
  }

  async function runningPods(...pods: V1Pod[]): Promise<void> {
    for (const p of pods) await h.core.createNamespacedPod({ namespace: ns, body: p });
    await wait("pods running", () => (pods.every((p) => h.state.pods.get(p.metadata!.name!, ns)?.status?.phase === "Running") ? true : undefined));
  }

  const podExists = (name: string) => h.state.pods.get(name, ns) !== undefined;

  it("drains a deleted claim's node in order through evictions a PDB first refuses, waits for volumes, then terminates the instance", async () => {
    const { nodeName, providerID } = await launchedNode("tm-a");
    await runningPods(
      pod("web", nodeName, { labels: { app: "web" } }),
      pod("agent", nodeName, { daemonSet: true }),
      pod("tolerant", nodeName, { tolerateDisrupted: true }),
    );
    // Not yet processed by a disruption controller (none runs here): the Eviction API answers 429.
    await policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: "web" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "web" } } } } });
    await storage.createVolumeAttachment({
      body: { metadata: { name: "tm-a-volume" }, spec: { attacher: "ebs.csi.aws.com", nodeName, source: { persistentVolumeName: "pv-tm-a" } } },
    });

    // Every termination condition the claim passes through, as the watch sees them.
    const seen = new Set<string>();
    h.state.nodeClaims.on((_event, c) => {
      if (c.metadata.name !== "tm-a") return;
      for (const x of c.status?.conditions ?? []) if (["Drained", "VolumesDetached", "InstanceTerminating"].includes(x.type)) seen.add(`${x.type}=${x.status}/${x.reason}/${x.message}`);
    });
    await deleteNodeClaimByName(h, "tm-a");
    await wait("a PDB refusal", () => (h.events.some((e) => e.reason === "FailedDraining" && /web violates a PDB/.test(e.message)) ? true : undefined));
    const node = (await readNode(h, nodeName))!;
    assert.ok(node.metadata!.deletionTimestamp, "the claim's finalization deleted the node");
    assert.ok(node.spec!.taints!.some((t) => t.key === "karpenter.sh/disrupted" && t.effect === "NoSchedule"), "tainted disrupted:NoSchedule");
    assert.equal(node.metadata!.labels!["node.kubernetes.io/exclude-from-external-load-balancers"], "karpenter");
    // Refused again and again (not once by chance): the PDB holds web, and the DaemonSet pod waits for its group.
    await wait("web refused three times", () => (termination.evictions.attempts(h.state.pods.get("web", ns)!) >= 3 ? true : undefined));
    const draining = condition(await readNodeClaim(h, "tm-a"), "Drained");
    assert.deepEqual([draining?.status, draining?.reason, draining?.message], ["Unknown", "Draining", "Draining"], "Drained is Unknown while pods remain");
    assert.ok(podExists("web") && podExists("agent"), "the PDB holds web, and the DaemonSet pod waits for its group");
    assert.equal(h.fake.instances.get(providerID)!.terminated, false);

    // The budget allows one disruption now.
    await policy.patchNamespacedPodDisruptionBudgetStatus(
      { name: "web", namespace: ns, body: { status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } } },
      mergePatch,
    );
    await wait("web and agent evicted", () => (!podExists("web") && !podExists("agent") ? true : undefined));
    assert.ok(deletedPods.indexOf("web") < deletedPods.indexOf("agent"), "workload pods leave before DaemonSet pods");
    assert.ok(h.events.some((e) => e.reason === "Evicted" && e.involvedObject.name === "web"));
    assert.ok(h.events.some((e) => e.reason === "Evicted" && e.involvedObject.name === "agent"));

    await wait("the volume attachment blocking", () => (h.events.some((e) => e.reason === "AwaitingVolumeDetachment" && e.involvedObject.name === nodeName) ? true : undefined));
    assert.equal(h.fake.instances.get(providerID)!.terminated, false, "not terminated while a volume is attached");
    await wait("Drained True, VolumesDetached Unknown", async () => {
      const c = await readNodeClaim(h, "tm-a");
      const v = condition(c, "VolumesDetached");
      return condition(c, "Drained")?.status === "True" && v?.status === "Unknown" && v.reason === "AwaitingVolumeDetachment" ? true : undefined;
    });
    await storage.deleteVolumeAttachment({ name: "tm-a-volume" });

    await wait("node and claim gone", async () => ((await readNode(h, nodeName)) === undefined && (await readNodeClaim(h, "tm-a")) === undefined ? true : undefined));
    assert.equal(h.fake.instances.get(providerID)!.terminated, true, "instance terminated");
    // Karpenter's sequence: draining, drained, volumes awaited then detached, instance terminating.
    for (const want of ["Drained=Unknown/Draining/Draining", "Drained=True/Drained/", "VolumesDetached=Unknown/AwaitingVolumeDetachment/AwaitingVolumeDetachment", "VolumesDetached=True/VolumesDetached/", "InstanceTerminating=True/InstanceTerminating/"]) {
      assert.ok(seen.has(want), `the claim showed ${want} (saw ${[...seen].join(", ")})`);
    }
    assert.ok(podExists("tolerant") && !h.state.pods.get("tolerant", ns)!.metadata!.deletionTimestamp, "a pod tolerating the disrupted taint is not evicted");
    assert.equal(await metricValue(h.registry, "karpenter_nodes_terminated_total", { nodepool: "default" }), 1);
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_terminated_total", { nodepool: "default" }), 1);
  });

  it("terminates a Node deleted directly, holding a do-not-disrupt pod until the claim's grace period runs out", async () => {
    const { nodeName, providerID } = await launchedNode("tm-b", { terminationGracePeriod: "12s" });
    await runningPods(pod("precious", nodeName, { doNotDisrupt: true, grace: 3 }));

    await h.core.deleteNode({ name: nodeName });
    const claim = await wait("the claim deleted with its node, and its deadline recorded", async () => {
      const c = await readNodeClaim(h, "tm-b");
      return c?.metadata.deletionTimestamp && c.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"] ? c : undefined;
    });
    const deadline = Date.parse(claim.metadata.annotations!["karpenter.sh/nodeclaim-termination-timestamp"]!);
    assert.equal(deadline, Date.parse(claim.metadata.deletionTimestamp!) + 12_000);
    assert.ok(h.events.some((e) => e.reason === "TerminationGracePeriodExpiring" && e.involvedObject.name === "tm-b"));

    await wait("the drain blocked", () => (h.events.some((e) => e.reason === "FailedDraining" && e.involvedObject.name === nodeName) ? true : undefined));
    assert.ok(Date.now() < deadline - 3000, "test timing: still before the pod's delete time");
    assert.ok(podExists("precious") && !h.state.pods.get("precious", ns)!.metadata!.deletionTimestamp, "do-not-disrupt is not evicted");

    await wait("precious deleted at deadline minus its grace", () => (!podExists("precious") ? true : undefined));
    assert.ok(Date.now() >= deadline - 3000 - 1000, "not deleted before deadline − terminationGracePeriodSeconds (1 s for clock granularity)");
    assert.ok(h.events.some((e) => e.reason === "Disrupted" && e.involvedObject.name === "precious"));
    await wait("node and claim gone", async () => ((await readNode(h, nodeName)) === undefined && (await readNodeClaim(h, "tm-b")) === undefined ? true : undefined));
    assert.equal(h.fake.instances.get(providerID)!.terminated, true);
  });
});
