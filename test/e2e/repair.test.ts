// Node repair end to end on the local cluster (moto, kwok, the kubelet bridge, the real controller
// with NodeRepair on): a node whose Ready turns Unknown is replaced once its policy's toleration is
// up, and its pods run again on the replacement; while more than 20 % of a pool's nodes are
// unhealthy none of them is repaired.
//
// kwok holds a node's Ready at Unknown while the node carries NODE_READY_ANNOTATION
// (test/env/kwokstages.ts), with the transition time the test gives it. Karpenter's tolerations
// stay as they are (30 minutes for Ready Unknown): the test backdates the transition to 20 s short
// of the toleration, so the controller must wait those 20 s, and not repair earlier.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { CoreV1Event, V1Deployment, V1Node } from "@kubernetes/client-node";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import { awsRepairPolicies } from "../../src/cloudprovider/aws/repairpolicies.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { NODE_READY_ANNOTATION, NODE_READY_SINCE_ANNOTATION } from "../env/kwokstages.js";
import { dedicatedPool, deployment } from "./fixtures.js";
import { type E2E, isRunning, metricValue, note, seconds, until, useE2E } from "./harness.js";

const NS = "repair";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const readyUnknownToleration = awsRepairPolicies.find((p) => p.conditionType === "Ready" && p.conditionStatus === "Unknown")!.tolerationMs;
const leadMs = 20_000;

const poolOf = (o: { metadata?: { labels?: Record<string, string> } }) => o.metadata?.labels?.["karpenter.sh/nodepool"] ?? "";
const condTrue = (c: NodeClaim, type: string) => (c.status?.conditions ?? []).some((x) => x.type === type && x.status === "True");
const readyOf = (n: V1Node) => n.status?.conditions?.find((c) => c.type === "Ready");

/** A pool whose nodes only its own pods use; consolidation off, so only repair replaces nodes. */
function pool(name: string): Record<string, unknown> {
  return dedicatedPool({ name, maxCPU: 4, terminationGracePeriod: "2m", disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "Never" } });
}

/** `replicas` pods of `cpu` each for the pool; a hostname anti-affinity spreads them one per node when asked. */
function workload(name: string, poolName: string, replicas: number, cpu: string, onePerNode = false): V1Deployment {
  const d = deployment({ name, namespace: NS, replicas, cpu, memory: "256Mi", nodeSelector: { pool: poolName } });
  const spec = d.spec!.template.spec!;
  spec.tolerations = [{ key: "pool", operator: "Equal", value: poolName, effect: "NoSchedule" }];
  if (onePerNode) spec.affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: name } } }] } };
  return d;
}

