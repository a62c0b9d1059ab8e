// End to end on the local cluster: a spot interruption warning sent to the interruption queue
// (moto's SQS) for a running tenon instance → its NodeClaim deleted at once, a replacement
// launched and Initialized, the pods Running on it, the old instance terminated; the spot
// offering marked unavailable shows as the replacement landing on another offering.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateQueueCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment, nodePool } from "./fixtures.js";
import { instanceIDOf, instances, isRunning, metricValue, note, seconds, until, useE2E } from "./harness.js";

const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");

describe("interruption end to end", { timeout: 600_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;

  it("a spot interruption warning replaces the node before the instance goes", async () => {
    const e = env();
    const sqs = new SQSClient(e.dev.moto.clientConfig());
    const queueURL = (await sqs.send(new CreateQueueCommand({ QueueName: "e2e-interruptions" }))).QueueUrl!;
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
});
