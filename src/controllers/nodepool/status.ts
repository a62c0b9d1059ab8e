// nodepool.status: one writer for a NodePool's status, doing what Karpenter splits over its
// counter, validation and readiness controllers — status.resources and status.nodes (what the pool
// has provisioned), ValidationSucceeded, NodeClassReady (with nodeClassObservedGeneration) and the
// root Ready that the provisioner requires — plus the karpenter_nodepools_usage / _limit gauges.
// One writer means one status patch per change instead of three racing ones. It also starts
// NodeRegistrationHealthy over when the pool's or its node class's spec changes (Karpenter's
// registrationhealth controller), since it is the one that records nodeClassObservedGeneration.
import type { Condition } from "../../apis/common.js";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import {
  ConditionNodeClassReady,
  ConditionReady,
  ConditionValidationSucceeded,
  NodePoolLabel,
} from "../../apis/labels.js";
import { type NodePool, type NodePoolStatus, NodePoolStatusSchema } from "../../apis/nodepool.js";
import type { ResourceList } from "../../cloudprovider/types.js";
import { isConflict } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics, resourceTypeLabel } from "../../operator/metrics.js";
import { canonicalScale, parseResourceList } from "../../core/quantity.js";
import type { ClusterState } from "../../state/cluster.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { type ConditionUpdate, getCondition, rootReady, sameConditions, setConditions } from "../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { EC2NodeClasses, NodePools, getRaw, listNames, mapPatch, patchStatus } from "../shared/kube.js";
import { BaseResources, nodePoolUsage, statusResources } from "./usage.js";
import { type SupportedNodeClass, validateNodePool } from "./validation.js";
import { RegistrationHealthState, registrationHealthSync, registrationHealthUnknown } from "./registrationhealth.js";
import { isDeleting } from "../../state/predicates.js";

/** How often every NodePool is looked at again regardless of events (level-based safety net). */
export const NODEPOOL_STATUS_RESYNC_MS = 5 * 60_000;


/** Where a NodePool's node class stands, as the NodeClassReady condition says it. */
export function nodeClassReadiness(
  nodePool: NodePool,
  nodeClass: EC2NodeClass | undefined,
  supported: readonly SupportedNodeClass[],
  invalidReason?: string,
): ConditionUpdate {
  const ref = nodePool.spec.template.spec.nodeClassRef;
  const type = ConditionNodeClassReady;
  if (supported.length > 0 && !supported.some((s) => s.group === ref.group && s.kind === ref.kind)) {
    return { type, status: "False", reason: "NodeClassNotSupported", message: `nodeClassRef ${ref.group}/${ref.kind} is not supported by this cloud provider` };
  }
  if (!nodeClass) {
    if (invalidReason) return { type, status: "False", reason: "NodeClassInvalid", message: `${ref.kind} "${ref.name}" is invalid: ${invalidReason}` };
    return {
      type,
      status: "False",
      reason: "NodeClassNotFound",
      message: `${ref.kind} "${ref.name}" not found; create it, or point spec.template.spec.nodeClassRef.name at an existing one`,
    };
  }
  if (isDeleting(nodeClass)) return { type, status: "False", reason: "NodeClassTerminating", message: `${ref.kind} "${ref.name}" is terminating` };
  const ready = getCondition(nodeClass.status?.conditions, ConditionReady);
  if (!ready || ready.status === "Unknown") return { type, status: "False", reason: "NodeClassReadinessUnknown", message: `${ref.kind} "${ref.name}" readiness is unknown: its status has not been resolved yet` };
  if (ready.status === "False") return { type, status: "False", reason: ready.reason || "NodeClassNotReady", message: `${ref.kind} "${ref.name}" is not ready: ${ready.message}` };
  return { type, status: "True", reason: ConditionNodeClassReady, message: "" };
}

export class NodePoolStatusController implements Reconciler, ManagedController {
  readonly name = "nodepool.status";
  readonly controller: Controller;
  private readonly metrics: Metrics;
  /** Gauge series set per pool, to remove them when the pool goes. */
  private readonly series = new Map<string, { usage: Set<string>; limit: Set<string> }>();

