// CapacityBuffers on a real API server: the buffer controller resolves each buffer and writes its
// status as upstream defines it; the provisioner launches room for it with no pod created; a buffer
// whose reference is broken is set aside with a condition and a Warning event naming the field
// while the others carry on; a scheduled buffer outside its window asks for nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { NodePool } from "../../../src/apis/index.js";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/index.js";
import { CapacityBufferController, CapacityBuffers } from "../../../src/controllers/buffer/controller.js";
import { Provisioner } from "../../../src/controllers/provisioning/index.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { EC2NodeClassesAPI, type Harness, NodePoolsAPI, create, ec2NodeClass, listNodeClaims, nodePool, startHarness, waitForCondition } from "../nodepool/fixtures.js";

const NS = "buffers";
const types = [fakeInstanceType({ name: "c.2x", cpu: 2, memoryMiB: 4096, price: 0.1 }), fakeInstanceType({ name: "c.8x", cpu: 8, memoryMiB: 16384, price: 0.4 })];
type Status = { replicas?: number; podTemplateRef?: { name: string }; podTemplateGeneration?: number; provisioningStrategy?: string; conditions?: { type: string; status: string; reason: string; message: string }[] };
const spec = (cpu: string) => ({ containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu, memory: "1Gi" } } }] });

