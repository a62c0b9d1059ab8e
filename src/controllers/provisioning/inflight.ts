// The provisioner's short memory, so that one pending pod never gets two NodeClaims:
//  - claims it created that the cluster state has not shown yet (the watch lags the create), so
//    the next solve still sees them as capacity on its way;
//  - nominations: which pending pods were planned onto which in-flight claim, so the next solve
//    counts those pods on that claim instead of planning them again.
// Both are forgotten as soon as the cluster says enough: the claim shows up (or goes away), the
// claim gets a Node (the pods are then just pending against a real node), the pod binds or goes.
// After a restart this memory is empty and nothing is lost: the solver packs pending pods onto
// the in-flight claims again, as existing capacity.
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { isTerminal, isTerminating, podKey } from "../../state/predicates.js";

/** How long a created claim is remembered while the cache does not show it. */
export const UNSEEN_CLAIM_TTL_MS = 60_000;

interface Created {
  claim: NodeClaim;
  createdAt: number;
  seen: boolean;
}

export interface InFlightView {
  nodeClaims: { get(name: string): NodeClaim | undefined };
  pods: { get(name: string, namespace?: string): V1Pod | undefined };
  nodes: { get(name: string): V1Node | undefined };
  nodeByProviderID(providerID: string): V1Node | undefined;
}

export class InFlightClaims {
  private readonly created = new Map<string, Created>();
  private readonly nominations = new Map<string, Set<string>>();

  /** Remembers a claim just created (the API server's answer, with its name). */
  remember(claim: NodeClaim, now: number): void {
    this.created.set(claim.metadata.name ?? "", { claim, createdAt: now, seen: false });
  }

  /** Records that these pods were planned onto the claim. */
  nominate(claimName: string, pods: readonly V1Pod[]): void {
    if (pods.length === 0) return;
    let set = this.nominations.get(claimName);
    if (!set) this.nominations.set(claimName, (set = new Set()));
    for (const p of pods) set.add(podKey(p));
  }

  /** Forgets what the cluster has caught up with. Call before each solve. */
  prune(view: InFlightView, now: number): void {
    for (const [name, c] of this.created) {
      if (view.nodeClaims.get(name)) c.seen = true;
      else if (c.seen || now - c.createdAt > UNSEEN_CLAIM_TTL_MS) this.created.delete(name);
    }
    for (const [name, pods] of this.nominations) {
      const claim = view.nodeClaims.get(name) ?? this.created.get(name)?.claim;
      const hasNode =
        claim !== undefined &&
        ((claim.status?.providerID !== undefined && view.nodeByProviderID(claim.status.providerID) !== undefined) ||
          (claim.status?.nodeName !== undefined && view.nodes.get(claim.status.nodeName) !== undefined));
      if (!claim || claim.metadata.deletionTimestamp !== undefined || hasNode) {
        this.nominations.delete(name);
        continue;
      }
      for (const key of pods) {
        const [namespace, podName] = key.split("/") as [string, string];
        const pod = view.pods.get(podName, namespace);
        // Still waiting for the claim: pending, or still on a node that is going away.
        const waiting = pod !== undefined && !isTerminal(pod) && !isTerminating(pod);
        if (!waiting || (pod.spec?.nodeName && !this.onDeletingNode(pod, view))) pods.delete(key);
      }
      if (pods.size === 0) this.nominations.delete(name);
    }
  }

  private onDeletingNode(pod: V1Pod, view: InFlightView): boolean {
    const node = pod.spec?.nodeName ? view.nodes.get(pod.spec.nodeName) : undefined;
    return node !== undefined && (node.metadata?.deletionTimestamp !== undefined || (node.spec?.taints ?? []).some((t) => t.key === "karpenter.sh/disrupted"));
  }

  /** Claims created here that the cache does not show yet. */
  unseen(): NodeClaim[] {
    return [...this.created.values()].filter((c) => !c.seen).map((c) => c.claim);
  }

  nominationsByClaim(): ReadonlyMap<string, ReadonlySet<string>> {
    return this.nominations;
  }

  /** Whether the pod is planned onto an in-flight claim. */
  isNominated(pod: V1Pod): boolean {
    const key = podKey(pod);
    for (const pods of this.nominations.values()) if (pods.has(key)) return true;
    return false;
  }

  get size(): { created: number; nominations: number } {
    return { created: this.created.size, nominations: this.nominations.size };
  }
}
