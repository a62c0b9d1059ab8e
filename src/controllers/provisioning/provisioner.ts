// The provisioner: batches pending pods, asks the solver where they go (existing nodes, in-flight
// NodeClaims, new NodeClaims), creates the new NodeClaims, and tells each pod what happened
// (Nominated, or FailedScheduling with the solver's reasons). Thin by design: the decisions are the
// solver's; this file reads the cluster state, calls it and writes the result.
import { performance } from "node:perf_hooks";
import type { V1Pod } from "@kubernetes/client-node";
import { CapacityTypeLabel, ConditionReady, DisruptedTaintKey, InstanceTypeLabel, NodeInitializedLabel } from "../../apis/labels.js";
import { type NodeClaim, NodeClaimSchema } from "../../apis/nodeclaim.js";
import { type NodePool, isStaticNodePool } from "../../apis/nodepool.js";
import type { InstanceType, ResourceList } from "../../cloudprovider/types.js";
import { addInto, maxInto } from "../../core/resources.js";
import type { Config } from "../../operator/config.js";
import type { Event } from "../../operator/events.js";
import { controllerLogger } from "../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics, registry as defaultRegistry, type Registry } from "../../operator/metrics.js";
import type { PlannedNodeClaim, RejectedInput, SchedulingInput, SchedulingResult } from "../../scheduling/types.js";
import type { ClusterState } from "../../state/cluster.js";
import { getCondition, isReady } from "../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { NodeClaims } from "../shared/kube.js";
import { exceededLimit } from "../nodepool/usage.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { Batcher } from "./batcher.js";
import { InFlightClaims } from "./inflight.js";
import { type BuiltInput, buildSchedulingInput } from "./input.js";
import { legacySchedulingDuration } from "./metrics.js";
import { SolveAbandonedError, SolverThread } from "./solverthread.js";
import { schedulingMetrics } from "../metrics/scheduling.js";
import { compatibleInstanceTypes, noCompatibleInstanceTypesEvent } from "../shared/karpenter-events.js";
import { buildNodeClaim, formatResources } from "./nodeclaim.js";
import { isDeleting, isProvisionable, isReschedulable } from "../../state/predicates.js";
import { type BufferPlacement, classifyBufferPods, withVirtualPods } from "../buffer/placement.js";
import { isVirtualPod } from "../buffer/virtualpods.js";

/** CapacityBuffers' virtual pods (the CapacityBuffer gate): planned for like pending pods, never told anything. */
export interface BufferSource {
  virtualPods(): V1Pod[];
  placed(byBuffer: ReadonlyMap<string, BufferPlacement>): void;
}

const real = (pods: readonly V1Pod[]): V1Pod[] => pods.filter((p) => !isVirtualPod(p));

/**
 * Whether a NodePool may launch now. The disruption engineer's scheduled scale-to-zero passes its
 * sleep-window check here; a rejected pool is left out of the solve and its reason is added to the
 * FailedScheduling explanation of every pod that found no place.
 */
export type NodePoolAllowed = (nodePool: NodePool, now: number) => boolean | { reason: string };

export interface ProvisionerDeps extends ControllerDeps {
  config: Pick<Config, "batchIdleDurationMs" | "batchMaxDurationMs"> & Partial<Pick<Config, "preferencePolicy" | "minValuesPolicy">>;
  /** Where karpenter_provisioner_scheduling_duration_seconds goes; the process-wide registry by default. */
  registry?: Registry;
  nodePoolAllowed?: NodePoolAllowed;
  /**
   * The solver; by default `solve` from src/scheduling run in a worker thread (so lease renewals,
   * watches and probes go on during a long solve). The signal aborts when leadership ends.
   */
  solve?: (input: SchedulingInput, signal?: AbortSignal) => SchedulingResult | Promise<SchedulingResult>;
  buffers?: BufferSource;
}

/** The provisioner's one work-queue key: every reconcile plans for all pending pods. */
export const PROVISIONER_KEY = "provisioner";
/** While pods stay pending without a plan, look again this often (capacity and offerings change). */
export const PENDING_RECHECK_MS = 10_000;
/** The reason label of karpenter_nodeclaims_created_total for claims made for pending pods. */
export const ProvisioningReason = "provisioning";

