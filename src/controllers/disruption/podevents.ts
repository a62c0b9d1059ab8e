// NodeClaim status.lastPodEventTime, which consolidateAfter counts from (Karpenter's podevents
// controller): set when a pod is bound to the claim's node, finishes, starts terminating, or goes.
// Written at most every few seconds per claim, as a merge patch of that one field.
import { PatchStrategy, type V1Pod, setHeaderOptions } from "@kubernetes/client-node";
import { isNotFound } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import type { ClusterState } from "../../state/cluster.js";
import type { ControllerDeps } from "../shared/deps.js";
import { timeOf } from "../../state/predicates.js";
import { NodeClaims } from "../shared/kube.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { DisruptionSettings } from "./settings.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const terminal = (p: V1Pod | undefined) => p?.status?.phase === "Succeeded" || p?.status?.phase === "Failed";
const terminating = (p: V1Pod | undefined) => p?.metadata?.deletionTimestamp !== undefined && p?.metadata?.deletionTimestamp !== null;

/** Whether a pod change is an event on its node that consolidation should wait after. */
export function isPodEvent(event: "add" | "update" | "delete", pod: V1Pod, old: V1Pod | undefined): boolean {
  if (!pod.spec?.nodeName) return false;
  if (event === "delete") return true;
  if (event === "add") return !terminal(pod);
  return old?.spec?.nodeName !== pod.spec.nodeName || (terminal(pod) && !terminal(old)) || (terminating(pod) && !terminating(old));
}

export class PodEvents implements Reconciler<string> {
  readonly name = "disruption.podevents";
  readonly controller: Controller;
  /** When each claim last saw a pod event not yet written. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly deps: ControllerDeps,
    private readonly settings: DisruptionSettings,
  ) {
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 2 });
  }

  watch(state: ClusterState): void {
    state.pods.on((event, pod, old) => {
      if (!isPodEvent(event, pod, old)) return;
      const node = state.nodes.get(pod.spec!.nodeName!);
      const providerID = node?.spec?.providerID;
      const claim = providerID ? state.nodeClaimByProviderID(providerID) : undefined;
      const name = claim?.metadata.name;
      if (!name) return;
      this.seen.set(name, this.deps.clock.now());
      this.controller.enqueue(name);
    });
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const at = this.seen.get(name);
    if (at === undefined) return undefined;
    const claim = this.deps.state.nodeClaims.get(name);
    if (!claim || claim.metadata.deletionTimestamp !== undefined) {
      this.seen.delete(name);
      return undefined;
    }
    const last = timeOf(claim.status?.lastPodEventTime);
    if (last !== undefined && at - last < this.settings.podEventDedupeMs && last <= at) {
      // Written a moment ago: come back when the dedupe window has passed, to record the latest.
      const wait = last + this.settings.podEventDedupeMs - this.deps.clock.now();
      if (wait > 0) return { requeueAfterMs: wait };
    }
    this.seen.delete(name);
    try {
      await this.deps.kube.customObjects.patchClusterCustomObjectStatus({ ...NodeClaims, name, body: { status: { lastPodEventTime: new Date(at).toISOString() } } }, mergePatch);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return undefined;
  }
}
