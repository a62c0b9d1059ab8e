// The NodeClaim lifecycle: launch → registration → initialization (→ Ready), liveness, and the
// NodeClaim's own finalization. Keyed by NodeClaim name; every reconcile re-derives its steps from
// the claim, its node and the cloud, so a crash anywhere repeats at most an idempotent step:
// create() finds the instance it already launched (by the claim's tag), node syncs and condition
// writes are computed from what is there now.
import type { V1Node } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  CapacityTypeLabel,
  ConditionInitialized,
  ConditionLaunched,
  ConditionRegistered,
  InstanceTypeLabel,
  NodeInitializedLabel,
  NodePoolLabel,
  TerminationFinalizer,
  TerminationTimestampAnnotation,
  UnregisteredTaintKey,
  ZoneLabel,
} from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { InsufficientCapacityError, NodeClaimNotFoundError, NodeClassNotReadyError } from "../../../cloudprovider/errors.js";
import type { RegistrationHook } from "../../../cloudprovider/types.js";
import { controllerLogger, withObjects } from "../../../operator/logging.js";
import { isConflict, isNotFound } from "../../../operator/kube.js";
import { type Metrics, metrics as defaultMetrics } from "../../../operator/metrics.js";
import type { ClusterState } from "../../../state/cluster.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import { isTrue, nodeClaimRootCondition, setCondition, truncateMessage } from "../../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../../shared/deps.js";
import { deleteNode, deleteNodeClaim, patchNode, patchNodeClaim, patchNodeClaimStatus } from "../../shared/kube.js";
import { hasFinalizer, isManagedClaim, nodeClaimRef, nodesForClaim } from "../../shared/objects.js";
import { isDeleting, timeOf } from "../../../state/predicates.js";
import { initializationCheck } from "./initialization.js";
import { populateLaunched } from "./launch.js";
import { type LivenessOptions, defaultLivenessOptions, livenessDecision } from "./liveness.js";
import { type HooksOutcome, RegistrationHookPendingReason, joinHooks, missingUnregisteredTaint, registrationProblem, syncedNode } from "./registration.js";
import { terminationTimestampToWrite } from "./termination.js";
import { announceRejectedNodeClaim } from "../rejected.js";
import type { RegistrationOutcomes } from "../../nodepool/registrationoutcomes.js";

export const NodeClaimLifecycleName = "nodeclaim.lifecycle";

export interface NodeClaimLifecycleOptions extends Partial<LivenessOptions> {
  concurrency?: number;
  /** Where registrations and timeouts are reported, for the NodePools' NodeRegistrationHealthy. */
  registrationOutcomes?: RegistrationOutcomes;
  /** The cloud provider's gates on registration (Karpenter's WithRegistrationHook), asked in parallel. */
  registrationHooks?: readonly RegistrationHook[];
}

/** Wait after a conflicting write before trying again (the watch usually requeues sooner). */
const conflictRequeueMs = 1000;
/** How often a deleting claim looks again at its node and instance even without events. */
const terminationPollMs = 5000;
const nodeWaitPollMs = 30_000;
/** NodeClassNotReady backoff: 1 s doubling to 1 min, like Karpenter's lifecycle rate limiter. */
const notReadyBackoff = { baseMs: 1000, maxMs: 60_000 };
/** A pending registration hook that names no requeue is asked again after 1 s doubling to 1 min. */
const hookBackoff = { baseMs: 1000, maxMs: 60_000 };
/** A launched claim's cloud answer is remembered this long, so a lagging cache does not launch twice. */
const launchedCacheTtlMs = 60 * 60_000;
/** Long enough for any watch to deliver the deletion. */
const deletedMemoryMs = 60_000;

/** What registration found: the node as it is now (for initialization), and when to look again. */
interface RegisterOutcome {
  node?: V1Node;
  requeueAfterMs?: number;
  error?: unknown;
}

/** What launching decided: stop here (the claim was deleted), or go on with the updated claim. */
type LaunchOutcome = { stop: true } | { stop: false; claim: NodeClaim; requeueAfterMs?: number; error?: unknown };

