// End to end on the local cluster, NodeRepair on: a node whose Ready condition turns Unknown is
// replaced once the AWS policy's toleration (30 minutes) has passed, and not while more than 20 % of
// its NodePool's nodes are unhealthy (a NodeRepairBlocked Event says so instead).
//
// A dead kubelet is played by taking the node away from kwok (its management annotation removed),
// so nothing sets the node Ready again, and patching its status as the node lifecycle controller
// would. The toleration is measured from the condition's lastTransitionTime, as in Karpenter: the
// test writes a transition time in the past instead of waiting half an hour.
//
// SKIPPED: it does not pass yet. Removing kwok's annotation does not make the running kwok let go
// of the node: its node-initialize stage (Ready NotIn True) keeps setting Ready back to True, so
// the Unknown condition never holds (first run: the condition flickered, the first test's node
// was repaired while the wait still looked for the patched condition; the second timed out). The
// seam to find: a kwok stage or selector that leaves one node alone (or a kwok restart).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Deployment, V1Node } from "@kubernetes/client-node";
import { TerminationTimestampAnnotation } from "../../src/apis/labels.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE } from "../env/controlplane.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment, nodePool } from "./fixtures.js";
import { type E2E, isRunning, metricValue, seconds, until, useE2E } from "./harness.js";

const tolerationMs = 30 * 60_000; // Ready Unknown, Karpenter's AWS repair policy
const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");
const readyOf = (n: V1Node | undefined) => n?.status?.conditions?.find((c) => c.type === "Ready");
const rfc3339 = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

/** Takes the node from kwok and sets its Ready condition Unknown since `since`; re-applied until it holds. */
async function kubeletGone(e: E2E, nodeName: string, since: number, controller: ControllerProcess): Promise<void> {
  e.dev.kubectl(["annotate", "node", nodeName, `${KWOK_NODE_ANNOTATION}-`]);
  const ltt = rfc3339(since);
  const patch = JSON.stringify({
    status: { conditions: [{ type: "Ready", status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastTransitionTime: ltt, lastHeartbeatTime: ltt }] },
  });
  await until(
    `node ${nodeName} Ready Unknown since ${ltt}`,
    async () => {
      const ready = readyOf(await e.reader.core.readNode({ name: nodeName }));
      const t = ready?.lastTransitionTime ? rfc3339(new Date(ready.lastTransitionTime).getTime()) : "";
      if (ready?.status === "Unknown" && t === ltt) return true;
      // kwok may have been mid-heartbeat when it let go of the node: write it again.
      e.dev.kubectl(["patch", "node", nodeName, "--subresource=status", "--type=strategic", "-p", patch]);
      return undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, controllers: [controller] },
  );
}

