// The interruption controller: long-polls the SQS queue named by INTERRUPTION_QUEUE and acts on
// each batch of EventBridge messages concurrently. For a message about an instance one of this
// cluster's NodeClaims holds, it records Karpenter's Events, marks a spot (or reserved) offering
// unavailable, and — for a warning, scheduled change, stop or termination — deletes the NodeClaim,
// so a replacement launches at once while termination taints and drains the node. A message is
// deleted once handled; malformed, no-op and unowned messages are deleted and counted too, so
// nothing is retried forever. A message whose handling failed (the API server refused a write) is
// left on the queue and comes back after its visibility timeout.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { CapacityTypeLabel, NodePoolLabel } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { parseInterruptionMessage, type InterruptionMessage } from "../../cloudprovider/aws/interruption/messages.js";
import type { QueueMessage } from "../../cloudprovider/aws/interruption/sqs.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../operator/metrics.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { deleteNodeClaim } from "../shared/kube.js";
import { isManagedClaim } from "../shared/objects.js";
import { type UnavailableOffering, actionFor, unavailableOfferingOf } from "./actions.js";
import { noticeEvents, terminatingOnInterruptionEvents } from "./events.js";
import { type InterruptionMetrics, interruptionMetrics } from "./metrics.js";

export const InterruptionControllerName = "interruption";

/** The queue, as the controller uses it (src/cloudprovider/aws/interruption/sqs.ts over SQS). */
export interface MessageQueue {
  readonly name: string;
  receive(signal?: AbortSignal): Promise<QueueMessage[]>;
  delete(message: QueueMessage, signal?: AbortSignal): Promise<void>;
}

export interface InterruptionDeps extends ControllerDeps {
  queue: MessageQueue;
  /** Where interrupted offerings are recorded (the AWS provider's unavailable-offerings cache). */
  offerings?: { markUnavailable(instanceType: string, zone: string, capacityType: UnavailableOffering["capacityType"], scope?: { reservationID?: string }): void };
  interruptionMetrics?: InterruptionMetrics;
}

type Outcome = "acted" | "unowned" | "no_op" | "malformed";

export class InterruptionReconciler implements Reconciler {
  readonly name = InterruptionControllerName;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly im: InterruptionMetrics;
  private announced = false;

  constructor(private readonly deps: InterruptionDeps) {
    this.log = controllerLogger(deps.logger, this.name).child({ queue: deps.queue.name });
    this.metrics = deps.metrics ?? defaultMetrics;
    this.im = deps.interruptionMetrics ?? interruptionMetrics();
  }

  async reconcile(_key: string, signal: AbortSignal): Promise<ReconcileResult> {
    const { state } = this.deps;
    // Acting on a partial cache would delete messages about claims it has not seen yet as unowned.
    if (!state.nodeClaims.synced || !state.nodes.synced) return { requeueAfterMs: 1000 };
    if (!this.announced) {
      this.announced = true;
      this.log.info("watching interruption queue");
    }
    const batch = await this.deps.queue.receive(signal);
    if (batch.length === 0) return { requeueAfterMs: 0 };
    const claims = this.claimsByInstance();
    const results = await Promise.allSettled(batch.map((m) => this.handle(m, claims, signal)));
    const failed = results.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (failed.length > 0) throw new AggregateError(failed, `interruption: ${failed.length} of ${batch.length} message(s) failed and stay on the queue; first: ${String(failed[0])}`);
    return { requeueAfterMs: 0 };
  }

  /** This cluster's NodeClaims by the EC2 instance they hold. */
  private claimsByInstance(): Map<string, NodeClaim[]> {
    const out = new Map<string, NodeClaim[]>();
    for (const claim of this.deps.state.nodeClaims.list()) {
      const id = instanceIDOf(claim.status?.providerID);
      if (!id || !isManagedClaim(claim, this.deps.cloudProvider)) continue;
      out.set(id, [...(out.get(id) ?? []), claim]);
    }
    return out;
  }

