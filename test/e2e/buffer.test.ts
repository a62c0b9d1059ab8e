// CapacityBuffer end to end on the local cluster (moto, kwok, the kubelet bridge, the real
// controller with the CapacityBuffer gate on, as the chart's ServiceAccount):
//  - a buffer of one 4-CPU chunk keeps a node up with no pod on it (emptiness leaves it alone once it
//    is Consolidatable); a real pod of that size then
//    starts on that node, which was launched before the pod existed (no launch for it);
//  - a scheduled buffer (tenon.sh/active-windows, a window a couple of minutes ahead) brings its
//    node up before the window opens and lets it go after the window closes.
// Real time, not a fake clock: the controller is a separate process. Timings are printed.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { PAUSE_IMAGE, dedicatedPool } from "./fixtures.js";
import { DisruptionPass, type E2E, afterPasses, isRunning, note, seconds, until, useE2E } from "./harness.js";

const POOL = "buffered";
const NS = "buffers";
const poolOf = (c: NodeClaim) => c.metadata.labels?.["karpenter.sh/nodepool"] ?? "";
const live = (c: NodeClaim) => c.metadata.deletionTimestamp === undefined;
const ready = (n: V1Node) => (n.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
const placement = { nodeSelector: { pool: POOL }, tolerations: [{ key: "pool", operator: "Equal", value: POOL, effect: "NoSchedule" }] };
const chunk = (cpu: string) => ({ ...placement, terminationGracePeriodSeconds: 0, containers: [{ name: "pause", image: PAUSE_IMAGE, resources: { requests: { cpu, memory: "512Mi" } } }] });

function pool(): Record<string, unknown> {
  return dedicatedPool({ name: POOL, maxCPU: 8, disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "5s", budgets: [{ nodes: "100%" }] } });
}

const buffer = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
  apiVersion: "autoscaling.x-k8s.io/v1beta1",
  kind: "CapacityBuffer",
  metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
  spec,
});

interface BufferStatus {
  replicas?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

/** The local wall-clock minute and hour of `ms` in a time zone, for a cron schedule. */
function localMinuteHour(ms: number, timeZone: string): { minute: number; hour: number } {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hour: "numeric", minute: "numeric", hourCycle: "h23" }).formatToParts(new Date(ms));
  return { minute: Number(parts.find((p) => p.type === "minute")?.value), hour: Number(parts.find((p) => p.type === "hour")?.value) };
}

