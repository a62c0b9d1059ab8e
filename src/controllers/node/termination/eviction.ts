// The eviction queue: pods handed over by the drain are evicted through the Eviction API
// (policy/v1), one work item per pod, so a pod whose PodDisruptionBudget refuses (429) — or that
// several PDBs select, which the API server answers with 500 — backs off on its own
// (exponentially, jittered, capped) while the others proceed, and the node gets a FailedDraining
// Event saying why. A pod is in the queue at most once until it has been evicted or is no longer
// evictable.
import type { V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import type { Logger } from "pino";
import type { EventRecorder } from "../../../operator/events.js";
import { type KubeClients, apiStatus } from "../../../operator/kube.js";
import { controllerLogger } from "../../../operator/logging.js";
import { type Metrics, metrics as defaultMetrics } from "../../../operator/metrics.js";
import { podDrained } from "../../../operator/metrics-families.js";
import type { ClusterState } from "../../../state/cluster.js";
import { backoffDelay, type BackoffPolicy } from "../../runtime/backoff.js";
import type { Clock } from "../../runtime/clock.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import { podRef } from "../../shared/objects.js";
import { isEvictable } from "./drain.js";

export const EvictionQueueName = "eviction-queue";

export interface EvictionBackoff {
  baseMs: number;
  maxMs: number;
  /** The jitter's random source, in [0, 1); tests pin it. */
  random?: () => number;
}

/** The API server answers 500 "This pod has more than one PodDisruptionBudget, …" when several PDBs select the pod. */
const isMultiplePDBs = (err: unknown): boolean => {
  const e = err as { code?: unknown; body?: unknown } | null;
  if (e?.code !== 500) return false;
  const body = typeof e.body === "string" ? e.body : JSON.stringify(e.body ?? "");
  return body.includes("more than one PodDisruptionBudget");
};

const podKey = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

export class EvictionQueue implements Reconciler {
  readonly name = EvictionQueueName;
  readonly controller: Controller;
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly log: Logger;
  private readonly policy: BackoffPolicy;
  private readonly random: () => number;
  private readonly metrics: Metrics;

  constructor(
    private readonly deps: { kube: KubeClients; state: ClusterState; recorder: EventRecorder; logger: Logger; clock: Clock; metrics?: Metrics },
    backoff: EvictionBackoff = { baseMs: 100, maxMs: 10_000 },
    concurrency = 10,
  ) {
    this.policy = { baseMs: backoff.baseMs, maxMs: backoff.maxMs, factor: 2, jitter: "equal" };
    this.random = backoff.random ?? Math.random;
    this.metrics = deps.metrics ?? defaultMetrics;
    this.log = controllerLogger(deps.logger, this.name);
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log, concurrency });
  }

  /** Queues pods for eviction; pods already queued (or backing off) are left where they are. */
  add(pods: readonly V1Pod[]): void {
    for (const pod of pods) {
      const key = podKey(pod);
      if (this.pending.has(key)) continue;
      this.pending.add(key);
      this.controller.enqueue(key);
    }
  }

  has(pod: V1Pod): boolean {
    return this.pending.has(podKey(pod));
  }

  private done(key: string): undefined {
    this.pending.delete(key);
    this.failures.delete(key);
    return undefined;
  }

  /** Consecutive refused or failed evictions of the pod since it was queued. */
  attempts(pod: V1Pod): number {
    return this.failures.get(podKey(pod)) ?? 0;
  }

  private retry(key: string, log: Logger, why: string): ReconcileResult {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = backoffDelay(this.policy, n, this.random);
    log.debug({ attempt: n + 1, retryInMs: delay }, `${why}, retrying`);
    return { requeueAfterMs: delay };
  }

  private failedDraining(pod: V1Pod, key: string, problem: string): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    this.deps.recorder.publish({
      involvedObject: { apiVersion: "v1", kind: "Node", name: nodeName },
      type: "Warning",
      reason: "FailedDraining",
      message: `Failed to drain node, ${problem}`,
      dedupeValues: [nodeName, key],
    });
  }

  /** The NodeClaim of the pod's node, for the drain's reason. */
  private claimOf(pod: V1Pod): NodeClaim | undefined {
    const providerID = this.deps.state.nodes.get(pod.spec?.nodeName ?? "")?.spec?.providerID;
    return providerID ? this.deps.state.nodeClaimByProviderID(providerID) : undefined;
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pod = this.deps.state.pods.get(name, namespace);
    if (!pod || !isEvictable(pod, this.deps.clock.now())) return this.done(key);
    const log = this.log.child({ Pod: { name, namespace } });
    try {
      await this.deps.kube.core.createNamespacedPodEviction({
        name,
        namespace,
        body: {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name, namespace },
          // Only this pod: a replacement of the same name is not ours to evict.
          ...(pod.metadata?.uid ? { deleteOptions: { preconditions: { uid: pod.metadata.uid } } } : {}),
        },
      });
    } catch (err) {
      const code = apiStatus(err);
      this.metrics.podsEvictionRequests.inc({ code: code === undefined ? "" : String(code) });
      // 404: the pod is gone; 409: a different pod of that name now (the UID precondition failed).
      if (code === 404 || code === 409) return this.done(key);
      if (code === 429) {
        // A PodDisruptionBudget does not allow the disruption now; try again later.
        this.failedDraining(pod, key, `evicting pod ${namespace}/${name} violates a PDB`);
        return this.retry(key, log, "eviction refused by a PodDisruptionBudget");
      }
      if (isMultiplePDBs(err)) {
        // Several PDBs select the pod: the Eviction API refuses it until someone removes one.
        // Nothing tenon can fix, so it says so on the node and waits longer each time.
        this.failedDraining(pod, key, `evicting pod ${namespace}/${name} is not supported: more than one PodDisruptionBudget selects it`);
        return this.retry(key, log, "eviction refused: more than one PodDisruptionBudget selects the pod");
      }
      log.error({ error: err instanceof Error ? err.message : String(err), code }, "failed evicting pod");
      return this.retry(key, log, "eviction failed");
    }
    this.metrics.podsEvictionRequests.inc({ code: "200" });
    const reason = podDrained(pod, this.claimOf(pod));
    this.deps.recorder.publish({ involvedObject: podRef(pod), type: "Normal", reason: "Evicted", message: `Evicted pod: ${reason}`, dedupeValues: [key] });
    log.info("evicted pod");
    return this.done(key);
  }
}