  constructor(
    private readonly deps: ControllerDeps,
    /** Shared with the NodeClaim lifecycle, which records registration outcomes in it. */
    private readonly health: RegistrationHealthState = new RegistrationHealthState(),
  ) {
    this.metrics = deps.metrics ?? defaultMetrics;
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 2 });
  }

  private get supported(): SupportedNodeClass[] {
    return this.deps.cloudProvider.getSupportedNodeClasses();
  }

  watch(state: ClusterState): void {
    const enqueue = (name: string | undefined) => {
      if (name) this.controller.enqueue(name);
    };
    const forNodeClass = (name: string | undefined) => {
      for (const np of state.nodePools.list()) if (np.spec.template.spec.nodeClassRef.name === name) enqueue(np.metadata.name);
    };
    state.nodePools.on((_event, np) => enqueue(np.metadata.name));
    // A NodePool the cache sets aside (it fails the schema) gets its ValidationSucceeded condition at once.
    state.nodePools.onRejection((_event, r) => enqueue(r.name));
    state.nodeClasses.on((_event, nc) => forNodeClass(nc.metadata.name));
    state.nodeClasses.onRejection((_event, r) => forNodeClass(r.name));
    state.nodeClaims.on((event, c, old) => {
      const pool = c.metadata.labels?.[NodePoolLabel];
      const oldPool = old?.metadata.labels?.[NodePoolLabel];
      if (event !== "update" || pool !== oldPool || JSON.stringify(c.status?.capacity) !== JSON.stringify(old?.status?.capacity) || c.status?.providerID !== old?.status?.providerID) {
        enqueue(pool);
        if (oldPool !== pool) enqueue(oldPool);
      }
    });
    state.nodes.on((event, n, old) => {
      const pool = n.metadata?.labels?.[NodePoolLabel];
      const oldPool = old?.metadata?.labels?.[NodePoolLabel];
      if (event !== "update" || pool !== oldPool || JSON.stringify(n.status?.capacity) !== JSON.stringify(old?.status?.capacity) || n.spec?.providerID !== old?.spec?.providerID) {
        enqueue(pool);
        if (oldPool !== pool) enqueue(oldPool);
      }
    });
    for (const np of state.nodePools.list()) enqueue(np.metadata.name);
    for (const r of state.nodePools.rejected()) enqueue(r.name);
  }

  async run(signal: AbortSignal): Promise<void> {
    // NodePools the cluster state could not parse never reach it; find them by listing, so their
    // ValidationSucceeded condition can say what is wrong.
    const sweep = async () => {
      if (signal.aborted) return;
      try {
        for (const name of await listNames(this.deps.kube, NodePools)) this.controller.enqueue(name);
      } catch (err) {
        this.deps.logger.warn({ controller: this.name, err }, "listing NodePools failed");
      }
      if (!signal.aborted) timer = this.deps.clock.setTimeout(() => void sweep(), NODEPOOL_STATUS_RESYNC_MS);
    };
    let timer = this.deps.clock.setTimeout(() => void sweep(), 0);
    signal.addEventListener("abort", () => timer.cancel(), { once: true });
    await this.controller.run(signal);
    timer.cancel();
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const { state, kube } = this.deps;
    // Before the cache has everything, counts would be too low; Karpenter waits the same way.
    if (!state.synced) return { requeueAfterMs: 1000 };
    const cached = state.nodePools.get(name);
    let raw: Record<string, unknown> | undefined;
    if (!cached) {
      raw = await getRaw(kube, NodePools, name);
      if (!raw) {
        this.forget(name);
        return undefined;
      }
    }
    const validation = validateNodePool(cached ?? raw, this.supported);
    if (!cached && validation.ok) return { requeueAfterMs: 1000 }; // the cache is behind
    const meta = (cached?.metadata ?? (raw?.metadata as NodePool["metadata"] | undefined) ?? {}) as NodePool["metadata"];
    const previous: Partial<NodePoolStatus> = cached?.status ?? NodePoolStatusSchema.safeParse(raw?.status ?? {}).data ?? {};
    const generation = meta.generation;
    const now = this.deps.clock.now();

    const updates: ConditionUpdate[] = [
      validation.ok
        ? { type: ConditionValidationSucceeded, status: "True", reason: ConditionValidationSucceeded, message: "" }
        : { type: ConditionValidationSucceeded, status: "False", reason: "NodePoolValidationFailed", message: `NodePool "${name}" is invalid: ${validation.problems.join("; ")}` },
    ];
    const pool = cached ?? validation.nodePool;
    let nodeClassGeneration: number | undefined;
    if (pool) {
      const ref = pool.spec.template.spec.nodeClassRef;
      const nodeClass = state.nodeClasses.get(ref.name);
      const invalid = nodeClass ? undefined : await this.nodeClassProblem(ref.name);
      updates.push(nodeClassReadiness(pool, nodeClass, this.supported, invalid));
      nodeClassGeneration = nodeClass?.metadata.generation;
      if (nodeClass && meta.uid) updates.push(...this.registrationHealth(meta.uid, previous, generation, nodeClassGeneration));
    }
    let conditions = setConditions(previous.conditions, updates, generation, now);
    conditions = setConditions(conditions, [rootReady(conditions, [ConditionValidationSucceeded, ConditionNodeClassReady])], generation, now);

    const usage = nodePoolUsage(state.nodeClaims.list(), state.nodes.list()).get(name);
    const resources = statusResources(usage);
    const nodes = usage?.nodes ?? 0;
    this.recordMetrics(name, usage, pool?.spec.limits);

    const status: Record<string, unknown> = {};
    if (JSON.stringify(sortKeys(previous.resources ?? {})) !== JSON.stringify(sortKeys(resources))) status.resources = mapPatch(previous.resources, resources);
    if (previous.nodes !== nodes) status.nodes = nodes;
    if (!sameConditions(previous.conditions, conditions)) status.conditions = conditions;
    if (nodeClassGeneration !== undefined && previous.nodeClassObservedGeneration !== nodeClassGeneration) status.nodeClassObservedGeneration = nodeClassGeneration;
    if (Object.keys(status).length === 0) return { requeueAfterMs: NODEPOOL_STATUS_RESYNC_MS };
    try {
      // Conditions replace the whole list: only on top of what they were computed from.
      await patchStatus(kube, NodePools, name, status.conditions ? meta.resourceVersion : undefined, status);
    } catch (err) {
      if (isConflict(err)) return { requeueAfterMs: 100 };
      throw err;
    }
    if (status.conditions) {
      this.logTransitions(name, previous.conditions, conditions);
      if (!validation.ok && getCondition(previous.conditions, ConditionValidationSucceeded)?.status !== "False") this.announceInvalid(name, meta.uid, validation.problems);
    }
    return { requeueAfterMs: NODEPOOL_STATUS_RESYNC_MS };
  }

  /** NodeRegistrationHealthy reset to Unknown (with memory) when missing or the specs changed. */
  private registrationHealth(uid: string, previous: Partial<NodePoolStatus>, generation: number | undefined, nodeClassGeneration: number | undefined): ConditionUpdate[] {
    const sync = registrationHealthSync(previous.conditions, generation, previous.nodeClassObservedGeneration, nodeClassGeneration, this.health.status(uid));
    if (sync.seed) this.health.set(uid, sync.seed);
    if (!sync.reset) return [];
    this.health.set(uid, "Unknown");
    return [registrationHealthUnknown];
  }

  /** Why a referenced node class the cache lacks is missing: undefined when it does not exist. */
  private async nodeClassProblem(name: string): Promise<string | undefined> {
    const rejected = this.deps.state.nodeClasses.rejected().find((r) => r.name === name);
    if (rejected) return `${rejected.message}; fix it and apply it again`;
    const raw = await getRaw(this.deps.kube, EC2NodeClasses, name);
    if (!raw) return undefined;
    return "it does not match the EC2NodeClass schema; fix it and apply it again";
  }

  /** An invalid NodePool launches nothing: say so on the object, naming the fields, once per change. */
  private announceInvalid(name: string, uid: string | undefined, problems: string[]): void {
    this.deps.recorder.publish({
      involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodePool", name, ...(uid ? { uid } : {}) },
      type: "Warning",
      reason: "NodePoolValidationFailed",
      message: `NodePool is invalid and launches nothing until fixed: ${problems.join("; ")}`,
    });
  }

  private logTransitions(name: string, before: readonly Condition[] | undefined, after: readonly Condition[]): void {
    for (const c of after) {
      const old = getCondition(before, c.type);
      if (old?.status === c.status) continue;
      this.deps.logger.info({ controller: this.name, NodePool: { name }, condition: c.type, status: c.status, reason: c.reason, message: c.message || undefined }, "nodepool condition changed");
    }
  }

  private recordMetrics(name: string, usage: ResourceList | undefined, limits: NodePool["spec"]["limits"]): void {
    const seen = this.series.get(name) ?? { usage: new Set<string>(), limit: new Set<string>() };
    this.series.set(name, seen);
    const value = (resource: string, v: number) => v / canonicalScale(resource);
    const usageNow = new Set<string>();
    // As status.resources does, the base resources read 0 rather than vanish when nothing is provisioned.
    const withZeros: ResourceList = Object.fromEntries(BaseResources.map((r) => [r, 0]));
    for (const [resource, v] of Object.entries({ ...withZeros, ...(usage ?? {}) })) {
      const rt = resourceTypeLabel(resource);
      usageNow.add(rt);
      this.metrics.nodePoolUsage.set({ nodepool: name, resource_type: rt }, value(resource, v));
    }
    for (const rt of seen.usage) if (!usageNow.has(rt)) this.metrics.nodePoolUsage.remove({ nodepool: name, resource_type: rt });
    seen.usage = usageNow;
    const limitNow = new Set<string>();
    let parsed: ResourceList = {};
    try {
      parsed = parseResourceList(limits ?? {});
    } catch {
      parsed = {};
    }
    for (const [resource, v] of Object.entries(parsed)) {
      const rt = resourceTypeLabel(resource);
      limitNow.add(rt);
      this.metrics.nodePoolLimit.set({ nodepool: name, resource_type: rt }, value(resource, v));
    }
    for (const rt of seen.limit) if (!limitNow.has(rt)) this.metrics.nodePoolLimit.remove({ nodepool: name, resource_type: rt });
    seen.limit = limitNow;
  }

  private forget(name: string): void {
    const seen = this.series.get(name);
    if (!seen) return;
    for (const rt of seen.usage) this.metrics.nodePoolUsage.remove({ nodepool: name, resource_type: rt });
    for (const rt of seen.limit) this.metrics.nodePoolLimit.remove({ nodepool: name, resource_type: rt });
    this.series.delete(name);
  }
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
