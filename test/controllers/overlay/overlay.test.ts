// NodeOverlays on a real API server: the overlay controller lists them, the provisioner prices
// instance types through them (an overlay that makes one family cheapest changes what is planned),
// and an overlay that clashes with another of the same weight is told so in its status.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { NodePool } from "../../../src/apis/index.js";
import { InstanceFamilyLabel } from "../../../src/apis/labels.js";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/index.js";
import type { InstanceType } from "../../../src/cloudprovider/types.js";
import { NodeOverlayController, NodeOverlays, OverlaidCloudProvider } from "../../../src/controllers/overlay/controller.js";
import { Provisioner } from "../../../src/controllers/provisioning/index.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { EC2NodeClassesAPI, type Harness, NodePoolsAPI, create, ec2NodeClass, get, listNodeClaims, nodePool, startHarness, waitForCondition } from "../nodepool/fixtures.js";

const NS = "overlay";
const family = (it: InstanceType, f: string): InstanceType => ({ ...it, requirements: [...it.requirements, { key: InstanceFamilyLabel, operator: "In", values: [f] }] });
const types = [family(fakeInstanceType({ name: "c5.large", cpu: 2, memoryMiB: 4096, price: 0.085 }), "c5"), family(fakeInstanceType({ name: "m5.large", cpu: 2, memoryMiB: 8192, price: 0.096 }), "m5")];

describe("NodeOverlay", () => {
  const cluster = useControlPlane({ scheduler: true });
  let h: Harness;
  let overlays: NodeOverlayController;
  const abort = new AbortController();
  let running: Promise<unknown>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, { instanceTypes: types, run: ["nodeclass", "nodepool.status", "nodepool.hash"] });
    const registry = new Registry();
    const deps = { kube: h.kube, state: h.state, cloudProvider: h.cloudProvider, recorder: h.recorder, logger: createLogger({ level: "silent" }), clock: realClock, metrics: createMetrics(registry) };
    overlays = new NodeOverlayController(deps);
    const provisioner = new Provisioner({ ...deps, cloudProvider: new OverlaidCloudProvider(h.cloudProvider, overlays), registry, config: { batchIdleDurationMs: 300, batchMaxDurationMs: 3000 } });
    for (const c of [overlays, provisioner]) c.watch(h.state);
    running = Promise.all([overlays.run(abort.signal), provisioner.run(abort.signal)]);
    await h.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("default"));
    await create(h.kube, NodePoolsAPI, nodePool("default", {}, { spec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }] } }));
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "default", "Ready", "True", 30_000);
  });
  after(async () => {
    abort.abort();
    await running;
    await h?.stop();
  });

  const overlay = (name: string, spec: Record<string, unknown>) => h.kube.customObjects.createClusterCustomObject({ ...NodeOverlays, body: { apiVersion: "karpenter.sh/v1alpha1", kind: "NodeOverlay", metadata: { name }, spec } });
  const pod = (name: string): V1Pod => ({
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "500m", memory: "1Gi" } } }], terminationGracePeriodSeconds: 0 },
  });

  it("an overlay that halves m5's price makes the provisioner plan m5 first, not the catalog's cheapest c5", async () => {
    await overlay("m5-savings-plan", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], priceAdjustment: "-50%" });
    await waitFor("the overlay listed", async () => (overlays.store.get("m5-savings-plan") ? true : undefined), { timeoutMs: 10_000 });
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod("web") });
    const claim = await waitFor("a nodeclaim", async () => (await listNodeClaims(h.kube, "default"))[0], { timeoutMs: 30_000 });
    const typesOffered = claim.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values;
    assert.deepEqual(typesOffered, ["m5.large", "c5.large"], "cheapest first, as overlaid");
  });

  it("marks the later of two same-weight overlays that set the same price Conflict, and the other Ready", async () => {
    await overlay("a-discount", { weight: 7, requirements: [], priceAdjustment: "-10%" });
    await overlay("b-discount", { weight: 7, requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["c5"] }], price: "0.01" });
    type O = { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } };
    const b = await waitForCondition<O>(h.kube, NodeOverlays, "b-discount", "ValidationSucceeded", "False", 30_000);
    const cond = b.status!.conditions!.find((c) => c.type === "ValidationSucceeded")!;
    assert.equal(cond.reason, "Conflict");
    assert.match(cond.message, /^conflicts with NodeOverlay "a-discount" of the same weight on price of c5\.large; "a-discount" is applied$/);
    await waitForCondition<O>(h.kube, NodeOverlays, "a-discount", "Ready", "True", 30_000);
    assert.equal((await get<O>(h.kube, NodeOverlays, "b-discount"))?.status?.conditions?.find((c) => c.type === "Ready")?.status, "False");
  });
});
