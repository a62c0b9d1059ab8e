// Pure: how a registered Node must look once tenon has adopted it for its NodeClaim.
import type { V1Node, V1OwnerReference, V1Taint } from "@kubernetes/client-node";
import { DoNotSyncTaintsLabel, NodeRegisteredLabel, TerminationFinalizer, UnregisteredTaintKey } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import type { RegistrationHookResult } from "../../../cloudprovider/types.js";
import { nodeClaimOwnerReference } from "../../shared/objects.js";

export type RegistrationProblem = { reason: "NodeNotFound"; status: "Unknown"; message: string } | { reason: "MultipleNodesFound"; status: "False"; message: string };

/** Why the claim cannot be registered against these nodes (those with its provider ID), if it cannot. */
export function registrationProblem(nodes: readonly V1Node[]): RegistrationProblem | undefined {
  if (nodes.length === 0) return { reason: "NodeNotFound", status: "Unknown", message: "Node not registered with cluster" };
  if (nodes.length > 1) {
    return { reason: "MultipleNodesFound", status: "False", message: `Invariant violated, matched multiple nodes: ${nodes.map((n) => n.metadata?.name).join(", ")}` };
  }
  return undefined;
}

/**
 * The node came up without the `karpenter.sh/unregistered:NoExecute` taint and was not registered
 * yet: it was not started by tenon's user data (or the taint was removed before tenon synced it),
 * so pods may already have landed on it without the claim's taints. Karpenter v1.14 registers it
 * anyway and warns (UnregisteredTaintMissing); so does tenon.
 */
export function missingUnregisteredTaint(node: V1Node): boolean {
  if (node.metadata?.labels?.[NodeRegisteredLabel] !== undefined) return false;
  return !(node.spec?.taints ?? []).some((t) => t.key === UnregisteredTaintKey && t.effect === "NoExecute");
}

/** Taints in `add` whose key and effect are not on the list yet, appended (Karpenter's Taints.Merge). */
export function mergeTaints(taints: readonly V1Taint[], add: readonly { key: string; value?: string; effect: string }[]): V1Taint[] {
  const out = [...taints];
  for (const t of add) {
    if (out.some((e) => e.key === t.key && e.effect === t.effect)) continue;
    out.push({ key: t.key, effect: t.effect, ...(t.value !== undefined ? { value: t.value } : {}) });
  }
  return out;
}

export interface NodeSync {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  finalizers: string[];
  ownerReferences: V1OwnerReference[];
  taints: V1Taint[];
}

/**
 * The node's metadata and taints after registration: the claim's labels and annotations merged
 * in (the claim's win), the registered label, the termination finalizer, an owner reference to
 * the claim, the claim's taints and startup taints added (not duplicated), the unregistered taint
 * gone. A node labelled `karpenter.sh/do-not-sync-taints: "true"` (by whoever started it) keeps
 * its own taints, as in Karpenter: something else manages them, and only the unregistered taint is
 * still removed to say registration is done. `changed` says whether the node needs a write.
 */
export function registeredNode(claim: NodeClaim, node: V1Node): NodeSync & { changed: boolean } {
  return syncedNode(claim, node, true);
}

/**
 * The same sync while a registration hook is pending (Karpenter syncs the node before asking its
 * hooks): everything but the registered label, and the unregistered taint stays, so no pod that
 * does not tolerate it lands before the hooks are done.
 */
export function syncedNode(claim: NodeClaim, node: V1Node, registered: boolean): NodeSync & { changed: boolean } {
  const labels = { ...node.metadata?.labels, ...claim.metadata.labels, ...(registered ? { [NodeRegisteredLabel]: "true" } : {}) };
  const annotations = { ...node.metadata?.annotations, ...claim.metadata.annotations };
  const finalizers = [...(node.metadata?.finalizers ?? [])];
  if (!finalizers.includes(TerminationFinalizer)) finalizers.push(TerminationFinalizer);
  const owner = nodeClaimOwnerReference(claim);
  const ownerReferences = [...(node.metadata?.ownerReferences ?? [])];
  if (!ownerReferences.some((o) => o.apiVersion === owner.apiVersion && o.kind === owner.kind && o.uid === owner.uid)) ownerReferences.push(owner);
  const own = node.spec?.taints ?? [];
  const synced = node.metadata?.labels?.[DoNotSyncTaintsLabel] === "true" ? own : mergeTaints(mergeTaints(own, claim.spec.taints ?? []), claim.spec.startupTaints ?? []);
  const taints = registered ? synced.filter((t) => t.key !== UnregisteredTaintKey) : synced;
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed =
    !same(labels, node.metadata?.labels ?? {}) ||
    !same(annotations, node.metadata?.annotations ?? {}) ||
    !same(finalizers, node.metadata?.finalizers ?? []) ||
    !same(ownerReferences, node.metadata?.ownerReferences ?? []) ||
    !same(taints, node.spec?.taints ?? []);
  return { labels, annotations, finalizers, ownerReferences, taints, changed };
}

/** What the registration hooks said together. */
export type HooksOutcome =
  | { done: true; labels: Record<string, string> }
  | { done: false; pending: string[]; requeueAfterMs?: number; errors: unknown[] };

/** Karpenter's reason on Registered while some hook is pending; the message lists the hooks. */
export const RegistrationHookPendingReason = "RegistrationHookPending";

/**
 * Joins the hooks' answers (in hook order): done when every hook is, with the labels they set;
 * otherwise the pending hooks' names (a hook that threw is pending, its error kept) and the
 * shortest requeue any pending hook asked for.
 */
export function joinHooks(answers: readonly { name: string; result?: RegistrationHookResult; error?: unknown }[]): HooksOutcome {
  const labels: Record<string, string> = {};
  const pending: string[] = [];
  const errors: unknown[] = [];
  let requeueAfterMs: number | undefined;
  for (const a of answers) {
    if (a.error !== undefined || !a.result) {
      pending.push(a.name);
      errors.push(new Error(`registration hook "${a.name}" failed: ${a.error instanceof Error ? a.error.message : String(a.error)}`, { cause: a.error }));
      continue;
    }
    if (a.result.done) {
      Object.assign(labels, a.result.labels);
      continue;
    }
    pending.push(a.name);
    const after = a.result.requeueAfterMs;
    if (after !== undefined && (requeueAfterMs === undefined || after < requeueAfterMs)) requeueAfterMs = after;
  }
  if (pending.length === 0) return { done: true, labels };
  return { done: false, pending, errors, ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}) };
}