describe("CapacityBuffer end to end", { timeout: 1_200_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;
  const opts = (timeoutMs = 240_000) => ({ timeoutMs, controllers: [controller], intervalMs: 500 });
  const claims = async (e: E2E) => (await e.reader.nodeClaims()).filter((c) => poolOf(c) === POOL && live(c));
  const readyNodes = async (e: E2E) => (await e.reader.tenonNodes()).filter((n) => n.metadata?.labels?.["karpenter.sh/nodepool"] === POOL && ready(n) && !n.metadata?.deletionTimestamp);
  const status = async (e: E2E, name: string): Promise<BufferStatus> =>
    ((await e.reader.custom.getNamespacedCustomObject({ group: "autoscaling.x-k8s.io", version: "v1beta1", namespace: NS, plural: "capacitybuffers", name })) as { status?: BufferStatus }).status ?? {};
  const condition = (s: BufferStatus, type: string) => s.conditions?.find((c) => c.type === type);
  const empty = async (e: E2E) => until(`pool ${POOL} has no nodeclaims`, async () => ((await claims(e)).length === 0 ? true : undefined), opts(300_000));

  before(async () => {
    const e = env();
    controller = await e.start("controller", { FEATURE_GATES: "CapacityBuffer=true" });
    await e.reader.core.createNamespace({ body: { metadata: { name: NS } } });
    e.apply(pool());
  });

  it("a buffer of 4 CPUs keeps a node ready, and a pod of that size starts on it without a launch", async () => {
    const e = env();
    const t0 = Date.now();
    e.apply({ apiVersion: "v1", kind: "PodTemplate", metadata: { name: "room", namespace: NS }, template: { metadata: { labels: { app: "room" } }, spec: chunk("4") } }, buffer("room", { podTemplateRef: { name: "room" }, replicas: 1 }));
    const [node] = await until("a Ready node for the buffer", async () => {
      const n = await readyNodes(e);
      return n.length > 0 ? n : undefined;
    }, opts());
    const nodeName = node!.metadata!.name!;
    const readyMs = Date.now() - t0;
    // Upstream's status: resolved, one replica, the template it came from, and (once the provisioner
    // has seen the node) the room fits on existing capacity.
    const s = await until("buffer status FitsExistingCapacity", async () => {
      const st = await status(e, "room");
      return condition(st, "Provisioning")?.reason === "FitsExistingCapacity" ? st : undefined;
    }, opts());
    assert.equal(condition(s, "ReadyForProvisioning")?.reason, "Resolved");
    assert.equal(s.replicas, 1);
    assert.equal((s as { podTemplateRef?: { name: string } }).podTemplateRef?.name, "room");
    // Emptiness leaves the node alone: once it is Consolidatable, three disruption passes later it is still there.
    await until("the buffer's node Consolidatable", async () => {
      const c = (await claims(e)).find((x) => x.status?.nodeName === nodeName);
      return c?.status?.conditions?.some((x) => x.type === "Consolidatable" && x.status === "True") ? true : undefined;
    }, opts());
    await afterPasses(controller, "disruption", DisruptionPass, 3);
    const kept = (await claims(e)).find((x) => x.status?.nodeName === nodeName);
    assert.ok(kept, "the buffer's node was not consolidated away");
    assert.ok(!(kept.status?.conditions ?? []).some((x) => x.type === "Disrupting" && x.status === "True"), "nor is it being disrupted");
    // No pod runs on the buffer's node: the room is virtual.
    const onNode = (await e.reader.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items.filter((p) => !p.metadata?.ownerReferences?.some((o) => o.kind === "DaemonSet"));
    assert.deepEqual(onNode.map((p) => p.metadata?.name), []);

    const launchedBefore = new Set((await claims(e)).map((c) => c.metadata.name));
    const t1 = Date.now();
    e.apply({ apiVersion: "v1", kind: "Pod", metadata: { name: "burst", namespace: NS }, spec: chunk("4") });
    const running = await until("the burst pod Running", async () => {
      const p = (await e.reader.core.listNamespacedPod({ namespace: NS })).items.find((x) => x.metadata?.name === "burst");
      return p && isRunning(p) ? p : undefined;
    }, opts());
    const startMs = Date.now() - t1;
    assert.equal(running.spec?.nodeName, nodeName, "the pod went to the node the buffer kept");
    const claimOfNode = (await claims(e)).find((c) => c.status?.nodeName === nodeName)?.metadata.name;
    assert.ok(claimOfNode && launchedBefore.has(claimOfNode), "its node was launched before the pod existed");
    console.log(`    buffer node Ready ${seconds(readyMs)} after the buffer was applied; a 4-CPU pod Running on it ${seconds(startMs)} after it was created`);

    // The buffer refills (a new node for its room), and once it and the pod are gone the pool empties.
    await until("a second node refilling the buffer", async () => ((await claims(e)).some((c) => !launchedBefore.has(c.metadata.name)) ? true : undefined), opts());
    e.dev.kubectl(["delete", "-n", NS, "capacitybuffer/room", "pod/burst", "podtemplate/room", "--wait=false"]);
    const t2 = Date.now();
    await empty(e);
    console.log(`    buffer and pod deleted: pool empty after ${seconds(Date.now() - t2)}`);
  });

  it("a scheduled buffer brings a node up before its window opens and lets it go after it closes", async () => {
    const e = env();
    const timeZone = "America/New_York";
    // A one-minute window starting on a minute boundary at least two minutes ahead.
    const opensAt = Math.ceil((Date.now() + 120_000) / 60_000) * 60_000;
    const closesAt = opensAt + 60_000;
    const { minute, hour } = localMinuteHour(opensAt, timeZone);
    const windows = JSON.stringify([{ schedule: `${minute} ${hour} * * *`, duration: "1m", timeZone }]);
    const t0 = Date.now();
    e.apply(buffer("open", { scalableRef: { kind: "Deployment", name: "trading" }, replicas: 1 }, { "tenon.sh/active-windows": windows }), {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "trading", namespace: NS },
      // The workload itself runs nowhere yet (0 replicas): the buffer copies its template.
      spec: { replicas: 0, selector: { matchLabels: { app: "trading" } }, template: { metadata: { labels: { app: "trading" } }, spec: chunk("2") } },
    });
    const s = await until("buffer status written", async () => {
      const st = await status(e, "open");
      return condition(st, "ReadyForProvisioning") ? st : undefined;
    }, opts());
    assert.equal(condition(s, "ReadyForProvisioning")?.reason, "Resolved", JSON.stringify(s));
    note(`buffer status at apply: ${JSON.stringify(condition(s, "Provisioning"))}`);

    const [node] = await until("a Ready node for the scheduled buffer", async () => {
      const n = await readyNodes(e);
      return n.length > 0 ? n : undefined;
    }, opts(300_000));
    const readyAt = Date.now();
    assert.ok(readyAt < opensAt, `node Ready ${seconds(readyAt - opensAt)} after the window opened`);
    // By provider ID: the claim's status.nodeName may not be written yet when its Node is Ready.
    const claim = (await claims(e)).find((c) => c.status?.providerID === node!.spec?.providerID);
    const launchedAt = Date.parse(claim?.metadata.creationTimestamp ?? "");

    const released = await until("the buffer's node released after the window", async () => {
      const c = await claims(e);
      return c.length === 0 ? Date.now() : undefined;
    }, opts(Math.max(0, closesAt - Date.now()) + 240_000));
    assert.ok(released >= closesAt - 1000, `node released ${seconds(closesAt - released)} before the window closed`);
    const st = await status(e, "open");
    assert.equal(condition(st, "Provisioning")?.reason, "OutsideActiveWindow", JSON.stringify(st));
    assert.equal(st.replicas, 0);
    console.log(
      `    window ${new Date(opensAt).toISOString().slice(11, 19)}–${new Date(closesAt).toISOString().slice(11, 19)} UTC (applied ${seconds(opensAt - t0)} before): ` +
        `nodeclaim created ${seconds(opensAt - launchedAt)} before the open, node Ready ${seconds(opensAt - readyAt)} before it; released ${seconds(released - closesAt)} after the close`,
    );
    e.dev.kubectl(["delete", "-n", NS, "capacitybuffer/open", "deployment/trading", "--wait=false"]);
  });
});