describe("node repair end to end (NodeRepair)", { timeout: 900_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;
  const opts = (timeoutMs = 240_000) => ({ timeoutMs, controllers: [controller], intervalMs: 250 });
  const claims = async (e: E2E, p: string) => (await e.reader.nodeClaims()).filter((c) => poolOf(c) === p);
  const nodes = async (e: E2E, p: string) => (await e.reader.tenonNodes()).filter((n) => poolOf(n) === p);
  const running = async (e: E2E, app: string) => (await e.reader.pods(`app=${app}`, NS)).filter(isRunning);
  const eventsAbout = async (e: E2E, name: string): Promise<CoreV1Event[]> => (await e.reader.core.listEventForAllNamespaces({ fieldSelector: `involvedObject.name=${name}` })).items;

  /** Waits for the app's pods all Running on `count` initialized nodes of the pool; the nodes. */
  async function settled(e: E2E, p: string, app: string, replicas: number, count: number): Promise<V1Node[]> {
    return until(`${replicas} ${app} pods Running on ${count} initialized nodes of ${p}`, async () => {
      const [cs, ns, ps] = await Promise.all([claims(e, p), nodes(e, p), running(e, app)]);
      const live = cs.filter((c) => !c.metadata.deletionTimestamp);
      if (live.length !== count || !live.every((c) => condTrue(c, "Initialized")) || ps.length !== replicas) return undefined;
      const names = new Set(live.map((c) => c.status?.nodeName));
      return ps.every((x) => names.has(x.spec?.nodeName)) ? ns.filter((n) => names.has(n.metadata?.name)) : undefined;
    }, opts());
  }

  /** Has kwok report the node's Ready as Unknown since `sinceMs`; resolves once the API server shows it. */
  async function makeUnknown(e: E2E, name: string, sinceMs: number): Promise<number> {
    const since = new Date(Math.floor(sinceMs / 1000) * 1000).toISOString();
    await e.reader.core.patchNode({ name, body: { metadata: { annotations: { [NODE_READY_ANNOTATION]: "Unknown", [NODE_READY_SINCE_ANNOTATION]: since } } } }, mergePatch);
    await until(`${name} Ready Unknown`, async () => {
      const c = readyOf(await e.reader.core.readNode({ name }));
      return c?.status === "Unknown" ? true : undefined;
    }, opts(60_000));
    return Date.parse(since);
  }

  before(async () => {
    const e = env();
    controller = await e.start("controller", { FEATURE_GATES: "NodeRepair=true" });
    await e.reader.core.createNamespace({ body: { metadata: { name: NS } } });
  });

  it("a node Unknown past its toleration is replaced forcefully and its pods run again", async () => {
    const e = env();
    const P = "repair-one";
    e.apply(pool(P), workload("one", P, 2, "1"));
    const [node] = await settled(e, P, "one", 2, 1);
    const nodeName = node!.metadata!.name!;
    const [claim] = (await claims(e, P)).filter((c) => c.status?.nodeName === nodeName);
    const claimName = claim!.metadata.name!;
    const before = await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { condition: "ready", nodepool: P });

    // Unknown since (toleration − 20 s) ago: the repair is due 20 s from now.
    const t0 = Date.now();
    const since = await makeUnknown(e, nodeName, t0 - readyUnknownToleration + leadMs);
    const due = since + readyUnknownToleration;
    const tUnknown = Date.now();
    note(`${nodeName} Ready Unknown; repair due in ${seconds(due - tUnknown)}`);

    const deleted = await until(`${claimName} deleted by repair`, async () => {
      const c = (await claims(e, P)).find((x) => x.metadata.name === claimName);
      return c?.metadata.deletionTimestamp ? c : c === undefined ? ({ metadata: { name: claimName } } as NodeClaim) : undefined;
    }, opts(120_000));
    const tDeleted = Date.now();
    // Not before the toleration: the API server's deletion timestamp (whole seconds) is not earlier than due.
    if (deleted.metadata.deletionTimestamp) assert.ok(Date.parse(String(deleted.metadata.deletionTimestamp)) >= Math.floor(due / 1000) * 1000, `deleted at ${String(deleted.metadata.deletionTimestamp)}, due ${new Date(due).toISOString()}`);
    assert.ok(tDeleted >= due - 1000, `deleted ${seconds(due - tDeleted)} before the toleration was up`);
    const stamp = deleted.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"];
    if (deleted.metadata.deletionTimestamp) assert.ok(stamp && Date.parse(stamp) >= Math.floor(due / 1000) * 1000 && Date.parse(stamp) <= tDeleted + 1000, `forceful: termination timestamp ${stamp} is the repair's now`);

    await settled(e, P, "one", 2, 1);
    const tReplaced = Date.now();
    const [replacement] = (await claims(e, P)).filter((c) => !c.metadata.deletionTimestamp);
    assert.notEqual(replacement!.metadata.name, claimName, "a new NodeClaim");
    const initializedAt = (replacement!.status?.conditions ?? []).find((x) => x.type === "Initialized")?.lastTransitionTime;
    const pods = await running(e, "one");
    assert.ok(pods.every((p) => p.spec?.nodeName === replacement!.status?.nodeName), "the pods run on the replacement");
    const lastStart = Math.max(...pods.map((p) => Date.parse(String(p.status?.startTime))));
    await until(`${claimName} gone`, async () => ((await claims(e, P)).some((c) => c.metadata.name === claimName) ? undefined : true), opts());

    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { condition: "ready", nodepool: P, capacity_type: "on-demand" }), before + 1);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "unhealthy", nodepool: P }), 1);
    // The forceful deadline is announced on the node (Karpenter's TerminationGracePeriodExpiring).
    const ev = await until(`an Event on ${nodeName} for the forceful termination`, async () => (await eventsAbout(e, nodeName)).find((x) => x.reason === "TerminationGracePeriodExpiring"), opts(30_000));
    assert.equal(ev.type, "Warning");
    assert.ok(controller.logLines().some((l) => l.message === "deleting unhealthy node" && (l.NodeClaim as { name?: string } | undefined)?.name === claimName), "the controller logged the repair");

    console.log(
      `    repair: Unknown → NodeClaim deleted ${seconds(tDeleted - tUnknown)} (due after ${seconds(due - tUnknown)}, late by ${seconds(tDeleted - due)}); ` +
        `→ replacement Initialized ${initializedAt ? seconds(Date.parse(String(initializedAt)) - tDeleted) : "?"}; → pods Running ${seconds(lastStart - tDeleted)} (all settled ${seconds(tReplaced - tDeleted)})`,
    );
  });

  it("no repair while more than 20 % of a pool's nodes are unhealthy; one back to health lets the other be repaired", async () => {
    const e = env();
    const P = "repair-two";
    e.apply(pool(P), workload("two", P, 2, "1", true));
    const pair = await settled(e, P, "two", 2, 2);
    const [a, b] = pair.map((n) => n.metadata!.name!) as [string, string];
    const claimOf = async (n: string) => (await claims(e, P)).find((c) => c.status?.nodeName === n)!;
    const [claimA, claimB] = [await claimOf(a), await claimOf(b)];

    // Both Unknown since the same moment, due together 20 s from now: at that point 2 unhealthy of 2
    // is over the threshold (20 % of 2, rounded up: 1). (Had one been due alone, 1 of 2 is within it.)
    const since = Date.now() - readyUnknownToleration + leadMs;
    await makeUnknown(e, a, since);
    const due = (await makeUnknown(e, b, since)) + readyUnknownToleration;
    assert.ok(Date.now() < due, "both Unknown before either is due");
    // The controller's refusal, for each node: a NodeRepairBlocked Event on the Node, its NodeClaim and the NodePool.
    for (const [n, c] of [[a, claimA], [b, claimB]] as const) {
      await until(`NodeRepairBlocked on ${n}`, async () => ((await eventsAbout(e, n)).some((x) => x.reason === "NodeRepairBlocked") ? true : undefined), opts(60_000));
      const onClaim = (await eventsAbout(e, c.metadata.name!)).find((x) => x.reason === "NodeRepairBlocked");
      assert.match(onClaim?.message ?? "", /more than 20% nodes are unhealthy in the nodepool/);
    }
    assert.ok((await eventsAbout(e, P)).some((x) => x.reason === "NodeRepairBlocked" && x.involvedObject.kind === "NodePool"));
    // Both nodes refused and the controller moved on: neither claim is being deleted, nothing was counted.
    const now = await claims(e, P);
    assert.deepEqual(now.filter((c) => c.metadata.deletionTimestamp).map((c) => c.metadata.name), [], "no claim deleted while the pool is unhealthy");
    assert.equal(now.length, 2);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { nodepool: P }), 0);
    assert.equal((await Promise.all([a, b].map(async (n) => readyOf(await e.reader.core.readNode({ name: n }))?.status))).join(","), "Unknown,Unknown", "kwok kept both Unknown");

    // a recovers (kwok's node-initialize takes it back): 1 of 2 is within the threshold, so b is repaired.
    await e.reader.core.patchNode({ name: a, body: { metadata: { annotations: { [NODE_READY_ANNOTATION]: null, [NODE_READY_SINCE_ANNOTATION]: null } } } }, mergePatch);
    await until(`${claimB.metadata.name} deleted by repair`, async () => ((await claims(e, P)).find((c) => c.metadata.name === claimB.metadata.name)?.metadata.deletionTimestamp ?? (await claims(e, P)).every((c) => c.metadata.name !== claimB.metadata.name) ? true : undefined), opts(120_000));
    assert.ok(!(await claims(e, P)).find((c) => c.metadata.name === claimA.metadata.name)?.metadata.deletionTimestamp, "the recovered node is kept");
    await settled(e, P, "two", 2, 2);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { condition: "ready", nodepool: P }), 1);
  });
});