  private async handle(raw: QueueMessage, claims: Map<string, NodeClaim[]>, signal: AbortSignal): Promise<void> {
    const parsed = parseInterruptionMessage(raw.body);
    let outcome: Outcome;
    if (!parsed.ok) {
      this.log.warn({ "message-id": raw.messageID, error: parsed.error }, "deleting a malformed interruption message");
      outcome = "malformed";
    } else {
      const msg = parsed.message;
      this.im.received.inc({ message_type: msg.kind });
      outcome = msg.kind === "no_op" ? "no_op" : await this.act(msg, claims);
      if (outcome === "no_op") this.log.debug({ "message-id": raw.messageID, source: msg.source, "detail-type": msg.detailType }, "ignoring an event tenon does not act on");
      if (outcome === "unowned") this.log.debug({ "message-id": raw.messageID, kind: msg.kind, instances: msg.instanceIDs }, "no NodeClaim of this cluster holds the instance");
      const at = msg.time ?? raw.sentAt;
      if (at !== undefined) this.im.queueDuration.observe(Math.max(0, (this.deps.clock.now() - at) / 1000));
    }
    if (outcome !== "acted") this.im.discarded.inc({ reason: outcome });
    await this.deps.queue.delete(raw, signal);
    this.im.deleted.inc();
  }

  /** Acts on every claim the message names; "unowned" when none is this cluster's. Throws if a write failed. */
  private async act(msg: InterruptionMessage, claims: Map<string, NodeClaim[]>): Promise<Outcome> {
    const targets = msg.instanceIDs.flatMap((id) => claims.get(id) ?? []);
    if (targets.length === 0) return "unowned";
    const errors: unknown[] = [];
    for (const claim of targets) {
      try {
        await this.actOnClaim(msg, claim);
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors.length === 1 ? errors[0] : new AggregateError(errors, `acting on ${errors.length} NodeClaims failed`);
    return "acted";
  }

  private async actOnClaim(msg: InterruptionMessage, claim: NodeClaim): Promise<void> {
    const node = this.nodeOf(claim);
    const action = actionFor(msg.kind);
    const log = this.log.child({ messageKind: msg.kind, NodeClaim: { name: claim.metadata.name }, ...(node ? { Node: { name: node.metadata?.name } } : {}), action });
    this.deps.recorder.publish(...noticeEvents(msg.kind, claim, node));
    const offering = unavailableOfferingOf(msg.kind, claim);
    if (offering && this.deps.offerings) {
      this.deps.offerings.markUnavailable(offering.instanceType, offering.zone, offering.capacityType, offering.reservationID ? { reservationID: offering.reservationID } : {});
      log.info({ offering }, "marked the interrupted offering unavailable");
    }
    if (action !== "CordonAndDrain" || claim.metadata.deletionTimestamp) return;
    if (!(await deleteNodeClaim(this.deps.kube, claim))) return;
    log.info("initiating delete from interruption message");
    this.deps.recorder.publish(...terminatingOnInterruptionEvents(claim, node));
    this.metrics.nodeClaimsDisrupted.inc({ reason: msg.kind, nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
  }

  private nodeOf(claim: NodeClaim): V1Node | undefined {
    const providerID = claim.status?.providerID;
    return providerID ? this.deps.state.nodeByProviderID(providerID) : undefined;
  }
}

/** The instance ID a provider ID ends with (`aws:///us-west-2a/i-0123…`), or undefined. */
export function instanceIDOf(providerID: string | undefined): string | undefined {
  return /^[a-z][a-z0-9+.-]*:\/\/\/[^/]*\/([^/]+)$/.exec(providerID ?? "")?.[1];
}

/** The interruption controller: one singleton key, polled again as soon as each batch is handled. */
export function newInterruptionController(deps: InterruptionDeps): ManagedController {
  const reconciler = new InterruptionReconciler(deps);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name) });
  return {
    name: reconciler.name,
    controller,
    watch() {
      controller.enqueue(InterruptionControllerName);
    },
    run: (signal) => controller.run(signal),
  };
}
