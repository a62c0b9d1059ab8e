// End to end on the local cluster: a spot interruption warning sent to the interruption queue
// (moto's SQS) for a running tenon instance → its NodeClaim deleted at once, a replacement
// launched and Initialized, the pods Running on it, the old instance terminated; the spot
// offering marked unavailable shows as the replacement landing on another offering. An instance
// state-change "terminated" → its NodeClaim and Node gone (and the pods back on a new node). A
// garbage message → deleted from the queue and counted as malformed, the controller carrying on
// with the next message.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment, nodePool } from "./fixtures.js";
import { type E2E, instanceIDOf, instances, isRunning, metricValue, note, seconds, until, useE2E } from "./harness.js";

const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");
const QueueName = "e2e-interruptions";

/** An EventBridge event as it reaches the queue. */
const event = (e: E2E, id: string, detailType: string, detail: Record<string, unknown>) =>
  JSON.stringify({ version: "0", id, "detail-type": detailType, source: "aws.ec2", account: "123456789012", time: new Date().toISOString(), region: e.dev.moto.region, resources: [], detail });

describe("interruption end to end", { timeout: 900_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess | undefined;
  let sqs: SQSClient | undefined;
  let queueURL = "";
  after(() => sqs?.destroy());

  /** The queue, a spot-only pool of small nodes and a controller reading the queue; once per file, so each test also runs alone. */
  async function ready(e: E2E): Promise<{ sqs: SQSClient; controller: ControllerProcess }> {
    if (!sqs || !controller) {
      sqs = new SQSClient(e.dev.moto.clientConfig());
      queueURL = (await sqs.send(new CreateQueueCommand({ QueueName }))).QueueUrl!;
      // Spot only, small nodes: the warning is about the kind of instance it is sent for.
      const pool = nodePool({ maxCPU: 4 }) as { spec: { template: { spec: { requirements: { key: string; values: string[] }[] } } } };
      for (const r of pool.spec.template.spec.requirements) if (r.key === "karpenter.sh/capacity-type") r.values = ["spot"];
      e.apply(pool);
      controller = await e.start("controller", { INTERRUPTION_QUEUE: QueueName });
    }
    return { sqs, controller };
  }

  /** Messages on the queue, visible or being handled. */
  const queued = async (client: SQSClient): Promise<number> => {
    const a = (await client.send(new GetQueueAttributesCommand({ QueueUrl: queueURL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  it("a spot interruption warning replaces the node before the instance goes", async () => {
    const e = env();
    const { sqs, controller } = await ready(e);
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
    await sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: event(e, "e2e-spot-1", "EC2 Spot Instance Interruption Warning", { "instance-id": instanceID, "instance-action": "terminate" }) }));
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

  it("an instance state-change \"terminated\" removes its NodeClaim and Node", async () => {
    const e = env();
    const { sqs, controller } = await ready(e);
    await e.reader.core.createNamespace({ body: { metadata: { name: "statechange" } } });
    e.apply(deployment({ name: "batch", namespace: "statechange", replicas: 1, cpu: "500m", memory: "256Mi" }));
    const { claim, nodeName } = await until(
      "the batch pod Running on an Initialized tenon node",
      async () => {
        const pod = (await e.reader.pods("app=batch", "statechange")).find(isRunning);
        const claim = (await e.reader.nodeClaims()).find((c) => initialized(c) && c.status?.nodeName === pod?.spec?.nodeName);
        return claim && pod?.spec?.nodeName ? { claim, nodeName: pod.spec.nodeName } : undefined;
      },
      { timeoutMs: 180_000, controllers: [controller] },
    );
    const instanceID = instanceIDOf(claim.status?.providerID)!;
    const before = await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "instance_terminated" });

    // EventBridge sends the state change as the instance goes; the message alone must clear it out.
    const sent = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: event(e, "e2e-state-1", "EC2 Instance State-change Notification", { "instance-id": instanceID, state: "terminated" }) }));
    await until(
      `NodeClaim ${claim.metadata.name} and Node ${nodeName} gone`,
      async () => {
        const claimGone = !(await e.reader.nodeClaims()).some((c) => c.metadata.name === claim.metadata.name);
        const nodeGone = !(await e.reader.core.listNode()).items.some((n) => n.metadata?.name === nodeName);
        return claimGone && nodeGone ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const goneAfter = Date.now() - sent;
    await until(
      "the batch pod Running on another node, the instance terminated",
      async () => {
        const pod = (await e.reader.pods("app=batch", "statechange")).find(isRunning);
        const state = (await instances(e.ec2)).find((i) => i.InstanceId === instanceID)?.State?.Name;
        return pod && pod.spec?.nodeName !== nodeName && state === "terminated" ? true : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, controllers: [controller] },
    );
    const runningAfter = Date.now() - sent;
    console.log(`    timings: state-change "terminated" → NodeClaim and Node gone ${seconds(goneAfter)}; → pod Running elsewhere ${seconds(runningAfter)}`);
    assert.equal(await metricValue(controller, "karpenter_nodeclaims_disrupted_total", { reason: "instance_terminated" }), before + 1, "the interruption controller deleted the claim");
    assert.ok((await metricValue(controller, "karpenter_interruption_received_messages_total", { message_type: "instance_terminated" })) >= 1);
  });

  it("a garbage message is deleted and counted as malformed, and the next message is still handled", async () => {
    const e = env();
    const { sqs, controller } = await ready(e);
    const malformed = await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" });
    const unowned = await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "unowned" });
    const sent = Date.now();
    // Not JSON; JSON that is no EventBridge event; a state change without its instance ID.
    for (const body of ["this is not JSON {", "[1, 2]", event(e, "e2e-bad-1", "EC2 Instance State-change Notification", { state: "terminated" })]) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: body }));
    }
    await until(
      "three malformed messages counted and the queue empty",
      async () => ((await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" })) >= malformed + 3 && (await queued(sqs)) === 0 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 200, controllers: [controller] },
    );
    const discardedAfter = Date.now() - sent;
    // The controller carries on: a well-formed message for an instance no NodeClaim holds is read and deleted.
    await sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: event(e, "e2e-after-bad", "EC2 Instance State-change Notification", { "instance-id": "i-0123456789abcdef0", state: "stopping" }) }));
    await until(
      "the next message counted as unowned and the queue empty",
      async () => ((await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "unowned" })) >= unowned + 1 && (await queued(sqs)) === 0 ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 200, controllers: [controller] },
    );
    console.log(`    timings: 3 garbage messages → deleted and counted ${seconds(discardedAfter)}; next message handled ${seconds(Date.now() - sent)} after the first`);
    assert.equal(await metricValue(controller, "tenon_interruption_discarded_messages_total", { reason: "malformed" }), malformed + 3, "each garbage message counted once");
  });
});
