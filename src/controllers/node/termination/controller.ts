// Node termination: a Node being deleted that carries tenon's finalizer is tainted, drained
// through the Eviction API, waited on until its volumes detach, its instance terminated, and only
// then let go. Keyed by Node name; each reconcile re-derives where the termination stands from the
// node, its pods, its NodeClaim and the cloud, so a restart resumes it wherever it was.
import { StorageV1Api, type V1Node, type V1VolumeAttachment } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { NodePoolLabel, TerminationFinalizer, ZoneLabel } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { NodeClaimNotFoundError } from "../../../cloudprovider/errors.js";
import { isConflict, isNotFound } from "../../../operator/kube.js";
import { controllerLogger, withObjects } from "../../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../../operator/metrics.js";
import type { ClusterState } from "../../../state/cluster.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../../shared/deps.js";
import { sameConditions, setConditions } from "../../shared/conditions.js";
import { deleteNodeClaim, patchNode, patchNodeClaimStatus } from "../../shared/kube.js";
import { formatRFC3339, terminationDeadline } from "../../nodeclaim/lifecycle/termination.js";
import { hasFinalizer, isManagedClaim, nodeReadyStatus, nodeRef, podRef } from "../../shared/objects.js";
import { nextProtectionEnd } from "../../../state/donotdisrupt.js";
import { isActive, isDeleting, timeOf } from "../../../state/predicates.js";
import { doNotDisruptEvents } from "../../shared/karpenter-events.js";
import { DisruptedNoScheduleTaint, drainPlan } from "./drain.js";
import { type EvictionBackoff, EvictionQueue } from "./eviction.js";
import { type TerminationStep, terminationConditionUpdates } from "./conditions.js";
import { pendingVolumeAttachments } from "./volumes.js";

export const NodeTerminationName = "node.termination";

/** Keeps load balancers from sending new connections to a node that is going away (Karpenter sets it too). */
export const ExcludeFromLoadBalancersLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

const drainPollMs = 5000;
const volumePollMs = 2000;
const instancePollMs = 5000;
const conflictRequeueMs = 1000;

export interface NodeTerminationOptions {
  concurrency?: number;
  evictionBackoff?: EvictionBackoff;
}

export class NodeTermination implements Reconciler {
  readonly name = NodeTerminationName;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly storage: StorageV1Api;

  constructor(
    private readonly deps: ControllerDeps,
    readonly evictions: EvictionQueue,
  ) {
    this.log = controllerLogger(deps.logger, this.name);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.storage = deps.kube.kubeConfig.makeApiClient(StorageV1Api);
  }

