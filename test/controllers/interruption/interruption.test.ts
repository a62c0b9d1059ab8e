// The interruption controller against real parts: moto's SQS for the queue, a real API server for
// the NodeClaims and Nodes (kwok keeps the nodes Ready), the NodeClaim lifecycle and node
// termination controllers finalizing what it deletes, and the fake cloud provider behind the seam.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from "@aws-sdk/client-sqs";
import { UnavailableOfferings } from "../../../src/cloudprovider/aws/unavailableofferings.js";
import { InterruptionQueue } from "../../../src/cloudprovider/aws/interruption/sqs.js";
import { createInterruptionMetrics } from "../../../src/controllers/interruption/metrics.js";
import { newInterruptionController } from "../../../src/controllers/interruption/index.js";
import { newNodeTerminationController } from "../../../src/controllers/node/termination/controller.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, installCRDs, useControlPlane, useMoto } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, condition, createNodeClaim, metricValue, nodeClaimManifest, readNode, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const queueName = "tenon-interruptions";

function event(detailType: string, detail: unknown, source = "aws.ec2"): string {
  return JSON.stringify({ version: "0", id: `evt-${Math.random().toString(16).slice(2)}`, "detail-type": detailType, source, account: "123456789012", time: new Date().toISOString(), region: "us-east-1", resources: [], detail });
}
const spotWarning = (id: string) => event("EC2 Spot Instance Interruption Warning", { "instance-id": id, "instance-action": "terminate" });
const rebalance = (id: string) => event("EC2 Instance Rebalance Recommendation", { "instance-id": id });
const stateChange = (id: string, state: string) => event("EC2 Instance State-change Notification", { "instance-id": id, state });
const scheduledChange = (ids: string[]) =>
  event("AWS Health Event", { service: "EC2", eventTypeCategory: "scheduledChange", eventTypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", affectedEntities: ids.map((entityValue) => ({ entityValue })) }, "aws.health");

describe("interruption controller", () => {
  const cluster = useControlPlane({ kwok: true });
  const moto = useMoto();
  let h: Harness;
  let sqs: SQSClient;
  let queueURL: string;
  let stop: () => Promise<void>;
  const offerings = new UnavailableOfferings();
  const im = () => createInterruptionMetrics(h.registry);
  let metrics: ReturnType<typeof im>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    metrics = im();
    sqs = new SQSClient(moto().clientConfig());
    queueURL = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
    const queue = new InterruptionQueue({ client: new SQSClient(moto().clientConfig()), queue: queueName });
    stop = h.run(
      newNodeClaimLifecycleController(h.deps),
      newNodeTerminationController(h.deps),
      newInterruptionController({ ...h.deps, queue, offerings, interruptionMetrics: metrics }),
    );
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  const send = (body: string) => sqs.send(new SendMessageCommand({ QueueUrl: queueURL, MessageBody: body }));
  const deleted = () => metricValue(h.registry, "karpenter_interruption_deleted_messages_total");
  /** Sends the messages and waits until the controller has deleted each of them from the queue. */
  async function deliver(...bodies: string[]): Promise<void> {
    const before = await deleted();
    for (const b of bodies) await send(b);
    await wait(`${bodies.length} message(s) handled and deleted`, async () => ((await deleted()) >= before + bodies.length ? true : undefined));
  }

  /** A launched, registered claim with its kwok node; returns the instance ID the messages name. */
  async function runningClaim(name: string, capacityType: "spot" | "on-demand"): Promise<{ instanceID: string; nodeName: string }> {
    await createNodeClaim(
      h,
      nodeClaimManifest(name, {
        requirements: [
          { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] },
          { key: "karpenter.sh/capacity-type", operator: "In", values: [capacityType] },
        ],
      }),
    );
    const providerID = await wait(`${name} launched`, async () => (await readNodeClaim(h, name))?.status?.providerID);
    const nodeName = `${name}-node`;
    await h.core.createNode({
      body: {
        metadata: { name: nodeName, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE }, labels: { "kubernetes.io/hostname": nodeName } },
        spec: { providerID, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] },
      },
    });
    await wait(`${name} registered`, async () => (condition(await readNodeClaim(h, name), "Registered")?.status === "True" ? true : undefined));
    // The controller reads claims and nodes from the watches: wait until they hold this one's node.
    await wait(`${name}'s node in the cluster state`, () => (h.state.nodeByProviderID(providerID) ? true : undefined));
    return { instanceID: providerID.slice(providerID.lastIndexOf("/") + 1), nodeName };
  }

  const eventsFor = (name: string, reason: string) => h.events.filter((e) => e.involvedObject.name === name && e.reason === reason);

  it("a spot interruption warning deletes the claim, drains and removes the node, and marks the spot offering unavailable", async () => {
    const { instanceID, nodeName } = await runningClaim("spot-a", "spot");
    const zone = (await readNodeClaim(h, "spot-a"))!.metadata.labels!["topology.kubernetes.io/zone"]!;
    await deliver(spotWarning(instanceID));
    await wait("spot-a gone", async () => ((await readNodeClaim(h, "spot-a")) === undefined ? true : undefined));
    await wait("its node gone", async () => ((await readNode(h, nodeName)) === undefined ? true : undefined));
    assert.ok(offerings.isUnavailable("m5.large", zone, "spot"), `m5.large spot in ${zone} is marked unavailable`);
    assert.equal(offerings.isUnavailable("m5.large", zone, "on-demand"), false, "on-demand stays available");
    assert.equal(eventsFor("spot-a", "SpotInterrupted")[0]?.type, "Warning");
    assert.equal(eventsFor(nodeName, "SpotInterrupted").length, 1, "the Node gets the event too");
    assert.equal(eventsFor("spot-a", "TerminatingOnInterruption").length, 1);
    assert.equal(await metricValue(h.registry, "karpenter_interruption_received_messages_total", { message_type: "spot_interrupted" }), 1);
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "spot_interrupted", nodepool: "default", capacity_type: "spot" }), 1);
    const count = (await metrics.queueDuration.get()).values.find((v) => v.metricName === "karpenter_interruption_message_queue_duration_seconds_count");
    assert.ok((count?.value ?? 0) >= 1, "the time on the queue is observed");
  });

  it("a rebalance recommendation is an Event only", async () => {
    const { instanceID, nodeName } = await runningClaim("spot-b", "spot");
    await deliver(rebalance(instanceID));
    const claim = await readNodeClaim(h, "spot-b");
    assert.ok(claim && !claim.metadata.deletionTimestamp, "the claim is kept");
    assert.ok(await readNode(h, nodeName), "the node is kept");
    assert.equal(eventsFor("spot-b", "SpotRebalanceRecommendation")[0]?.type, "Normal");
    assert.equal(eventsFor(nodeName, "SpotRebalanceRecommendation").length, 1);
    assert.equal(eventsFor("spot-b", "TerminatingOnInterruption").length, 0);
  });

  it("an instance state change to terminated removes the NodeClaim and the Node; stopping does too", async () => {
    const a = await runningClaim("od-a", "on-demand");
    const b = await runningClaim("od-b", "on-demand");
    await deliver(stateChange(a.instanceID, "terminated"), stateChange(b.instanceID, "stopping"));
    for (const [name, nodeName] of [["od-a", a.nodeName], ["od-b", b.nodeName]] as const) {
      await wait(`${name} gone`, async () => ((await readNodeClaim(h, name)) === undefined ? true : undefined));
      await wait(`${nodeName} gone`, async () => ((await readNode(h, nodeName)) === undefined ? true : undefined));
    }
    assert.equal(eventsFor("od-a", "InstanceTerminating").length, 1);
    assert.equal(eventsFor("od-b", "InstanceStopping").length, 1);
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "instance_terminated" }), 1);
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "instance_stopped" }), 1);
  });

  it("a scheduled change acts on every instance it names", async () => {
    const a = await runningClaim("sched-a", "on-demand");
    const b = await runningClaim("sched-b", "on-demand");
    await deliver(scheduledChange([a.instanceID, b.instanceID]));
    for (const name of ["sched-a", "sched-b"]) {
      await wait(`${name} gone`, async () => ((await readNodeClaim(h, name)) === undefined ? true : undefined));
      assert.equal(eventsFor(name, "InstanceUnhealthy").length, 1);
    }
  });

  it("deletes and counts garbage, events it does not act on, and instances it does not own", async () => {
    const keep = await runningClaim("keep", "on-demand");
    const malformedBefore = await metricValue(h.registry, "tenon_interruption_discarded_messages_total", { reason: "malformed" });
    await deliver("this is not json", JSON.stringify({ version: "0", source: "aws.ec2", "detail-type": "EC2 Spot Instance Interruption Warning", detail: {} }), stateChange(keep.instanceID, "running"), spotWarning("i-0123456789abcdef0"));
    assert.equal((await metricValue(h.registry, "tenon_interruption_discarded_messages_total", { reason: "malformed" })) - malformedBefore, 2);
    assert.equal(await metricValue(h.registry, "tenon_interruption_discarded_messages_total", { reason: "no_op" }), 1);
    assert.equal(await metricValue(h.registry, "tenon_interruption_discarded_messages_total", { reason: "unowned" }), 1);
    const claim = await readNodeClaim(h, "keep");
    assert.ok(claim && !claim.metadata.deletionTimestamp, "a running state change leaves the claim alone");
    // Nothing is left on the queue, visible or in flight: deleted messages never come back.
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueURL, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessages, "0");
    assert.equal(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible, "0");
  });
});