interface Excluded {
  name: string;
  reason: string;
}

interface Launch {
  planned: PlannedNodeClaim;
  body: ReturnType<typeof buildNodeClaim>;
}

const podRef = (pod: V1Pod) => ({
  apiVersion: "v1",
  kind: "Pod",
  name: pod.metadata?.name ?? "",
  namespace: pod.metadata?.namespace ?? "",
  ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
});

/** Karpenter's Nominated event: the pod should schedule onto this capacity. */
export function nominatedEvent(pod: V1Pod, targets: string[]): Event {
  return {
    involvedObject: podRef(pod),
    type: "Normal",
    reason: "Nominated",
    message: `Pod should schedule on: ${targets.join(", ")}`,
    dedupeValues: [pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`],
  };
}

/** Karpenter's FailedScheduling event, deduplicated per pod for five minutes as Karpenter does. */
export function failedSchedulingEvent(pod: V1Pod, message: string): Event {
  return {
    involvedObject: podRef(pod),
    type: "Warning",
    reason: "FailedScheduling",
    message: `Failed to schedule pod, ${message}`,
    dedupeValues: [pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`],
    dedupeTimeoutMs: 5 * 60_000,
  };
}


function maxCapacity(types: readonly InstanceType[]): ResourceList {
  const out: ResourceList = {};
  for (const it of types) maxInto(out, it.capacity);
  return out;
}

/** "a, b, c, d, e and 3 other(s)", as Karpenter lists instance types in its log line. */
function listSome(names: readonly string[], n = 5): string {
  return names.length > n ? `${names.slice(0, n).join(", ")} and ${names.length - n} other(s)` : names.join(", ");
}

export class Provisioner implements Reconciler, ManagedController {
  readonly name = "provisioner";
  readonly controller: Controller;
  readonly batcher: Batcher;
  readonly inflight = new InFlightClaims();
  /** Reconciles that looked at the pending pods (tests wait on this rather than on time). */
  passes = 0;
  private readonly metrics: Metrics;
  private readonly legacyDuration;
  private readonly solve: (input: SchedulingInput, signal?: AbortSignal) => SchedulingResult | Promise<SchedulingResult>;
  /** Owned only when the default solver is used. */
  private readonly thread: SolverThread | undefined;
  /** Aborts when this process stops leading (or the controller stops): a plan finished after that is not written. */
  private leading: AbortSignal | undefined;
  /** Plans dropped because leadership ended during their solve (tests wait on this). */
  discarded = 0;
  private readonly log;
  /** Pods reported unschedulable last time, to warn once per change rather than every recheck. */
  private lastUnschedulable = "";

