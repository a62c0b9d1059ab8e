// nodeclass: the EC2NodeClass controller (Karpenter AWS's nodeclass status, hash and termination
// controllers in one). For a live node class it keeps the termination finalizer and the
// karpenter.k8s.aws/ec2nodeclass-hash annotations on it, resolves what its selectors select now
// (subnets, security groups, AMIs, instance profile, capacity reservations) and writes that as
// status with SubnetsReady / SecurityGroupsReady / AMIsReady / InstanceProfileReady / Ready
// conditions, again every five minutes since AWS changes without telling anyone. A refresh whose AWS
// calls fail (throttled, 5xx) changes nothing it could not learn: the parts keep their last resolved
// value and True condition (its message says what failed), a Warning event names the field and
// the call, and the refresh is retried within seconds, backing off. Only an answer (no subnet
// matches the terms …) turns a condition False. For a node class
// being deleted it waits until no NodeClaim uses it, deletes what tenon created for it (instance
// profile, launch templates) and releases the finalizer.
import { type Condition, ConditionSchema } from "../../../../apis/common.js";
import type { EC2NodeClass, EC2NodeClassStatus } from "../../../../apis/ec2nodeclass.js";
import {
  AWSGroup,
  ConditionAMIsReady,
  ConditionCapacityReservationsReady,
  ConditionDrifted,
  ConditionInstanceProfileReady,
  ConditionReady,
  ConditionSecurityGroupsReady,
  ConditionSubnetsReady,
  ConditionValidationSucceeded,
  EC2NodeClassHashAnnotation,
  EC2NodeClassHashVersionAnnotation,
  NodeClassTerminationFinalizer,
} from "../../../../apis/labels.js";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { NODECLASS_HASH_VERSION, nodeClassHash } from "../../nodeclass/hash.js";
import type { RefreshFailure, ResolvedStatus } from "../../nodeclass/resolve.js";
import { isConflict } from "../../../../operator/kube.js";
import { controllerLogger } from "../../../../operator/logging.js";
import type { ClusterState } from "../../../../state/cluster.js";
import type { Rejected } from "../../../../state/store.js";
import { type ConditionUpdate, getCondition, isTrue, sameConditions, setConditions } from "../../../../controllers/shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../../../../controllers/shared/deps.js";
import { EC2NodeClasses, NodeClaims, patchMetadata, patchStatus } from "../../../../controllers/shared/kube.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../../../controllers/runtime/controller.js";
import { isDeleting } from "../../../../state/predicates.js";

/** Resolution and cleanup of a node class in AWS; the AWS cloud provider implements it. */
export interface NodeClassResolution {
  /**
   * The node class's status as AWS has it now; problems become False conditions, not throws. Parts
   * whose AWS call gave no answer keep their last resolved value and are listed in refreshFailures.
   */
  resolveNodeClass(nodeClass: EC2NodeClass): Promise<ResolvedStatus>;
  /** Deletes what tenon made for the node class (its instance profile, its launch templates). */
  deleteNodeClassResources(nodeClass: EC2NodeClass): Promise<void>;
  /** Tells when a launch learned that a node class's status is out of date (its placement group refused). */
  onNodeClassStale?(listener: (name: string) => void): void;
}

export interface NodeClassControllerDeps extends ControllerDeps {
  resolver: NodeClassResolution;
}

/** Karpenter re-resolves every node class this often. */
export const NODECLASS_RESOLVE_INTERVAL_MS = 5 * 60_000;
/** While NodeClaims still use a deleting node class, look again (and repeat the event) this often. */
export const NODECLASS_TERMINATION_RECHECK_MS = 10 * 60_000;
/** After a failed refresh the node class is resolved again this soon, doubling per failure in a row… */
export const NODECLASS_RETRY_BASE_MS = 2_000;
/** …up to this. */
export const NODECLASS_RETRY_MAX_MS = 2 * 60_000;

/** When to resolve again after `failures` failed refreshes in a row (0: the regular interval). */
export function retryAfterMs(failures: number): number {
  if (failures === 0) return NODECLASS_RESOLVE_INTERVAL_MS;
  return Math.min(NODECLASS_RETRY_MAX_MS, NODECLASS_RETRY_BASE_MS * 2 ** (failures - 1));
}