describe("node repair end to end", { timeout: 900_000, skip: "kwok sets Ready back to True on a node whose annotation was removed: see the comment at the top" }, () => {
  const env = useE2E();
  let controller: ControllerProcess;

  it("a node Ready Unknown past its toleration is replaced, forcefully, and the pods run on the replacement", async () => {
    const e = env();
    e.apply(nodePool({ maxCPU: 4 }));
    controller = await e.start("controller", { FEATURE_GATES: "NodeRepair=true" });
    e.apply(deployment({ name: "app", replicas: 2, cpu: "500m", memory: "256Mi", nodeSelector: { "karpenter.sh/nodepool": "default" } }));
    const first = await until(
      "one node Initialized with both pods Running",
      async () => {
        const claims = (await e.reader.nodeClaims()).filter(initialized);
        const pods = (await e.reader.pods("app=app")).filter(isRunning);
        return claims.length === 1 && pods.length === 2 ? claims[0] : undefined;
      },
      { timeoutMs: 240_000, controllers: [controller] },
    );
    const nodeName = first.status!.nodeName!;
    // The condition turned 15 s short of the toleration: the repair falls due 15 s from now.
    const due = Date.now() + 15_000;
    await kubeletGone(e, nodeName, due - tolerationMs, controller);

    const deleting = await until(
      "the unhealthy node's NodeClaim deleting",
      async () => (await e.reader.nodeClaims()).find((c) => c.metadata.name === first.metadata.name && c.metadata.deletionTimestamp),
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const repairedAt = Date.now();
    // Not before the toleration: the forceful termination deadline is the moment of the repair.
    const stamp = deleting.metadata.annotations?.[TerminationTimestampAnnotation];
    assert.ok(stamp, "the NodeClaim carries a termination timestamp (forceful: no PDBs, no volume waits)");
    assert.ok(Date.parse(stamp) >= due - 1000, `repaired at ${stamp}, before the toleration ended at ${new Date(due).toISOString()}`);
    assert.ok(repairedAt >= due - 1000);

    const replacement = await until(
      "a replacement NodeClaim Initialized",
      async () => (await e.reader.nodeClaims()).find((c) => c.metadata.name !== first.metadata.name && initialized(c)),
      { timeoutMs: 240_000, intervalMs: 200, controllers: [controller] },
    );
    const initializedAt = Date.now();
    await until(
      "both pods Running on the replacement",
      async () => {
        const pods = (await e.reader.pods("app=app")).filter(isRunning);
        return pods.length === 2 && pods.every((p) => p.spec?.nodeName === replacement.status?.nodeName) ? true : undefined;
      },
      { timeoutMs: 240_000, intervalMs: 200, controllers: [controller] },
    );
    const runningAt = Date.now();
    await until(
      "the unhealthy NodeClaim and Node gone",
      async () => {
        const claimGone = !(await e.reader.nodeClaims()).some((c) => c.metadata.name === first.metadata.name);
        const nodeGone = !(await e.reader.tenonNodes()).some((n) => n.metadata?.name === nodeName);
        return claimGone && nodeGone ? true : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500, controllers: [controller] },
    );
    const goneAt = Date.now();
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { condition: "ready", nodepool: "default" }), 1);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "unhealthy" }), 1);
    console.log(
      `    timings: toleration over → NodeClaim deleting ${seconds(repairedAt - due)}; → replacement Initialized ${seconds(initializedAt - due)}; → pods Running ${seconds(runningAt - due)}; → old NodeClaim and Node gone ${seconds(goneAt - due)}`,
    );
  });

  it("no repair while more than 20% of the NodePool is unhealthy: NodeRepairBlocked instead, and the repair once one recovers", async () => {
    const e = env();
    e.apply(nodePool({ name: "fragile", maxCPU: 2 }));
    // Three nodes: one pod each.
    const d: V1Deployment = deployment({ name: "fragile", replicas: 3, cpu: "500m", memory: "256Mi", nodeSelector: { "karpenter.sh/nodepool": "fragile" } });
    d.spec!.template.spec!.affinity = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app: "fragile" } } }] },
    };
    e.apply(d);
    const claims = await until(
      "three fragile nodes Initialized with a pod Running on each",
      async () => {
        const cs = (await e.reader.nodeClaims()).filter((c) => c.metadata.labels?.["karpenter.sh/nodepool"] === "fragile" && initialized(c));
        const pods = (await e.reader.pods("app=fragile")).filter(isRunning);
        return cs.length === 3 && pods.length === 3 ? cs : undefined;
      },
      { timeoutMs: 300_000, controllers: [controller] },
    );
    const [a, b] = claims as [NodeClaim, NodeClaim, NodeClaim];
    const nodeA = a.status!.nodeName!;
    const nodeB = b.status!.nodeName!;
    // A turns unhealthy just now (its repair is half an hour away); then B, long enough ago to be
    // due at once. The controller sees A's change before B's (one watch, in order): 2 of 3
    // unhealthy is more than 20 % (of 3 nodes, 1 may be), so B is not repaired.
    await kubeletGone(e, nodeA, Date.now(), controller);
    await kubeletGone(e, nodeB, Date.now() - tolerationMs - 60_000, controller);
    const blocked = await until(
      "a NodeRepairBlocked Event on node B and on the NodePool",
      async () => {
        const events = (await e.reader.core.listEventForAllNamespaces({ fieldSelector: "reason=NodeRepairBlocked" })).items;
        const onNode = events.find((ev) => ev.involvedObject.kind === "Node" && ev.involvedObject.name === nodeB);
        const onPool = events.find((ev) => ev.involvedObject.kind === "NodePool" && ev.involvedObject.name === "fragile");
        return onNode && onPool ? onNode : undefined;
      },
      { timeoutMs: 120_000, controllers: [controller] },
    );
    assert.equal(blocked.type, "Warning");
    assert.match(blocked.message ?? "", /more than 20% nodes are unhealthy in the nodepool/);
    // The block is the decision: B's claim was left alone when it was taken.
    const bNow = (await e.reader.nodeClaims()).find((c) => c.metadata.name === b.metadata.name);
    assert.ok(bNow && !bNow.metadata.deletionTimestamp, "node B is not repaired while the NodePool is unhealthy");
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { nodepool: "fragile" }), 0);

    // A's kubelet comes back (kwok manages it again and sets it Ready); B's status is posted again.
    e.dev.kubectl(["annotate", "node", nodeA, `${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`]);
    await until("node A Ready again", async () => (readyOf(await e.reader.core.readNode({ name: nodeA }))?.status === "True" ? true : undefined), { timeoutMs: 60_000, controllers: [controller] });
    const healed = Date.now();
    e.dev.kubectl(["patch", "node", nodeB, "--subresource=status", "--type=strategic", "-p", JSON.stringify({ status: { conditions: [{ type: "Ready", status: "Unknown", message: "Kubelet still not posting node status." }] } })]);
    await until(
      "node B's NodeClaim deleting once 1 of 3 is unhealthy",
      async () => ((await e.reader.nodeClaims()).some((c) => c.metadata.name === b.metadata.name && c.metadata.deletionTimestamp) ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 200, controllers: [controller] },
    );
    console.log(`    timings: NodePool healthy again → node B repaired ${seconds(Date.now() - healed)}`);
    assert.ok((await e.reader.nodeClaims()).some((c) => c.metadata.name === a.metadata.name && !c.metadata.deletionTimestamp), "node A recovered and stays");
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_unhealthy_disrupted_total", { nodepool: "fragile" }), 1);
  });
});