export class NodeClaimLifecycle implements Reconciler {
  readonly name = NodeClaimLifecycleName;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly liveness: LivenessOptions;
  private readonly outcomes: RegistrationOutcomes | undefined;
  private readonly launched = new Map<string, { claim: NodeClaim; at: number }>();
  private readonly notReadyFailures = new Map<string, number>();
  /** Reconciles each claim has waited on a registration hook, for the backoff. */
  private readonly hookWaits = new Map<string, number>();
  private readonly hooks: readonly RegistrationHook[];
  private readonly terminationStarted = new Map<string, number>();
  /** Claims this controller deleted, until the cache shows them deleting (so a stale read does not act again). */
  private readonly deletedByUs = new Map<string, number>();

  constructor(
    private readonly deps: ControllerDeps,
    opts: NodeClaimLifecycleOptions = {},
  ) {
    this.log = controllerLogger(deps.logger, this.name);
    this.metrics = deps.metrics ?? defaultMetrics;
    this.liveness = {
      registrationTTLMs: opts.registrationTTLMs ?? defaultLivenessOptions.registrationTTLMs,
      launchTimeoutMs: opts.launchTimeoutMs ?? defaultLivenessOptions.launchTimeoutMs,
    };
    this.outcomes = opts.registrationOutcomes;
    this.hooks = opts.registrationHooks ?? [];
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const claim = this.deps.state.nodeClaims.get(name);
    if (!claim) {
      this.notReadyFailures.delete(name);
      this.hookWaits.delete(name);
      return undefined;
    }
    if (!isManagedClaim(claim, this.deps.cloudProvider)) return undefined;
    const log = withObjects(this.log, { NodeClaim: name });
    try {
      if (isDeleting(claim)) return await this.finalize(claim, log);
      return await this.lifecycle(claim, log);
    } catch (err) {
      // Someone wrote the object since our cache saw it: recompute from the newer version.
      if (isConflict(err)) return { requeueAfterMs: conflictRequeueMs };
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async lifecycle(claim: NodeClaim, log: Logger): Promise<ReconcileResult | undefined> {
    const name = claim.metadata.name!;
    if (this.deletedRecently(claim)) return { requeueAfterMs: conflictRequeueMs };
    // The finalizer goes on before anything is launched, so an instance can never outlive its claim unseen.
    if (!hasFinalizer(claim, TerminationFinalizer)) {
      claim = await patchNodeClaim(this.deps.kube, name, {
        resourceVersion: claim.metadata.resourceVersion,
        finalizers: [...(claim.metadata.finalizers ?? []), TerminationFinalizer],
      });
    }
    const stored = claim;
    let work: NodeClaim = structuredClone(claim);
    const requeues: number[] = [];

    // Logs and metrics of a step count only once its status is written: a reconcile working from a
    // stale cache redoes a step, but its write then conflicts and it reports nothing.
    const written: (() => void)[] = [];
    const launch = await this.launch(work, log, written);
    if (launch.stop) return undefined;
    work = launch.claim;
    if (launch.requeueAfterMs !== undefined) requeues.push(launch.requeueAfterMs);
    const registration = await this.register(work, log, written);
    const node = registration.node;
    if (registration.requeueAfterMs !== undefined) requeues.push(registration.requeueAfterMs);
    const error = launch.error ?? registration.error;
    await this.initialize(work, node, log, written);

    const live = livenessDecision(work, this.deps.clock.now(), this.liveness);
    if (live.action === "delete") {
      await this.deleteForTimeout(work, live.reason, live.timeoutMs, log);
      return undefined;
    }
    if (live.action === "requeue") requeues.push(live.afterMs);

    const ready = nodeClaimRootCondition(work.status?.conditions);
    work.status = { ...work.status, conditions: setCondition(work.status?.conditions, { ...ready, observedGeneration: work.metadata.generation }, this.deps.clock.now()) };

    await this.write(stored, work);
    for (const report of written) report();
    if (!isTrue(stored.status?.conditions, ConditionRegistered) && isTrue(work.status?.conditions, ConditionRegistered)) await this.reportOutcome(work, true, log);
    if (error !== undefined) throw error;
    return requeues.length > 0 ? { requeueAfterMs: Math.max(0, Math.min(...requeues)) } : undefined;
  }

  private deletedRecently(claim: NodeClaim): boolean {
    const now = this.deps.clock.now();
    for (const [uid, at] of this.deletedByUs) if (now - at > deletedMemoryMs) this.deletedByUs.delete(uid);
    return this.deletedByUs.has(claim.metadata.uid ?? claim.metadata.name ?? "");
  }

  /** Deletes the claim; true if this call deleted it (a stale cache may show it after it went). */
  private async deleteClaim(claim: NodeClaim): Promise<boolean> {
    if (!(await deleteNodeClaim(this.deps.kube, claim))) return false;
    this.deletedByUs.set(claim.metadata.uid ?? claim.metadata.name ?? "", this.deps.clock.now());
    return true;
  }

  private setCondition(claim: NodeClaim, type: string, status: "True" | "False" | "Unknown", reason: string, message = ""): void {
    claim.status = {
      ...claim.status,
      conditions: setCondition(claim.status?.conditions, { type, status, reason, message, observedGeneration: claim.metadata.generation }, this.deps.clock.now()),
    };
  }

  // Launch ----------------------------------------------------------------------------------------

  private async launch(claim: NodeClaim, log: Logger, written: (() => void)[]): Promise<LaunchOutcome> {
    const name = claim.metadata.name!;
    if (isTrue(claim.status?.conditions, ConditionLaunched)) return { stop: false, claim };
    if (claim.status?.providerID) {
      // Launched before, and the condition write was lost: never launch a claim twice.
      this.setCondition(claim, ConditionLaunched, "True", ConditionLaunched);
      return { stop: false, claim };
    }
    const uid = claim.metadata.uid ?? name;
    this.pruneLaunched();
    let created = this.launched.get(uid)?.claim;
    if (!created) {
      try {
        created = await this.deps.cloudProvider.create(claim);
      } catch (err) {
        if (err instanceof InsufficientCapacityError) {
          this.deps.recorder.publish({
            involvedObject: nodeClaimRef(claim),
            type: "Warning",
            reason: "InsufficientCapacityError",
            message: `NodeClaim ${name} event: ${truncateMessage(err.message)}`,
            dedupeValues: [uid],
          });
          log.error({ error: err.message }, "failed launching nodeclaim, deleting it so its pods are scheduled elsewhere");
          if (await this.deleteClaim(claim)) {
            this.metrics.nodeClaimsDisrupted.inc({ reason: "insufficient_capacity", nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
          }
          return { stop: true };
        }
        if (err instanceof NodeClassNotReadyError) {
          this.deps.recorder.publish({
            involvedObject: nodeClaimRef(claim),
            type: "Warning",
            reason: "NodeClassNotReady",
            message: `NodeClaim ${name} event: ${truncateMessage(err.message)}`,
            dedupeValues: [uid],
          });
          this.setCondition(claim, ConditionLaunched, "False", "NodeClassNotReady", err.message);
          const failures = this.notReadyFailures.get(name) ?? 0;
          this.notReadyFailures.set(name, failures + 1);
          return { stop: false, claim, requeueAfterMs: Math.min(notReadyBackoff.maxMs, notReadyBackoff.baseMs * 2 ** failures) };
        }
        this.setCondition(claim, ConditionLaunched, "False", "LaunchFailed", err instanceof Error ? err.message : String(err));
        return { stop: false, claim, error: new Error(`launching NodeClaim ${name}: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) };
      }
      this.launched.set(uid, { claim: created, at: this.deps.clock.now() });
    }
    this.notReadyFailures.delete(name);
    const populated = populateLaunched(claim, created);
    this.setCondition(populated, ConditionLaunched, "True", ConditionLaunched);
    const details = {
      "provider-id": populated.status?.providerID,
      "instance-type": populated.metadata.labels?.[InstanceTypeLabel],
      zone: populated.metadata.labels?.[ZoneLabel],
      "capacity-type": populated.metadata.labels?.[CapacityTypeLabel],
      allocatable: populated.status?.allocatable,
    };
    written.push(() => log.info(details, "launched nodeclaim"));
    return { stop: false, claim: populated };
  }

  private pruneLaunched(): void {
    const now = this.deps.clock.now();
    for (const [uid, v] of this.launched) if (now - v.at > launchedCacheTtlMs) this.launched.delete(uid);
  }

  // Registration ----------------------------------------------------------------------------------

  /**
   * Registers the claim's node if it has appeared and every registration hook is done. The node is
   * synced either way (Karpenter syncs before asking the hooks); only once the hooks are done does
   * the claim take their labels, and the node those labels, the registered label and the loss of
   * the unregistered taint, in one write.
   */
  private async register(claim: NodeClaim, log: Logger, written: (() => void)[]): Promise<RegisterOutcome> {
    if (!isTrue(claim.status?.conditions, ConditionLaunched)) {
      this.setCondition(claim, ConditionRegistered, "Unknown", "NotLaunched", "Node not launched");
      return {};
    }
    const nodes = nodesForClaim(this.deps.state.nodes.list(), claim);
    if (isTrue(claim.status?.conditions, ConditionRegistered)) return nodes.length === 1 ? { node: nodes[0] } : {};
    const problem = registrationProblem(nodes);
    if (problem) {
      this.setCondition(claim, ConditionRegistered, problem.status, problem.reason, problem.message);
      return {};
    }
    let node = nodes[0]!;
    if (missingUnregisteredTaint(node)) {
      log.error({ Node: { name: node.metadata?.name }, taint: UnregisteredTaintKey }, "node claim registration error: missing taint prevents registration-related race conditions on Karpenter-managed nodes");
      this.deps.recorder.publish({
        involvedObject: nodeClaimRef(claim),
        type: "Warning",
        reason: "UnregisteredTaintMissing",
        message: `Missing ${UnregisteredTaintKey} taint which prevents registration related race conditions on Karpenter-managed nodes`,
        dedupeValues: [claim.metadata.uid ?? claim.metadata.name ?? ""],
      });
    }
    const hooks = await this.askHooks(claim);
    if (hooks.done) claim.metadata.labels = { ...claim.metadata.labels, ...hooks.labels };
    const sync = syncedNode(claim, node, hooks.done);
    if (sync.changed) {
      node = await patchNode(this.deps.kube, node.metadata!.name!, {
        metadata: {
          resourceVersion: node.metadata?.resourceVersion,
          labels: sync.labels,
          annotations: sync.annotations,
          finalizers: sync.finalizers,
          ownerReferences: sync.ownerReferences,
        },
        spec: { taints: sync.taints },
      });
    }
    const name = claim.metadata.name ?? "";
    if (!hooks.done) {
      this.setCondition(claim, ConditionRegistered, "Unknown", RegistrationHookPendingReason, hooks.pending.join(", "));
      const waits = this.hookWaits.get(name) ?? 0;
      this.hookWaits.set(name, waits + 1);
      log.debug({ hooks: hooks.pending }, "awaiting registration hooks");
      const requeueAfterMs = hooks.requeueAfterMs ?? Math.min(hookBackoff.maxMs, hookBackoff.baseMs * 2 ** waits);
      const error = hooks.errors.length === 0 ? undefined : hooks.errors.length === 1 ? hooks.errors[0] : new AggregateError(hooks.errors, hooks.errors.map(String).join("; "));
      return { node, requeueAfterMs, ...(error !== undefined ? { error } : {}) };
    }
    this.hookWaits.delete(name);
    this.setCondition(claim, ConditionRegistered, "True", ConditionRegistered);
    claim.status = { ...claim.status, nodeName: node.metadata?.name };
    const labels = { nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", zone: claim.metadata.labels?.[ZoneLabel] ?? "" };
    written.push(() => {
      this.metrics.nodesCreated.inc(labels);
      log.info({ Node: { name: node.metadata?.name } }, "registered nodeclaim");
    });
    return { node };
  }

  /** Every registration hook's answer for the claim, asked in parallel; a hook that throws is pending. */
  private async askHooks(claim: NodeClaim): Promise<HooksOutcome> {
    if (this.hooks.length === 0) return { done: true, labels: {} };
    const view = structuredClone(claim);
    const answers = await Promise.all(
      this.hooks.map((h) =>
        h.registered(view).then(
          (result) => ({ name: h.name, result }),
          (error: unknown) => ({ name: h.name, error: error ?? new Error("unknown failure") }),
        ),
      ),
    );
    return joinHooks(answers);
  }

  // Initialization --------------------------------------------------------------------------------

  private async initialize(claim: NodeClaim, node: V1Node | undefined, log: Logger, written: (() => void)[]): Promise<void> {
    if (isTrue(claim.status?.conditions, ConditionInitialized)) return;
    if (!isTrue(claim.status?.conditions, ConditionLaunched)) {
      this.setCondition(claim, ConditionInitialized, "Unknown", "NotLaunched", "Node not launched");
      return;
    }
    const check = initializationCheck(claim, node);
    if (!check.initialized) {
      this.setCondition(claim, ConditionInitialized, "Unknown", check.reason, check.message);
      return;
    }
    if (node!.metadata?.labels?.[NodeInitializedLabel] !== "true") {
      await patchNode(this.deps.kube, node!.metadata!.name!, { metadata: { labels: { [NodeInitializedLabel]: "true" } } });
    }
    this.setCondition(claim, ConditionInitialized, "True", ConditionInitialized);
    written.push(() => log.info({ Node: { name: node!.metadata?.name }, allocatable: node!.status?.allocatable }, "initialized nodeclaim"));
  }

  // Liveness --------------------------------------------------------------------------------------

  private async deleteForTimeout(claim: NodeClaim, reason: "registration_timeout" | "launch_timeout", timeoutMs: number, log: Logger): Promise<void> {
    // Karpenter counts the failure against the pool before deleting the claim.
    await this.reportOutcome(claim, false, log);
    if (!(await this.deleteClaim(claim))) return;
    const what = reason === "launch_timeout" ? "launch" : "node registration";
    this.deps.recorder.publish({
      involvedObject: nodeClaimRef(claim),
      type: "Warning",
      reason: reason === "launch_timeout" ? "LaunchTimeout" : "RegistrationTimeout",
      message: `Deleting NodeClaim: no successful ${what} within ${Math.round(timeoutMs / 1000)}s`,
      dedupeValues: [claim.metadata.uid ?? claim.metadata.name ?? ""],
    });
    this.metrics.nodeClaimsDisrupted.inc({ reason, nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "", capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "" });
    log.info({ reason, timeoutMs }, "terminating due to timeout");
  }

  /** A NodePool's condition is its own concern: a failure to write it does not hold up the claim. */
  private async reportOutcome(claim: NodeClaim, registered: boolean, log: Logger): Promise<void> {
    try {
      await this.outcomes?.observe(claim, registered);
    } catch (err) {
      log.warn({ err, NodePool: { name: claim.metadata.labels?.[NodePoolLabel] } }, "recording node registration health failed");
    }
  }

  // Writing back ----------------------------------------------------------------------------------

  private async write(stored: NodeClaim, work: NodeClaim): Promise<void> {
    const name = stored.metadata.name!;
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
    let resourceVersion = stored.metadata.resourceVersion;
    if (!same(stored.metadata.labels, work.metadata.labels) || !same(stored.metadata.annotations, work.metadata.annotations)) {
      const patched = await patchNodeClaim(this.deps.kube, name, {
        resourceVersion,
        ...(work.metadata.labels ? { labels: work.metadata.labels } : {}),
        ...(work.metadata.annotations ? { annotations: work.metadata.annotations } : {}),
      });
      resourceVersion = patched.metadata.resourceVersion;
    }
    if (!same(stored.status, work.status)) await patchNodeClaimStatus(this.deps.kube, name, resourceVersion, work.status ?? {});
  }

  // Finalization ----------------------------------------------------------------------------------

  private async finalize(claim: NodeClaim, log: Logger): Promise<ReconcileResult | undefined> {
    if (!hasFinalizer(claim, TerminationFinalizer)) return undefined;
    const name = claim.metadata.name!;
    const deadline = terminationTimestampToWrite(claim);
    if (deadline !== undefined) {
      claim = await patchNodeClaim(this.deps.kube, name, {
        resourceVersion: claim.metadata.resourceVersion,
        annotations: { [TerminationTimestampAnnotation]: deadline },
      });
      this.deps.recorder.publish({
        involvedObject: nodeClaimRef(claim),
        type: "Warning",
        reason: "TerminationGracePeriodExpiring",
        message: `All pods will be deleted by ${deadline}`,
        dedupeValues: [name],
      });
      log.info({ [TerminationTimestampAnnotation]: deadline }, "annotated nodeclaim");
    }

    // The node goes first: its termination drains it and removes its finalizer once the instance is gone.
    const nodes = nodesForClaim(this.deps.state.nodes.list(), claim);
    for (const node of nodes) {
      if (!isDeleting(node)) await deleteNode(this.deps.kube, node);
    }
    if (nodes.length > 0) return { requeueAfterMs: nodeWaitPollMs };

    // Without a provider ID the launch never completed; an instance launched by a crashed attempt
    // carries the claim's tag and is garbage-collected once the claim is gone.
    const uid = claim.metadata.uid ?? name;
    if (claim.status?.providerID) {
      try {
        await this.deps.cloudProvider.delete(claim);
        if (!this.terminationStarted.has(uid)) this.terminationStarted.set(uid, this.deps.clock.now());
        return { requeueAfterMs: terminationPollMs };
      } catch (err) {
        if (!(err instanceof NodeClaimNotFoundError)) throw err;
      }
      const started = this.terminationStarted.get(uid);
      if (started !== undefined) {
        this.metrics.nodeClaimsInstanceTerminationDuration.observe({ nodepool: claim.metadata.labels?.[NodePoolLabel] ?? "" }, (this.deps.clock.now() - started) / 1000);
      }
    }
    this.terminationStarted.delete(uid);
    this.launched.delete(uid);
    this.deletedByUs.delete(uid);
    this.notReadyFailures.delete(name);
    this.hookWaits.delete(name);
    await patchNodeClaim(this.deps.kube, name, {
      resourceVersion: claim.metadata.resourceVersion,
      finalizers: (claim.metadata.finalizers ?? []).filter((f) => f !== TerminationFinalizer),
    });
    const labels = claim.metadata.labels ?? {};
    this.metrics.nodeClaimsTerminated.inc({ nodepool: labels[NodePoolLabel] ?? "", capacity_type: labels[CapacityTypeLabel] ?? "", zone: labels[ZoneLabel] ?? "" });
    const deleted = timeOf(claim.metadata.deletionTimestamp);
    if (deleted !== undefined) {
      this.metrics.nodeClaimsTerminationDuration.observe({ nodepool: labels[NodePoolLabel] ?? "" }, Math.max(0, this.deps.clock.now() - deleted) / 1000);
    }
    log.info("deleted nodeclaim");
    return undefined;
  }
}

/**
 * The NodeClaim lifecycle controller. `watch` maps NodeClaim events to their name and Node events
 * to the claim with the node's provider ID.
 */
export function newNodeClaimLifecycleController(deps: ControllerDeps, opts: NodeClaimLifecycleOptions = {}): ManagedController {
  const reconciler = new NodeClaimLifecycle(deps, opts);
  const controller = new Controller(reconciler, { clock: deps.clock, logger: controllerLogger(deps.logger, reconciler.name), concurrency: opts.concurrency ?? 4 });
  const claimFor = (state: ClusterState, node: V1Node | undefined) => {
    const providerID = node?.spec?.providerID;
    return providerID ? state.nodeClaimByProviderID(providerID)?.metadata.name : undefined;
  };
  return {
    name: reconciler.name,
    controller,
    watch(state) {
      state.nodeClaims.on((_event, claim) => {
        if (claim.metadata.name) controller.enqueue(claim.metadata.name);
      });
      state.nodes.on((_event, node, old) => {
        for (const n of [node, old]) {
          const name = claimFor(state, n);
          if (name) controller.enqueue(name);
        }
      });
      for (const claim of state.nodeClaims.list()) if (claim.metadata.name) controller.enqueue(claim.metadata.name);
      state.nodeClaims.onRejection((event, r) => {
        if (event === "rejected") announceRejectedNodeClaim(deps.recorder, r);
      });
      for (const r of state.nodeClaims.rejected()) announceRejectedNodeClaim(deps.recorder, r);
    },
    run: (signal) => controller.run(signal),
  };
}