const EC2NodeClassKind = "EC2NodeClass";

interface Part {
  condition: string;
  present: (s: EC2NodeClassStatus) => boolean;
  missing: (nc: EC2NodeClass) => string;
}

const terms = (t: unknown): string => JSON.stringify(t ?? []);

// What each condition covers, and what to tell the user when the resolver left it out and the
// field came back empty.
const parts: Part[] = [
  {
    condition: ConditionSubnetsReady,
    present: (s) => (s.subnets ?? []).length > 0,
    missing: (nc) => `no subnet matches spec.subnetSelectorTerms ${terms(nc.spec.subnetSelectorTerms)}; tag the subnets to match or fix the terms`,
  },
  {
    condition: ConditionSecurityGroupsReady,
    present: (s) => (s.securityGroups ?? []).length > 0,
    missing: (nc) => `no security group matches spec.securityGroupSelectorTerms ${terms(nc.spec.securityGroupSelectorTerms)}; tag the security groups to match or fix the terms`,
  },
  {
    condition: ConditionAMIsReady,
    present: (s) => (s.amis ?? []).length > 0,
    missing: (nc) => `no AMI matches spec.amiSelectorTerms ${terms(nc.spec.amiSelectorTerms)}; fix the terms (an alias like al2023@latest always resolves)`,
  },
  {
    condition: ConditionInstanceProfileReady,
    present: (s) => (s.instanceProfile ?? "") !== "",
    missing: (nc) =>
      nc.spec.instanceProfile !== undefined
        ? `spec.instanceProfile "${nc.spec.instanceProfile}" could not be resolved; create it or fix the name`
        : `no instance profile for spec.role "${nc.spec.role ?? ""}"; check the role exists and the controller may manage instance profiles`,
  },
];

/**
 * The status to write: what the resolver found, with every required condition present (derived
 * from the fields when the resolver did not say), messages naming the node class, and Ready
 * summarising them — False with the failing conditions' messages, so `kubectl get` shows why.
 */
export function normalizeStatus(nodeClass: EC2NodeClass, resolved: ResolvedStatus, now: number): EC2NodeClassStatus {
  const name = nodeClass.metadata.name ?? "";
  const given = resolved.conditions ?? [];
  const prefix = (m: string) => (m.includes(`EC2NodeClass "${name}"`) ? m : `EC2NodeClass "${name}": ${m}`);
  const updates: ConditionUpdate[] = [];
  for (const p of parts) {
    const c = getCondition(given, p.condition);
    if (c && c.status !== "Unknown") updates.push({ type: p.condition, status: c.status, reason: c.reason, message: c.status === "True" ? c.message : prefix(c.message) });
    else if (p.present(resolved)) updates.push({ type: p.condition, status: "True", reason: p.condition, message: "" });
    else updates.push({ type: p.condition, status: "False", reason: `${p.condition.replace(/Ready$/, "")}NotFound`, message: prefix(p.missing(nodeClass)) });
  }
  const reservations = getCondition(given, ConditionCapacityReservationsReady);
  if (reservations) updates.push({ type: reservations.type, status: reservations.status, reason: reservations.reason, message: reservations.status === "True" ? reservations.message : prefix(reservations.message) });
  const failing = updates.filter((u) => u.status !== "True");
  updates.push(
    failing.length === 0
      ? { type: ConditionReady, status: "True", reason: ConditionReady, message: "" }
      : { type: ConditionReady, status: "False", reason: "UnhealthyDependents", message: failing.map((f) => `${f.type}=False: ${f.message ?? ""}`).join("\n") },
  );
  // Conditions others manage are kept; a CapacityReservationsReady the resolver no longer reports
  // (the selector terms were removed) goes.
  const previous = (nodeClass.status?.conditions ?? []).filter((c) => c.type !== ConditionCapacityReservationsReady || reservations !== undefined);
  const { conditions: _ignored, refreshFailures: _reported, ...fields } = resolved;
  return { ...fields, conditions: setConditions(previous, updates, nodeClass.metadata.generation, now) };
}

