// The NodePool hash stamped on NodePools and on the NodeClaims made from them
// (karpenter.sh/nodepool-hash), so drift can tell when a pool's template changed under its nodes.
//
// Karpenter hashes `spec.template` with hashstructure (IgnoreZeroValue, ZeroNil, SlicesAsSets),
// skipping the fields tagged `hash:"ignore"`: in v1 that is only `requirements`, whose changes are
// compared directly (a node still inside the new requirements has not drifted). What is hashed:
// metadata.labels, metadata.annotations, spec.taints, spec.startupTaints, spec.expireAfter,
// spec.terminationGracePeriod and spec.nodeClassRef.
//
// tenon cannot reproduce hashstructure's bytes, so it stamps its own version. A claim stamped with
// another version (by Karpenter, or an older tenon) is re-stamped by the hash controller and never
// counted as drifted — Karpenter's own drift-hash-versioning rule — so moving a cluster from
// Karpenter to tenon replaces no node.
import { canonicalForHash, driftHash } from "./hash.js";
import { parseNillableDuration } from "./duration.js";
import { NodePoolHashAnnotation, NodePoolHashVersionAnnotation } from "./labels.js";
import type { NodeClaim } from "./nodeclaim.js";
import type { NodePool } from "./nodepool.js";

/**
 * Bump when the hashed fields, their canonical form or their defaults change. Differs from
 * Karpenter's ("v3") on purpose; see above.
 */
export const NODEPOOL_HASH_VERSION = "tenon-v1";

/** A duration as Go's time.Duration would hash it: "60m" and "1h" are the same value. */
function durationValue(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  if (text === "Never") return "Never";
  try {
    return parseNillableDuration(text);
  } catch {
    return text;
  }
}

/** The fields of a NodePool's template that make up its hash, in canonical form. */
export function hashedTemplate(nodePool: NodePool): unknown {
  const t = nodePool.spec.template;
  const s = t.spec;
  return canonicalForHash({
    metadata: { labels: t.metadata?.labels, annotations: t.metadata?.annotations },
    spec: {
      taints: s.taints,
      startupTaints: s.startupTaints,
      // Defaulted by the schema, so an explicit "720h" and an omitted field hash alike.
      expireAfter: durationValue(s.expireAfter),
      terminationGracePeriod: durationValue(s.terminationGracePeriod),
      nodeClassRef: { group: s.nodeClassRef.group, kind: s.nodeClassRef.kind, name: s.nodeClassRef.name },
    },
  });
}

/** The NodePool's template hash: a 64-bit unsigned decimal, the form Karpenter's values take. */
export function nodePoolHash(nodePool: NodePool): string {
  return driftHash(hashedTemplate(nodePool));
}

/** The two annotations a NodePool, and every NodeClaim made from it, carries. */
export function nodePoolHashAnnotations(nodePool: NodePool): Record<string, string> {
  return { [NodePoolHashAnnotation]: nodePoolHash(nodePool), [NodePoolHashVersionAnnotation]: NODEPOOL_HASH_VERSION };
}

/**
 * Karpenter's static drift check: the claim's stamped hash differs from the pool's current one.
 * Never drift when either hash is missing or the versions differ (the hash controller re-stamps
 * such claims). The pool's hash is computed, so a pool the hash controller has not annotated yet
 * is still compared correctly.
 */
export function isNodePoolTemplateDrifted(claim: NodeClaim, nodePool: NodePool): boolean {
  const a = claim.metadata.annotations ?? {};
  const claimHash = a[NodePoolHashAnnotation];
  if (!claimHash || a[NodePoolHashVersionAnnotation] !== NODEPOOL_HASH_VERSION) return false;
  return claimHash !== nodePoolHash(nodePool);
}
