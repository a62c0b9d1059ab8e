// End to end on the local cluster: a spot interruption warning sent to the interruption queue
// (moto's SQS) for a running tenon instance → its NodeClaim deleted at once, a replacement
// launched and Initialized, the pods Running on it, the old instance terminated; the spot
// offering marked unavailable shows as the replacement landing on another offering. Then, on the
// same controller: an EC2 Instance State-change Notification "terminated" → the NodeClaim and its
// Node gone (and the pods Running again elsewhere); a garbage message → deleted from the queue and
// counted, and the next message is still handled.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment, nodePool } from "./fixtures.js";
import { instanceIDOf, instances, isRunning, metricValue, note, seconds, until, useE2E } from "./harness.js";

const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");

/** An EventBridge envelope as the rules of docs/interruption.md deliver it. */
function envelope(id: string, region: string, detailType: string, source: string, detail: Record<string, unknown>): string {
  return JSON.stringify({ version: "0", id, "detail-type": detailType, source, account: "123456789012", time: new Date().toISOString(), region, resources: [], detail });
}

describe("interruption end to end", { timeout: 600_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;
  let sqs: SQSClient;
  let queueURL: string;
  after(() => sqs?.destroy());

  it("a spot interruption warning replaces the node before the instance goes", async () => {
    const e = env();
    sqs = new SQSClient(e.dev.moto.clientConfig());
    queueURL = (await sqs.send(new CreateQueueCommand({ QueueName: "e2e-interruptions" }))).QueueUrl!;
    // Spot only, small nodes: the warning is about the kind of instance it is sent for.
    const pool = nodePool({ maxCPU: 4 }) as { spec: { template: { spec: { requirements: { key: string; values: string[] }[] } } } };
    for (const r of pool.spec.template.spec.requirements) if (r.key === "karpenter.sh/capacity-type") r.values = ["spot"];
    e.apply(pool);
    controller = await e.start("controller", { INTERRUPTION_QUEUE: "e2e-interruptions" });
    await e.reader.core.createNamespace({ body: { metadata: { name: "spot" } } });
    e.apply(deployment({ name: "web", namespace: "spot", replicas: 2, cpu: "500m", memory: "256Mi" }));
    const first = await until(
      "a spot node Initialized with both pods Running",
      async () => {
        const claims = (await e.reader.nodeClaims()).filter(initialized);
        const pods = (await e.reader.pods("app=web", "spot")).filter(isRunning);
        return claims.length === 1 && pods.length === 2 ? claims[0] : undefined;
      },
      { timeoutMs: 180_000, controllers: [controller] },
    );
    assert.equal(first.metadata.labels?.["karpenter.sh/capacity-type"], "spot");
    const instanceID = instanceIDOf(first.status?.providerID)!;

    const sent = Date.now();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueURL,
        MessageBody: JSON.stringify({
          version: "0",
          id: "e2e-spot-1",
          "detail-type": "EC2 Spot Instance Interruption Warning",
          source: "aws.ec2",
          account: "123456789012",
          time: new Date().toISOString(),
          region: e.dev.moto.region,
          resources: [],
          detail: { "instance-id": instanceID, "instance-action": "terminate" },
        }),
      }),
    );
    const replacement = await until(
      "a replacement NodeClaim Initialized",
      async () => (await e.reader.nodeClaims()).find((c) => c.metadata.name !== first.metadata.name && initialized(c)),
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const initializedAfter = Date.now() - sent;
    await until(
      "both pods Running on the replacement, the old claim gone and its instance terminated",
      async () => {
        const pods = (await e.reader.pods("app=web", "spot")).filter(isRunning);
        const oldGone = !(await e.reader.nodeClaims()).some((c) => c.metadata.name === first.metadata.name);
        const state = (await instances(e.ec2)).find((i) => i.InstanceId === instanceID)?.State?.Name;
        return pods.length === 2 && pods.every((p) => p.spec?.nodeName === replacement.status?.nodeName) && oldGone && state === "terminated" ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const runningAfter = Date.now() - sent;
    note(`interruption message → replacement Initialized ${seconds(initializedAfter)}, → pods Running ${seconds(runningAfter)}`);
    console.log(`    timings: message → replacement Initialized ${seconds(initializedAfter)}; → pods Running ${seconds(runningAfter)}`);
    assert.equal(await metricValue(controller, "karpenter_interruption_received_messages_total", { message_type: "spot_interrupted" }), 1);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "spot_interrupted" }), 1);
    // The interrupted offering is out for three minutes: the replacement is another type or zone.
    const offering = (c: NodeClaim) => `${c.metadata.labels?.["node.kubernetes.io/instance-type"]}/${c.metadata.labels?.["topology.kubernetes.io/zone"]}`;
    assert.notEqual(offering(replacement), offering(first), "the replacement avoids the interrupted spot offering");
  });

  /** The one live Initialized NodeClaim once both pods run on its node. */
  const settled = (e: ReturnType<typeof env>) =>
    until(
      "one Initialized NodeClaim with both pods Running on its node",
      async () => {
        const claims = (await e.reader.nodeClaims()).filter((c) => initialized(c) && !c.metadata.deletionTimestamp);
        const pods = (await e.reader.pods("app=web", "spot")).filter(isRunning);
        return claims.length === 1 && pods.length === 2 && pods.every((p) => p.spec?.nodeName === claims[0]!.status?.nodeName) ? claims[0] : undefined;
      },
      { timeoutMs: 240_000, controllers: [controller] },
    );
  const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: body }));

  it('an EC2 Instance State-change Notification "terminated" removes the NodeClaim and its Node', async () => {
    const e = env();
    const claim = await settled(e);
    const instanceID = instanceIDOf(claim.status?.providerID)!;
    const nodeName = claim.status!.nodeName!;
    const disrupted = await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "instance_terminated" });
    const sent = Date.now();
    await send(envelope("e2e-state-1", e.dev.moto.region, "EC2 Instance State-change Notification", "aws.ec2", { "instance-id": instanceID, state: "terminated" }));
    await until(
      "the NodeClaim and its Node gone",
      async () => {
        const claimGone = !(await e.reader.nodeClaims()).some((c) => c.metadata.name === claim.metadata.name);
        const nodeGone = !(await e.reader.tenonNodes()).some((n) => n.metadata?.name === nodeName);
        return claimGone && nodeGone ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const goneAfter = Date.now() - sent;
    // The interruption controller did it (not garbage collection of a vanished instance).
    assert.equal(await metricValue(controller, "karpenter_interruption_received_messages_total", { message_type: "instance_terminated" }), 1);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "instance_terminated" }), disrupted + 1);
    const next = await settled(e);
    assert.notEqual(next.metadata.name, claim.metadata.name);
    const runningAfter = Date.now() - sent;
    console.log(`    timings: state-change "terminated" → NodeClaim and Node gone ${seconds(goneAfter)}; → pods Running on a replacement ${seconds(runningAfter)}`);
  });

  it("a garbage message is deleted from the queue and counted, and the next message is still handled", async () => {
    const e = env();
    const claim = await settled(e);
    const malformed = await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" });
    const deleted = await metricValue(controller, "karpenter_interruption_deleted_messages_total");
    const rebalance = await metricValue(controller, "karpenter_interruption_received_messages_total", { message_type: "rebalance_recommendation" });
    await send("this is not an EventBridge event {");
    // Well-formed JSON of a known kind without the instance it is about.
    await send(envelope("e2e-garbage-2", e.dev.moto.region, "EC2 Instance State-change Notification", "aws.ec2", { state: "terminated" }));
    await send(envelope("e2e-rebalance-1", e.dev.moto.region, "EC2 Instance Rebalance Recommendation", "aws.ec2", { "instance-id": instanceIDOf(claim.status?.providerID) }));
    await until(
      "both garbage messages counted and deleted, and the rebalance recommendation after them handled",
      async () =>
        (await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" })) >= malformed + 2 &&
        (await metricValue(controller, "karpenter_interruption_received_messages_total", { message_type: "rebalance_recommendation" })) >= rebalance + 1 &&
        (await metricValue(controller, "karpenter_interruption_deleted_messages_total")) >= deleted + 3
          ? true
          : undefined,
      { timeoutMs: 120_000, controllers: [controller] },
    );
    assert.equal(await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" }), malformed + 2);
    await until(
      "the queue empty (nothing left to come back after its visibility timeout)",
      async () => {
        const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueURL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes ?? {};
        return Number(a.ApproximateNumberOfMessages ?? "1") + Number(a.ApproximateNumberOfMessagesNotVisible ?? "1") === 0 ? true : undefined;
      },
      { timeoutMs: 60_000, controllers: [controller] },
    );
    const events = await e.reader.core.listEventForAllNamespaces({ fieldSelector: "reason=SpotRebalanceRecommendation" });
    assert.ok(events.items.some((ev) => ev.involvedObject.name === claim.metadata.name), "the rebalance recommendation is recorded on the NodeClaim");
    // A rebalance recommendation is an Event only: the claim stays.
    assert.ok((await e.reader.nodeClaims()).some((c) => c.metadata.name === claim.metadata.name && !c.metadata.deletionTimestamp));
    assert.ok(controller.running(), "the controller carries on");
  });
});