const statusFields = ["subnets", "securityGroups", "capacityReservations", "amis", "instanceProfile"] as const;

/** The merge patch from `before` to `after` (removed fields nulled), or undefined when equal. */
export function statusPatch(before: EC2NodeClassStatus | undefined, after: EC2NodeClassStatus): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  for (const f of statusFields) {
    const a = after[f];
    const b = before?.[f];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    patch[f] = a === undefined ? null : a;
  }
  if (!sameConditions(before?.conditions, after.conditions)) patch.conditions = after.conditions;
  return Object.keys(patch).length === 0 ? undefined : patch;
}

export class NodeClassController implements Reconciler, ManagedController {
  readonly name = "nodeclass";
  readonly controller: Controller;
  /** Failed refreshes in a row, by node class name (for the retry backoff and to log once per streak). */
  private readonly failures = new Map<string, number>();

  constructor(private readonly deps: NodeClassControllerDeps) {
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 2 });
    // Resolved again at once rather than at the next interval: launches wait on it.
    deps.resolver.onNodeClassStale?.((name) => this.controller.enqueue(name));
  }

  watch(state: ClusterState): void {
    state.nodeClasses.on((event, nc, old) => {
      if (event === "delete") return;
      // Our own status writes do not change the generation: no loop.
      const changed =
        event === "add" ||
        nc.metadata.generation !== old?.metadata.generation ||
        isDeleting(nc) !== (old ? isDeleting(old) : false) ||
        !(nc.metadata.finalizers ?? []).includes(NodeClassTerminationFinalizer) ||
        nc.metadata.annotations?.[EC2NodeClassHashVersionAnnotation] !== NODECLASS_HASH_VERSION;
      if (changed) this.controller.enqueue(nc.metadata.name ?? "");
    });
    // A deleting node class waits for its NodeClaims: look again when one goes.
    state.nodeClaims.on((event, claim) => {
      if (event !== "delete") return;
      const nc = state.nodeClasses.get(claim.spec.nodeClassRef.name);
      if (nc && isDeleting(nc)) this.controller.enqueue(claim.spec.nodeClassRef.name);
    });
    for (const nc of state.nodeClasses.list()) this.controller.enqueue(nc.metadata.name ?? "");
    // A node class the cache sets aside (it fails the schema) is told so on its status at once.
    state.nodeClasses.onRejection((_event, r) => this.controller.enqueue(r.name));
    for (const r of state.nodeClasses.rejected()) this.controller.enqueue(r.name);
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const nodeClass = this.deps.state.nodeClasses.get(name);
    if (!nodeClass) {
      this.failures.delete(name);
      const rejected = this.deps.state.nodeClasses.rejected().find((r) => r.name === name);
      if (rejected) return this.markInvalid(rejected);
      return undefined;
    }
    if (isDeleting(nodeClass)) {
      this.failures.delete(name);
      return this.finalize(nodeClass);
    }
    return this.resolve(nodeClass);
  }

  /**
   * A node class tenon cannot read: ValidationSucceeded and Ready False naming the field (the
   * other conditions as they were), and a Warning Event. Nothing launches from it meanwhile: its
   * NodePools are not Ready, and drift is not judged from it.
   */
  private async markInvalid(r: Rejected): Promise<ReconcileResult | undefined> {
    const name = r.name;
    const meta = (r.raw.metadata ?? {}) as { generation?: number; resourceVersion?: string; uid?: string };
    const rawConditions = ((r.raw.status as { conditions?: unknown[] } | undefined)?.conditions ?? []).filter((c) => ConditionSchema.safeParse(c).success) as Condition[];
    const message = `EC2NodeClass "${name}" is invalid: ${r.message}`;
    const conditions = setConditions(
      rawConditions,
      [
        { type: ConditionValidationSucceeded, status: "False", reason: "NodeClassValidationFailed", message },
        { type: ConditionReady, status: "False", reason: "NodeClassValidationFailed", message },
      ],
      meta.generation,
      this.deps.clock.now(),
    );
    if (!sameConditions(rawConditions, conditions)) {
      try {
        await patchStatus(this.deps.kube, EC2NodeClasses, name, meta.resourceVersion, { conditions });
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 };
        throw err;
      }
      this.deps.recorder.publish({
        involvedObject: { apiVersion: "karpenter.k8s.aws/v1", kind: EC2NodeClassKind, name, ...(meta.uid ? { uid: meta.uid } : {}) },
        type: "Warning",
        reason: "NodeClassValidationFailed",
        message: `${message}; nothing launches from it until it is fixed`,
      });
    }
    return undefined;
  }

  private claimsUsing(name: string): NodeClaim[] {
    return this.deps.state.nodeClaims.list().filter((c) => {
      const ref = c.spec.nodeClassRef;
      return ref.name === name && ref.group === AWSGroup && ref.kind === EC2NodeClassKind;
    });
  }

  private async resolve(nodeClass: EC2NodeClass): Promise<ReconcileResult | undefined> {
    const { kube, clock } = this.deps;
    const name = nodeClass.metadata.name ?? "";
    const log = this.deps.logger.child({ controller: this.name, EC2NodeClass: { name } });
    let resourceVersion = nodeClass.metadata.resourceVersion;

    const hash = nodeClassHash(nodeClass);
    const annotations = nodeClass.metadata.annotations ?? {};
    const finalizers = nodeClass.metadata.finalizers ?? [];
    if (annotations[EC2NodeClassHashVersionAnnotation] !== NODECLASS_HASH_VERSION) await this.restampClaims(name, hash);
    const needsFinalizer = !finalizers.includes(NodeClassTerminationFinalizer);
    const needsHash = annotations[EC2NodeClassHashAnnotation] !== hash || annotations[EC2NodeClassHashVersionAnnotation] !== NODECLASS_HASH_VERSION;
    if (needsFinalizer || needsHash) {
      try {
        const patched = await patchMetadata(kube, EC2NodeClasses, name, {
          ...(needsFinalizer ? { resourceVersion, finalizers: [...finalizers, NodeClassTerminationFinalizer] } : {}),
          ...(needsHash ? { annotations: { [EC2NodeClassHashAnnotation]: hash, [EC2NodeClassHashVersionAnnotation]: NODECLASS_HASH_VERSION } } : {}),
        });
        if (!patched) return undefined;
        resourceVersion = patched.resourceVersion;
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 };
        throw err;
      }
    }

    const resolved = await this.deps.resolver.resolveNodeClass(nodeClass);
    const status = normalizeStatus(nodeClass, resolved, clock.now());
    const patch = statusPatch(nodeClass.status, status);
    if (patch) {
      try {
        await patchStatus(kube, EC2NodeClasses, name, patch.conditions ? resourceVersion : undefined, patch);
      } catch (err) {
        if (isConflict(err)) return { requeueAfterMs: 100 };
        throw err;
      }
      this.logTransitions(log, nodeClass.status?.conditions, status.conditions ?? []);
    }
    return { requeueAfterMs: this.afterRefresh(nodeClass, resolved.refreshFailures ?? [], log) };
  }

  /**
   * Records how the refresh went: a failed one is an Event naming the node class, the field and the
   * call (and a warning in the log once per streak of failures), and is retried soon, backing off;
   * a successful one resets the streak and waits for the regular interval.
   */
  private afterRefresh(nodeClass: EC2NodeClass, refreshFailures: readonly RefreshFailure[], log: ControllerDeps["logger"]): number {
    const name = nodeClass.metadata.name ?? "";
    const before = this.failures.get(name) ?? 0;
    if (refreshFailures.length === 0) {
      this.failures.delete(name);
      if (before > 0) log.info({ failures: before }, "ec2nodeclass status refreshed again");
      return retryAfterMs(0);
    }
    const failures = before + 1;
    this.failures.set(name, failures);
    const retryMs = retryAfterMs(failures);
    for (const f of refreshFailures) {
      const effect = f.kept ? `${f.condition} keeps the last resolved status` : `${f.condition} stays False until it resolves`;
      this.deps.recorder.publish({
        involvedObject: { apiVersion: "karpenter.k8s.aws/v1", kind: EC2NodeClassKind, name, ...(nodeClass.metadata.uid ? { uid: nodeClass.metadata.uid } : {}) },
        type: "Warning",
        reason: "FailedRefreshingStatus",
        message: `${f.message} (${effect}; retrying in ${Math.round(retryMs / 1000)}s)`,
        dedupeValues: [nodeClass.metadata.uid ?? name, f.field, f.call],
      });
    }
    const fields = refreshFailures.map((f) => ({ condition: f.condition, field: f.field, call: f.call, kept: f.kept, message: f.message }));
    if (before === 0) log.warn({ failed: fields, retryInMs: retryMs }, "refreshing ec2nodeclass status failed; keeping the last resolved status");
    else log.debug({ failed: fields, failures, retryInMs: retryMs }, "refreshing ec2nodeclass status failed again");
    return retryMs;
  }

  private logTransitions(log: ControllerDeps["logger"], before: readonly Condition[] | undefined, after: readonly Condition[]): void {
    for (const c of after) {
      if (getCondition(before, c.type)?.status === c.status) continue;
      if (c.status === "True") log.info({ condition: c.type }, "ec2nodeclass condition is true");
      else log.warn({ condition: c.type, reason: c.reason, message: c.message }, "ec2nodeclass condition is not true");
    }
  }

  /** NodeClaims stamped with another hash version get the current hash, unless already drifted. */
  private async restampClaims(name: string, hash: string): Promise<void> {
    const errors: unknown[] = [];
    await Promise.all(
      this.claimsUsing(name).map(async (c) => {
        const a = c.metadata.annotations ?? {};
        if (a[EC2NodeClassHashVersionAnnotation] === NODECLASS_HASH_VERSION) return;
        const patch: Record<string, string> = { [EC2NodeClassHashVersionAnnotation]: NODECLASS_HASH_VERSION };
        if (!isTrue(c.status?.conditions, ConditionDrifted)) patch[EC2NodeClassHashAnnotation] = hash;
        try {
          await patchMetadata(this.deps.kube, NodeClaims, c.metadata.name ?? "", { annotations: patch });
        } catch (err) {
          errors.push(err);
        }
      }),
    );
    if (errors.length > 0) throw errors[0];
  }

  private async finalize(nodeClass: EC2NodeClass): Promise<ReconcileResult | undefined> {
    const name = nodeClass.metadata.name ?? "";
    const finalizers = nodeClass.metadata.finalizers ?? [];
    if (!finalizers.includes(NodeClassTerminationFinalizer)) return undefined;
    const using = this.claimsUsing(name);
    if (using.length > 0) {
      const names = using.map((c) => c.metadata.name ?? "").sort();
      const shown = names.length > 5 ? `${names.slice(0, 5).join(", ")} and ${names.length - 5} other(s)` : names.join(", ");
      this.deps.recorder.publish({
        involvedObject: { apiVersion: "karpenter.k8s.aws/v1", kind: EC2NodeClassKind, name, ...(nodeClass.metadata.uid ? { uid: nodeClass.metadata.uid } : {}) },
        type: "Normal",
        reason: "WaitingOnNodeClaimTermination",
        message: `Waiting on NodeClaim termination for ${shown}`,
        dedupeValues: [nodeClass.metadata.uid ?? name],
      });
      return { requeueAfterMs: NODECLASS_TERMINATION_RECHECK_MS };
    }
    await this.deps.resolver.deleteNodeClassResources(nodeClass);
    try {
      await patchMetadata(this.deps.kube, EC2NodeClasses, name, {
        resourceVersion: nodeClass.metadata.resourceVersion,
        finalizers: finalizers.filter((f) => f !== NodeClassTerminationFinalizer),
      });
    } catch (err) {
      if (isConflict(err)) return { requeueAfterMs: 100 };
      throw err;
    }
    this.deps.logger.info({ controller: this.name, EC2NodeClass: { name } }, "deleted ec2nodeclass resources and released its finalizer");
    return undefined;
  }
}