  async reconcile(nodeName: string): Promise<ReconcileResult | undefined> {
    const node = this.deps.state.nodes.get(nodeName);
    if (!node || !isDeleting(node) || !hasFinalizer(node, TerminationFinalizer)) return undefined;
    const log = withObjects(this.log, { Node: nodeName });
    try {
      return await this.finalize(node, log);
    } catch (err) {
      if (isConflict(err)) return { requeueAfterMs: conflictRequeueMs };
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async finalize(node: V1Node, log: Logger): Promise<ReconcileResult | undefined> {
    const nodeName = node.metadata!.name!;
    const providerID = node.spec?.providerID ?? "";
    const claims = providerID ? this.deps.state.nodeClaims.list().filter((c) => c.status?.providerID === providerID) : [];
    // Another provisioner's node (its claim names a node class this provider does not launch).
    if (claims.some((c) => !isManagedClaim(c, this.deps.cloudProvider))) return undefined;
    if (claims.length > 1) {
      // Someone made claims with the same provider ID: tenon cannot tell whose deadline applies.
      log.error({ NodeClaims: claims.map((c) => c.metadata.name) }, `failed to terminate node: expected one NodeClaim with provider ID ${providerID}, found ${claims.length}`);
      return undefined;
    }
    const claim = claims[0];
    if (!claim) {
      // The claim (which records the grace period and owns the instance) is gone: let the node go;
      // garbage collection terminates an instance no claim accounts for.
      log.info({ "provider-id": providerID }, "no NodeClaim for terminating node, removing its finalizer");
      await this.removeFinalizer(node, log);
      return undefined;
    }
    const claimLog = log.child({ NodeClaim: { name: claim.metadata.name } });
    // A Node deleted directly (by a user, or the cloud's node lifecycle) takes its NodeClaim with it.
    if (!isDeleting(claim)) await deleteNodeClaim(this.deps.kube, claim);

    // A node whose kubelet has stopped reporting and whose instance is gone has nothing left to drain.
    if (nodeReadyStatus(node) !== "True") {
      try {
        await this.deps.cloudProvider.get(providerID);
      } catch (err) {
        if (!(err instanceof NodeClaimNotFoundError)) throw err;
        claimLog.info("instance already gone, not draining");
        await this.removeFinalizer(node, claimLog);
        return undefined;
      }
    }

    const now = this.deps.clock.now();
    let deadline: number | undefined;
    try {
      deadline = terminationDeadline(claim);
    } catch (err) {
      claimLog.error({ error: err instanceof Error ? err.message : String(err) }, "ignoring the termination deadline");
    }
    if (deadline !== undefined) {
      this.deps.recorder.publish({
        involvedObject: nodeRef(node),
        type: "Warning",
        reason: "TerminationGracePeriodExpiring",
        message: `All pods will be deleted by ${formatRFC3339(deadline)}`,
        dedupeValues: [nodeName],
      });
    }

    await this.taint(node, claimLog);

    let marked = await this.mark(claim, { step: "draining" });
    const drained = await this.drain(node, now, deadline, claimLog);
    if (drained) return drained;
    this.countDrained(node);
    marked = await this.mark(marked, { step: "drained" });

    const pastDeadline = deadline !== undefined && now >= deadline;
    {
      const pending = await this.pendingVolumeAttachments(nodeName, now);
      marked = await this.mark(marked, { step: "volumes", pending: pending.length, pastDeadline });
      if (pending.length > 0 && !pastDeadline) {
        this.deps.recorder.publish({
          involvedObject: nodeRef(node),
          type: "Warning",
          reason: "AwaitingVolumeDetachment",
          message: `Awaiting deletion of ${pending.length} VolumeAttachments bound to node`,
          dedupeValues: [nodeName],
        });
        return { requeueAfterMs: volumePollMs };
      }
    }

    if (!(await this.instanceTerminated(marked))) return { requeueAfterMs: instancePollMs };
    await this.removeFinalizer(node, claimLog);
    return undefined;
  }

  /**
   * Writes the claim's termination conditions where the step changes them, onto the newest copy
   * tenon has (the watch's, or what the previous write of this reconcile returned); returns that copy.
   */
  private async mark(claim: NodeClaim, step: TerminationStep): Promise<NodeClaim> {
    const watched = this.deps.state.nodeClaims.get(claim.metadata.name ?? "");
    const latest = watched && Number(watched.metadata.resourceVersion) > Number(claim.metadata.resourceVersion) ? watched : claim;
    const before = latest.status?.conditions;
    const updates = terminationConditionUpdates(before, step);
    if (updates.length === 0) return latest;
    const after = setConditions(before, updates, latest.metadata.generation, this.deps.clock.now());
    if (sameConditions(before, after)) return latest;
    try {
      return await patchNodeClaimStatus(this.deps.kube, latest.metadata.name ?? "", latest.metadata.resourceVersion, { conditions: after });
    } catch (err) {
      // Gone: nothing to mark. A conflict: the next reconcile marks the newer copy.
      if (!isNotFound(err) && !isConflict(err)) throw err;
      return latest;
    }
  }

  /** Nodes whose drain finished and was counted (karpenter_nodes_drained_total counts each node once). */
  private readonly drainedNodes = new Set<string>();

  private countDrained(node: V1Node): void {
    const id = node.metadata?.uid ?? node.metadata!.name!;
    if (this.drainedNodes.has(id)) return;
    this.drainedNodes.add(id);
    this.metrics.nodesDrained.inc({ nodepool: node.metadata?.labels?.[NodePoolLabel] ?? "" });
  }

  /** Adds the disrupted NoSchedule taint and the load-balancer exclusion label, if missing. */
  private async taint(node: V1Node, log: Logger): Promise<void> {
    const taints = node.spec?.taints ?? [];
    const tainted = taints.some((t) => t.key === DisruptedNoScheduleTaint.key && t.effect === DisruptedNoScheduleTaint.effect);
    const labelled = node.metadata?.labels?.[ExcludeFromLoadBalancersLabel] !== undefined;
    if (tainted && labelled) return;
    await patchNode(this.deps.kube, node.metadata!.name!, {
      metadata: { resourceVersion: node.metadata?.resourceVersion, labels: { [ExcludeFromLoadBalancersLabel]: "karpenter" } },
      ...(tainted ? {} : { spec: { taints: [...taints, DisruptedNoScheduleTaint] } }),
    });
    if (!tainted) log.info({ "taint.Key": DisruptedNoScheduleTaint.key, "taint.Effect": DisruptedNoScheduleTaint.effect }, "tainted node");
  }

  /** One drain step; a requeue while pods remain, undefined once the node is drained. */
  private async drain(node: V1Node, now: number, deadline: number | undefined, log: Logger): Promise<ReconcileResult | undefined> {
    const nodeName = node.metadata!.name!;
    const plan = drainPlan(this.deps.state.podsOnNode(nodeName), now, deadline);
    for (const { pod, gracePeriodSeconds } of plan.deletions) {
      try {
        await this.deps.kube.core.deleteNamespacedPod({
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          gracePeriodSeconds,
          ...(pod.metadata?.uid ? { body: { preconditions: { uid: pod.metadata.uid } } } : {}),
        });
      } catch (err) {
        if (isNotFound(err) || isConflict(err)) continue;
        throw err;
      }
      this.deps.recorder.publish({
        involvedObject: podRef(pod),
        type: "Normal",
        reason: "Disrupted",
        message: `Deleting the pod to accommodate the terminationTime ${formatRFC3339(deadline!)} of the node. The pod was granted ${gracePeriodSeconds} seconds of grace-period of its ${pod.spec?.terminationGracePeriodSeconds ?? 30} terminationGracePeriodSeconds. This bypasses the PDB of the pod and the do-not-disrupt annotation.`,
        dedupeValues: [pod.metadata?.namespace ?? "", pod.metadata?.name ?? ""],
      });
      log.info({ Pod: { name: pod.metadata?.name, namespace: pod.metadata?.namespace }, "delete.gracePeriodSeconds": gracePeriodSeconds }, "deleting pod");
    }
    this.evictions.add(plan.evictions);
    if (plan.waiting.length === 0) return undefined;
    // What the drain makes of each waiting pod's do-not-disrupt duration, as Karpenter says it.
    for (const pod of plan.waiting) if (isActive(pod)) this.deps.recorder.publish(...doNotDisruptEvents(pod, now));
    this.deps.recorder.publish({
      involvedObject: nodeRef(node),
      type: "Warning",
      reason: "FailedDraining",
      message: `Failed to drain node, ${plan.waiting.length} pods are waiting to be evicted`,
      dedupeValues: [nodeName],
    });
    // Come back when the next pod falls due for deletion, if that is sooner than the next look.
    // Or when a do-not-disrupt duration ends and its pod may be evicted.
    const protectedUntil = nextProtectionEnd(plan.waiting, now);
    const due = Math.min(plan.nextDeletionAt === undefined ? drainPollMs : plan.nextDeletionAt - now + 100, protectedUntil === undefined ? drainPollMs : protectedUntil - now + 100);
    return { requeueAfterMs: Math.max(100, Math.min(drainPollMs, due)) };
  }

  private async pendingVolumeAttachments(nodeName: string, now: number): Promise<V1VolumeAttachment[]> {
    const list = await this.storage.listVolumeAttachment();
    const claims = this.deps.state.claims;
    return pendingVolumeAttachments(list.items, nodeName, this.deps.state.podsOnNode(nodeName), (ns, name) => claims.get(name, ns), now);
  }

  /** Asks the cloud to terminate the instance; true once it is gone. */
  private async instanceTerminated(claim: NodeClaim): Promise<boolean> {
    const uid = claim.metadata.uid ?? claim.metadata.name ?? "";
    try {
      await this.deps.cloudProvider.delete(claim);
      if (!this.instanceTerminationStarted.has(uid)) this.instanceTerminationStarted.set(uid, this.deps.clock.now());
      await this.mark(claim, { step: "terminating" });
      return false;
    } catch (err) {
      if (!(err instanceof NodeClaimNotFoundError)) throw err;
      await this.mark(claim, { step: "terminating" });
      // The instance is gone: how long the cloud took since tenon first asked (Karpenter's instance termination duration).
      const started = this.instanceTerminationStarted.get(uid);
      this.instanceTerminationStarted.delete(uid);
      if (started !== undefined) this.metrics.nodeClaimsInstanceTerminationDuration.observe({ nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "" }, (this.deps.clock.now() - started) / 1000);
      return true;
    }
  }

  /** When tenon first asked the cloud to terminate each claim's instance. */
  private readonly instanceTerminationStarted = new Map<string, number>();

  private async removeFinalizer(node: V1Node, log: Logger): Promise<void> {
    try {
      await patchNode(this.deps.kube, node.metadata!.name!, {
        metadata: { resourceVersion: node.metadata?.resourceVersion, finalizers: (node.metadata?.finalizers ?? []).filter((f) => f !== TerminationFinalizer) },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    const labels = node.metadata?.labels ?? {};
    this.metrics.nodesTerminated.inc({ nodepool: labels[NodePoolLabel] ?? "", zone: labels[ZoneLabel] ?? "" });
    const deleted = timeOf(node.metadata?.deletionTimestamp);
    const created = timeOf(node.metadata?.creationTimestamp);
    const nodepool = labels[NodePoolLabel] ?? "";
    if (deleted !== undefined) this.metrics.nodesTerminationDuration.observe({ nodepool }, Math.max(0, this.deps.clock.now() - deleted) / 1000);
    if (created !== undefined) this.metrics.nodesLifetimeDuration.observe({ nodepool }, Math.max(0, this.deps.clock.now() - created) / 1000);
    this.drainedNodes.delete(node.metadata?.uid ?? node.metadata!.name!);
    log.info({ durationSeconds: deleted === undefined ? undefined : (this.deps.clock.now() - deleted) / 1000 }, "deleted node");
  }
}

/**
 * The node termination controller and its eviction queue. `watch` maps Node events to the node,
 * and NodeClaim and Pod events to the node they concern while it is terminating.
 */
export function newNodeTerminationController(deps: ControllerDeps, opts: NodeTerminationOptions = {}): ManagedController & { evictions: EvictionQueue } {
  const evictions = new EvictionQueue(deps, opts.evictionBackoff);
  const reconciler = new NodeTermination(deps, evictions);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name), concurrency: opts.concurrency ?? 4 });
  const enqueueIfTerminating = (state: ClusterState, nodeName: string | undefined) => {
    if (!nodeName) return;
    const node = state.nodes.get(nodeName);
    if (node && isDeleting(node)) controller.enqueue(nodeName);
  };
  return {
    name: reconciler.name,
    controller,
    evictions,
    watch(state) {
      state.nodes.on((_event, node) => {
        if (isDeleting(node) && node.metadata?.name) controller.enqueue(node.metadata.name);
      });
      state.nodeClaims.on((_event, claim) => {
        const providerID = claim.status?.providerID;
        enqueueIfTerminating(state, claim.status?.nodeName ?? (providerID ? state.nodeByProviderID(providerID)?.metadata?.name : undefined));
      });
      state.pods.on((_event, pod, old) => enqueueIfTerminating(state, pod.spec?.nodeName ?? old?.spec?.nodeName));
      for (const node of state.nodes.list()) if (isDeleting(node) && node.metadata?.name) controller.enqueue(node.metadata.name);
    },
    run: async (signal) => {
      await Promise.all([controller.run(signal), evictions.controller.run(signal)]);
    },
  };
}
