// The eviction queue: pods handed over by the drain are evicted through the Eviction API
// (policy/v1), one work item per pod, so a pod whose PodDisruptionBudget refuses (429) backs off
// on its own while the others proceed. A pod is in the queue at most once until it has been
// evicted or is no longer evictable.
import type { V1Pod } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { EventRecorder } from "../../../operator/events.js";
import { type KubeClients, apiStatus } from "../../../operator/kube.js";
import { controllerLogger } from "../../../operator/logging.js";
import type { ClusterState } from "../../../state/cluster.js";
import type { Clock } from "../../runtime/clock.js";
import { Controller, type ReconcileResult, type Reconciler } from "../../runtime/controller.js";
import { podRef } from "../../nodeclaim/objects.js";
import { isEvictable } from "./drain.js";

export const EvictionQueueName = "eviction-queue";

export interface EvictionBackoff {
  baseMs: number;
  maxMs: number;
}

const podKey = (pod: V1Pod) => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

export class EvictionQueue implements Reconciler {
  readonly name = EvictionQueueName;
  readonly controller: Controller;
  private readonly pending = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly log: Logger;

  constructor(
    private readonly deps: { kube: KubeClients; state: ClusterState; recorder: EventRecorder; logger: Logger; clock: Clock },
    private readonly backoff: EvictionBackoff = { baseMs: 100, maxMs: 60_000 },
    concurrency = 10,
  ) {
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

  private retry(key: string): ReconcileResult {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return { requeueAfterMs: Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** n) };
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const pod = this.deps.state.pods.get(name, namespace);
    if (!pod || !isEvictable(pod)) return this.done(key);
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
      // 404: the pod is gone; 409: a different pod of that name now (the UID precondition failed).
      if (code === 404 || code === 409) return this.done(key);
      if (code === 429) {
        // A PodDisruptionBudget does not allow the disruption now; try again later.
        const nodeName = pod.spec?.nodeName;
        if (nodeName) {
          this.deps.recorder.publish({
            involvedObject: { apiVersion: "v1", kind: "Node", name: nodeName },
            type: "Warning",
            reason: "FailedDraining",
            message: `Failed to drain node, evicting pod ${namespace}/${name} violates a PDB`,
            dedupeValues: [nodeName, key],
          });
        }
        log.debug("eviction refused by a PodDisruptionBudget, retrying");
        return this.retry(key);
      }
      log.error({ error: err instanceof Error ? err.message : String(err) }, "failed evicting pod");
      return this.retry(key);
    }
    this.deps.recorder.publish({ involvedObject: podRef(pod), type: "Normal", reason: "Evicted", message: "Evicted pod", dedupeValues: [key] });
    log.info("evicted pod");
    return this.done(key);
  }
}