  constructor(private readonly deps: ProvisionerDeps) {
    this.metrics = deps.metrics ?? defaultMetrics;
    this.legacyDuration = legacySchedulingDuration(deps.registry ?? defaultRegistry);
    this.thread = deps.solve ? undefined : new SolverThread();
    const thread = this.thread;
    this.solve = deps.solve ?? ((input, signal) => thread!.solve(input, signal));
    this.log = controllerLogger(deps.logger, this.name);
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log });
    this.batcher = new Batcher(deps.clock, { idleMs: deps.config.batchIdleDurationMs, maxMs: deps.config.batchMaxDurationMs }, () => this.controller.enqueue(PROVISIONER_KEY));
  }

  /** Opens or extends a batching window (a pod needs capacity). */
  trigger(): void {
    this.batcher.trigger();
  }

  watch(state: ClusterState): void {
    state.pods.on((event, pod) => {
      if (event !== "delete" && isProvisionable(pod) && !this.inflight.isNominated(pod)) this.trigger();
    });
    // Capacity going away: its pods need a place, or pods planned onto it need another.
    state.nodes.on((event, node, old) => {
      const leaving = (n: typeof node) => n.metadata?.deletionTimestamp !== undefined || (n.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey);
      if (event === "delete" || (leaving(node) && !(old && leaving(old)))) this.trigger();
      // A claim's node arriving or initializing ends its nominations: pods kube-scheduler then
      // places elsewhere than planned may leave some without room, and they need a new plan.
      const initialized = (n: typeof node) => n.metadata?.labels?.[NodeInitializedLabel] === "true";
      if (this.inflight.size.nominations > 0 && (event === "add" || (initialized(node) && !(old && initialized(old))))) this.trigger();
    });
    state.nodeClaims.on((event, claim, old) => {
      if (event === "delete" || (isDeleting(claim) && !(old && isDeleting(old)))) this.trigger();
    });
    // A NodePool becoming ready may have a place for pods that had none.
    state.nodePools.on((event, np, old) => {
      if (event !== "delete" && isReady(np) && !(old && isReady(old)) && state.pods.list().some(isProvisionable)) this.trigger();
    });
    if (state.pods.list().some(isProvisionable)) this.trigger();
  }

  async run(signal: AbortSignal): Promise<void> {
    this.leading = signal;
    signal.addEventListener("abort", () => this.batcher.stop(), { once: true });
    try {
      await this.controller.run(signal);
    } finally {
      this.batcher.stop();
      await this.thread?.stop();
    }
  }

  /** Whether any pod waits for a plan: cheap, so that idle batches do not ask for instance types. */
  private hasWork(state: ClusterState): boolean {
    if ((this.deps.buffers?.virtualPods().length ?? 0) > 0) return true;
    if (state.pods.list().some((p) => isProvisionable(p) && !this.inflight.isNominated(p))) return true;
    return state.nodes.list().some((n) => {
      const leaving = n.metadata?.deletionTimestamp !== undefined || (n.spec?.taints ?? []).some((t) => t.key === DisruptedTaintKey && t.effect === "NoSchedule");
      return leaving && state.podsOnNode(n.metadata?.name ?? "").some((p) => isReschedulable(p) && !this.inflight.isNominated(p));
    });
  }

  /** NodePools new claims may come from, and why the others may not. */
  private pools(now: number): { eligible: NodePool[]; excluded: Excluded[] } {
    const eligible: NodePool[] = [];
    const excluded: Excluded[] = [];
    const all = [...this.deps.state.nodePools.list()].sort((a, b) => (b.spec.weight ?? 0) - (a.spec.weight ?? 0) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
    for (const np of all) {
      const name = np.metadata.name ?? "";
      if (isDeleting(np)) {
        excluded.push({ name, reason: "being deleted" });
        continue;
      }
      if (isStaticNodePool(np)) {
        // Its nodes are kept by count (the static controller), never launched for pods.
        excluded.push({ name, reason: "static (spec.replicas): it keeps a fixed number of nodes and launches none for pods" });
        continue;
      }
      if (!isReady(np)) {
        const ready = getCondition(np.status?.conditions, ConditionReady);
        excluded.push({ name, reason: `not ready${ready?.message ? ` (${ready.message})` : ready ? "" : " (its status has not been reconciled yet)"}` });
        continue;
      }
      const allowed = this.deps.nodePoolAllowed?.(np, now) ?? true;
      if (allowed !== true) {
        excluded.push({ name, reason: allowed === false ? "may not launch nodes now" : allowed.reason });
        continue;
      }
      eligible.push(np);
    }
    // NodePools the cache set aside (they fail the schema): their pods are told why nothing launches there.
    for (const r of this.deps.state.nodePools.rejected()) excluded.push({ name: r.name, reason: `invalid (${r.message})` });
    return { eligible, excluded };
  }

  private async instanceTypes(pools: NodePool[], excluded: Excluded[]): Promise<{ usable: NodePool[]; types: Map<string, InstanceType[]> }> {
    const types = new Map<string, InstanceType[]>();
    const usable: NodePool[] = [];
    const results = await Promise.all(
      pools.map(async (np) => {
        try {
          return { np, types: await this.deps.cloudProvider.getInstanceTypes(np) };
        } catch (err) {
          return { np, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    for (const r of results) {
      const name = r.np.metadata.name ?? "";
      if (r.error !== undefined) {
        // One misconfigured pool must not stop the others (Karpenter skips it the same way).
        this.log.error({ NodePool: { name }, error: r.error }, "skipping nodepool, unable to resolve instance types");
        excluded.push({ name, reason: `instance types could not be resolved: ${r.error}` });
      } else if (r.types.length === 0) {
        excluded.push({ name, reason: "its node class offers no instance types" });
      } else if (compatibleInstanceTypes(r.np, r.types).length === 0) {
        this.deps.recorder.publish(noCompatibleInstanceTypesEvent(r.np));
        excluded.push({ name, reason: "its requirements leave none of its node class's instance types" });
      } else {
        types.set(name, r.types);
        usable.push(r.np);
      }
    }
    return { usable, types };
  }

  async reconcile(): Promise<ReconcileResult | undefined> {
    const { state, clock } = this.deps;
    // Deciding from a partial view would launch nodes that already exist.
    if (!state.synced) return { requeueAfterMs: 1000 };
    const now = clock.now();
    this.passes += 1;
    this.inflight.prune(state, now);
    if (!this.hasWork(state)) return this.recheck(false);

    const { eligible, excluded } = this.pools(now);
    const { usable, types } = await this.instanceTypes(eligible, excluded);
    const cached = state.nodeClaims.list();
    const cachedNames = new Set(cached.map((c) => c.metadata.name));
    const unseen = this.inflight.unseen().filter((c) => !cachedNames.has(c.metadata.name));
    // A buffer's room is planned as if its pods were pending: on free room first, else on new claims.
    const virtual = this.deps.buffers?.virtualPods() ?? [];
    const built = buildSchedulingInput(
      {
        pods: virtual.length > 0 ? [...state.pods.list(), ...virtual] : state.pods.list(),
        nodes: state.nodes.list(),
        nodeClaims: [...cached, ...unseen],
        daemonSets: state.daemonSets.list(),
        nodePools: state.nodePools.list(),
        index: withVirtualPods(state.index, { bound: [], pending: virtual }),
      },
      {
        now,
        nodePools: usable,
        instanceTypes: types,
        nominations: this.inflight.nominationsByClaim(),
        volumes: { claims: state.claims.list(), volumes: state.volumes.list(), storageClasses: state.storageClasses.list() },
      },
    );
    if (built.input.pods.length === 0) return this.recheck(false);
    // No exact packing stage yet: its budget is wall-clock, so the plan would depend on the machine's
    // load and differ from `tenon simulate`'s for the same cluster (test/state/agreement.test.ts).
    built.input.options = { ...built.input.options, ...schedulingPolicies(this.deps.config) };

    const started = performance.now();
    const leading = this.leading;
    const solving = schedulingMetrics.begin(this.name, built.input.pods);
    const result = await Promise.resolve(this.solve(built.input, leading)).catch((err: unknown) => {
      if (err instanceof SolveAbandonedError) return undefined;
      throw err;
    });
    // Leadership ended (or the controller stopped) while the solve ran: another replica now plans
    // from a fresher view, and writing this plan could duplicate its NodeClaims.
    if (result === undefined || leading?.aborted) {
      solving.end([], 0);
      this.discarded += 1;
      this.log.info({ pods: built.input.pods.length }, "discarding a plan whose solve outlived leadership");
      return undefined;
    }
    solving.end(result.unschedulable.map((u) => u.pod), result.rejected.filter((r) => r.kind === "Pod").length);
    const seconds = (performance.now() - started) / 1000;
    this.metrics.schedulingDuration.observe({ controller: this.name }, seconds);
    this.legacyDuration.observe({ controller: this.name }, seconds);
    if (result.nodeClaims.length > 0) {
      this.log.info(
        { pods: listSome(built.input.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)), nodeclaims: result.nodeClaims.length, duration: `${seconds.toFixed(3)}s` },
        "found provisionable pod(s)",
      );
    }

    for (const r of result.rejected) this.reportRejected(r);
    const poolsByName = new Map(usable.map((np) => [np.metadata.name ?? "", np]));
    const { launches, refused } = this.checkLimits(result.nodeClaims, poolsByName, built);
    const errors = await this.createAll(launches, now);
    this.nominateOnExisting(result, built);
    this.reportUnschedulable(result, refused, excluded);
    if (this.deps.buffers) this.deps.buffers.placed(classifyBufferPods(result, refused.flatMap((r) => r.planned.pods.filter(isVirtualPod))));

    if (errors.length > 0) throw errors[0];
    // A buffer's room is taken by the real pods kube-scheduler binds there (no pending pod says so): look again.
    return this.recheck(result.unschedulable.length > 0 || refused.length > 0 || virtual.length > 0);
  }

  /**
   * An object the solver had to leave out: logged and told on the object (the NodePool's own
   * ValidationSucceeded condition covers what the schema catches; this covers what only the solver
   * can find), deduplicated by the event recorder.
   */
  private reportRejected(r: RejectedInput): void {
    this.log.warn({ [r.kind]: { name: r.name }, field: r.field, problem: r.message }, `left out of scheduling: the ${r.kind} cannot be read`);
    const [namespace, name] = r.name.includes("/") ? r.name.split("/", 2) : [undefined, r.name];
    const apiVersion = r.kind === "NodePool" ? "karpenter.sh/v1" : r.kind === "DaemonSet" ? "apps/v1" : "v1";
    this.deps.recorder.publish({
      involvedObject: { apiVersion, kind: r.kind, name: name ?? "", ...(namespace ? { namespace } : {}) },
      type: "Warning",
      reason: "FailedScheduling",
      message: `${r.kind} left out of scheduling, it cannot be read: ${r.message}`,
    });
  }

  /**
   * Looks again later while pods wait: unschedulable ones, and nominated ones, whose claims may
   * turn out (once kube-scheduler binds) to hold fewer of them than planned. Pod events alone do
   * not say so: a nominated pod's events are ignored, and it may not change when its claim does.
   */
  private recheck(unschedulable: boolean): ReconcileResult | undefined {
    return unschedulable || this.inflight.size.nominations > 0 ? { requeueAfterMs: PENDING_RECHECK_MS } : undefined;
  }

  /**
   * The solver respects the limits it was given; the check is repeated here against the running
   * total of this batch, as Karpenter does before each create. Instance types that would pass a
   * limit are dropped from a claim; a claim left with none (or fewer than its minValues) is not made.
   */
  private checkLimits(planned: PlannedNodeClaim[], pools: Map<string, NodePool>, built: BuiltInput): { launches: Launch[]; refused: { planned: PlannedNodeClaim; reason: string }[] } {
    const usage = new Map<string, ResourceList>();
    for (const [k, v] of built.input.nodePoolUsage ?? []) usage.set(k, { ...v });
    const launches: Launch[] = [];
    const refused: { planned: PlannedNodeClaim; reason: string }[] = [];
    for (const p of planned) {
      const pool = pools.get(p.nodePool);
      if (!pool) {
        refused.push({ planned: p, reason: `nodepool "${p.nodePool}" is gone` });
        continue;
      }
      const used = usage.get(p.nodePool) ?? { nodes: 0 };
      let types = p.instanceTypes;
      const limits = pool.spec.limits;
      if (limits) {
        types = types.filter((t) => exceededLimit(limits, used, { ...t.capacity, nodes: 1 }) === undefined);
        // BestEffort launches with the types the limits leave, like the solver does with its minValues.
        const minValues = this.deps.config.minValuesPolicy === "BestEffort" ? 0 : (p.requirements.find((r) => r.key === InstanceTypeLabel)?.minValues ?? 0);
        if (types.length === 0 || types.length < minValues) {
          const why = exceededLimit(limits, used, { ...maxCapacity(p.instanceTypes), nodes: 1 }) ?? "limits leave too few instance types";
          refused.push({ planned: p, reason: `nodepool "${p.nodePool}": ${why}` });
          continue;
        }
      }
      addInto(used, { ...maxCapacity(types), nodes: 1 });
      usage.set(p.nodePool, used);
      launches.push({ planned: p, body: buildNodeClaim({ ...p, instanceTypes: types }, pool) });
    }
    return { launches, refused };
  }

  private async createAll(launches: Launch[], now: number): Promise<unknown[]> {
    const errors: unknown[] = [];
    await Promise.all(
      launches.map(async (l) => {
        try {
          await this.create(l, now);
        } catch (err) {
          this.log.error({ NodePool: { name: l.planned.nodePool }, error: err instanceof Error ? err.message : String(err) }, "creating nodeclaim failed");
          errors.push(err);
        }
      }),
    );
    return errors;
  }

  private async create(l: Launch, now: number): Promise<NodeClaim> {
    const raw: unknown = await this.deps.kube.customObjects.createClusterCustomObject({ ...NodeClaims, body: l.body });
    const claim = NodeClaimSchema.parse(raw);
    const name = claim.metadata.name ?? "";
    this.inflight.remember(claim, now);
    this.inflight.nominate(name, real(l.planned.pods));
    const types = claim.spec.requirements.find((r) => r.key === InstanceTypeLabel)?.values ?? [];
    this.log.info(
      { NodeClaim: { name }, NodePool: { name: l.planned.nodePool }, requests: formatResources(l.planned.requests), "instance-types": listSome(types), pods: l.planned.pods.length },
      "created nodeclaim",
    );
    this.metrics.nodeClaimsCreated.inc({
      reason: ProvisioningReason,
      nodepool: l.planned.nodePool,
      capacity_type: claim.metadata.labels?.[CapacityTypeLabel] ?? "",
      min_values_relaxed: String(l.planned.minValuesRelaxed),
    });
    this.deps.recorder.publish(...real(l.planned.pods).map((p) => nominatedEvent(p, [`nodeclaim/${name}`])));
    return claim;
  }

  /** Pods planned onto capacity that exists or is on its way: nominated there. */
  private nominateOnExisting(result: SchedulingResult, built: BuiltInput): void {
    for (const e of result.existingNodes) {
      const { name } = e;
      const pods = real(e.pods);
      if (pods.length === 0) continue;
      let targets: string[];
      if (built.claimsWithoutNode.has(name)) {
        this.inflight.nominate(name, pods);
        targets = [`nodeclaim/${name}`];
      } else {
        const claim = built.claimOfNode.get(name);
        targets = claim ? [`nodeclaim/${claim}`, `node/${name}`] : [`node/${name}`];
      }
      this.deps.recorder.publish(...pods.map((p) => nominatedEvent(p, targets)));
    }
  }

  private reportUnschedulable(result: SchedulingResult, refused: { planned: PlannedNodeClaim; reason: string }[], excluded: Excluded[]): void {
    const left = excluded.map((e) => `nodepool "${e.name}": ${e.reason}`);
    const events: Event[] = [];
    const pods = real([...result.unschedulable.map((u) => u.pod), ...refused.flatMap((r) => r.planned.pods)]);
    const keys = pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    const changed = keys.join(",") !== this.lastUnschedulable;
    this.lastUnschedulable = keys.join(",");
    for (const u of result.unschedulable) {
      if (isVirtualPod(u.pod)) continue;
      events.push(failedSchedulingEvent(u.pod, [u.message, ...left].filter((m) => m !== "").join("; ")));
    }
    for (const r of refused) for (const p of real(r.planned.pods)) events.push(failedSchedulingEvent(p, [r.reason, ...left].join("; ")));
    if (events.length === 0) return;
    this.deps.recorder.publish(...events);
    this.log[changed ? "warn" : "debug"]({ pods: listSome(keys), count: pods.length, example: events[0]!.message }, "could not schedule pod(s)");
  }
}

/** The solver's options for Karpenter's PREFERENCE_POLICY and MIN_VALUES_POLICY settings. */
export function schedulingPolicies(c: Partial<Pick<Config, "preferencePolicy" | "minValuesPolicy">>): { ignorePreferences: boolean; minValuesPolicy: "Strict" | "BestEffort" } {
  return { ignorePreferences: c.preferencePolicy === "Ignore", minValuesPolicy: c.minValuesPolicy ?? "Strict" };
}