describe("CapacityBuffer controller", () => {
  const cluster = useControlPlane({ scheduler: true });
  let h: Harness;
  let buffers: CapacityBufferController;
  const abort = new AbortController();
  let running: Promise<unknown>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, { instanceTypes: types, run: ["nodeclass", "nodepool.status", "nodepool.hash"] });
    const registry = new Registry();
    const deps = { kube: h.kube, state: h.state, cloudProvider: h.cloudProvider, recorder: h.recorder, logger: createLogger({ level: "silent" }), clock: realClock, metrics: createMetrics(registry) };
    const trigger = { p: undefined as Provisioner | undefined };
    buffers = new CapacityBufferController({ ...deps, onChange: () => trigger.p?.trigger() });
    const provisioner = (trigger.p = new Provisioner({ ...deps, registry, buffers, config: { batchIdleDurationMs: 300, batchMaxDurationMs: 3000 } }));
    for (const c of [buffers, provisioner]) c.watch(h.state);
    running = Promise.all([buffers.run(abort.signal), provisioner.run(abort.signal)]);
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

  const apply = (name: string, s: Record<string, unknown>, annotations?: Record<string, string>) =>
    h.kube.customObjects.createNamespacedCustomObject({ ...CapacityBuffers, namespace: NS, body: { apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) }, spec: s } });
  const status = async (name: string): Promise<Status> => ((await h.kube.customObjects.getNamespacedCustomObject({ ...CapacityBuffers, namespace: NS, name })) as { status?: Status }).status ?? {};
  const cond = (s: Status, type: string) => s.conditions?.find((c) => c.type === type);
  const statusWith = (name: string, ok: (s: Status) => boolean) => waitFor(`buffer ${name} status`, async () => {
    const s = await status(name);
    return ok(s) ? s : undefined;
  }, { timeoutMs: 30_000 });

  it("resolves a podTemplateRef buffer, writes upstream's status and launches room for it with no pod", async () => {
    await h.kube.core.createNamespacedPodTemplate({ namespace: NS, body: { metadata: { name: "chunk", namespace: NS }, template: { metadata: { labels: { app: "chunk" } }, spec: spec("3") } } });
    await apply("room", { podTemplateRef: { name: "chunk" }, replicas: 2 });
    const s = await statusWith("room", (x) => cond(x, "ReadyForProvisioning")?.status === "True");
    assert.equal(s.replicas, 2);
    assert.equal(s.podTemplateRef?.name, "chunk");
    assert.equal(typeof s.podTemplateGeneration, "number");
    assert.equal(s.provisioningStrategy, "buffer.x-k8s.io/active-capacity");
    assert.equal(cond(s, "ReadyForProvisioning")?.reason, "Resolved");
    // Two chunks of 3 CPUs: room launched as if two pods were pending, on one 8-CPU node.
    const claims = await waitFor("nodeclaims for the buffer", async () => {
      const c = await listNodeClaims(h.kube, "default");
      return c.length > 0 ? c : undefined;
    }, { timeoutMs: 30_000 });
    const cpu = claims.reduce((n, c) => n + Number.parseFloat(String(c.spec.resources?.requests?.["cpu"] ?? "0")), 0);
    assert.ok(cpu >= 6, `requests of the claims hold the room: ${cpu}`);
    assert.deepEqual((await h.kube.core.listNamespacedPod({ namespace: NS })).items.map((p) => p.metadata?.name), [], "no pod runs for the buffer");
    const p = await statusWith("room", (x) => cond(x, "Provisioning") !== undefined);
    assert.equal(cond(p, "Provisioning")?.reason, "RequiresNewCapacity");
  });

  it("follows its PodTemplate when it changes, and is set aside when it is deleted, without waiting for the 30 s resync", async () => {
    await h.kube.core.createNamespacedPodTemplate({ namespace: NS, body: { metadata: { name: "follow", namespace: NS }, template: { spec: spec("1") } } });
    // Limits alone: as many 1-CPU chunks as fit in 4 CPUs.
    await apply("follower", { podTemplateRef: { name: "follow" }, limits: { cpu: "4" } });
    await statusWith("follower", (x) => x.replicas === 4 && cond(x, "ReadyForProvisioning")?.status === "True");
    const virtualCpu = () => buffers.virtualPods().filter((p) => p.metadata?.namespace === NS && p.metadata?.name?.startsWith("capacity-buffer-follower-")).map((p) => p.spec?.containers[0]?.resources?.requests?.["cpu"]);
    await waitFor("four virtual pods of 1 CPU", async () => (JSON.stringify(virtualCpu()) === JSON.stringify(["1", "1", "1", "1"]) ? true : undefined), { timeoutMs: 15_000 });

    // The template now asks 2 CPUs a chunk: the PodTemplate watch brings the buffer back well within its resync.
    await h.kube.core.replaceNamespacedPodTemplate({ name: "follow", namespace: NS, body: { metadata: { name: "follow", namespace: NS }, template: { spec: spec("2") } } });
    const resized = await waitFor("the buffer to follow its template", async () => {
      const x = await status("follower");
      return x.replicas === 2 ? x : undefined;
    }, { timeoutMs: 15_000 });
    assert.equal(cond(resized, "ReadyForProvisioning")?.status, "True");
    await waitFor("two virtual pods of 2 CPUs", async () => (JSON.stringify(virtualCpu()) === JSON.stringify(["2", "2"]) ? true : undefined), { timeoutMs: 15_000 });

    // Deleted: ReadyForProvisioning False, PodTemplateNotFound, as upstream sets it; no virtual pods.
    await h.kube.core.deleteNamespacedPodTemplate({ name: "follow", namespace: NS });
    const gone = await waitFor("the buffer set aside", async () => {
      const x = await status("follower");
      return cond(x, "ReadyForProvisioning")?.status === "False" ? x : undefined;
    }, { timeoutMs: 15_000 });
    assert.equal(cond(gone, "ReadyForProvisioning")?.reason, "PodTemplateNotFound");
    await waitFor("no virtual pods", async () => (virtualCpu().length === 0 ? true : undefined), { timeoutMs: 15_000 });
  });

  it("sets aside a buffer whose PodTemplate is missing, with a condition and an event naming the field; others carry on", async () => {
    await apply("broken", { podTemplateRef: { name: "nope" }, replicas: 1 });
    await h.kube.apps.createNamespacedDeployment({ namespace: NS, body: { metadata: { name: "api", namespace: NS }, spec: { replicas: 4, selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api" } }, spec: spec("100m") } } } });
    await apply("pct", { scalableRef: { kind: "Deployment", name: "api" }, percentage: 50 });
    const b = await statusWith("broken", (x) => cond(x, "ReadyForProvisioning") !== undefined);
    assert.equal(cond(b, "ReadyForProvisioning")?.status, "False");
    assert.equal(cond(b, "ReadyForProvisioning")?.reason, "PodTemplateNotFound");
    assert.match(cond(b, "ReadyForProvisioning")?.message ?? "", /^spec\.podTemplateRef\.name: PodTemplate "nope" not found in namespace "buffers"$/);
    const ev = await waitFor("the Warning event", async () => (await h.kube.core.listNamespacedEvent({ namespace: NS })).items.find((e) => e.involvedObject.name === "broken" && e.reason === "PodTemplateNotFound"), { timeoutMs: 30_000 });
    assert.equal(ev.type, "Warning");
    assert.equal(ev.involvedObject.kind, "CapacityBuffer");
    assert.match(ev.message ?? "", /spec\.podTemplateRef\.name/);
    // 50% of the Deployment's 4 replicas, from its own template; no podTemplateRef in status.
    const p = await statusWith("pct", (x) => x.replicas !== undefined);
    assert.equal(p.replicas, 2);
    assert.equal(p.podTemplateRef, undefined);
  });

  it("a scheduled buffer outside its window asks for no room and says when it will", async () => {
    // Once a year, at 03:00 on 1 January: far from now whatever day the test runs (unless it runs then).
    await apply("yearly", { podTemplateRef: { name: "chunk" }, replicas: 5 }, { "tenon.sh/active-windows": '[{"schedule":"0 3 1 1 *","duration":"1m","timeZone":"Asia/Tokyo"}]' });
    const s = await statusWith("yearly", (x) => cond(x, "Provisioning") !== undefined);
    assert.equal(s.replicas, 0);
    assert.equal(cond(s, "Provisioning")?.reason, "OutsideActiveWindow");
    assert.match(cond(s, "Provisioning")?.message ?? "", /room is launched from \d{4}-01-01 \d\d:\d\d Asia\/Tokyo/);
    assert.equal(buffers.virtualPods().filter((p) => p.metadata?.annotations?.["karpenter.sh/capacity-buffer-name"] === "yearly").length, 0);
  });
});
