// The EC2NodeClass hash stamped on NodeClaims (karpenter.k8s.aws/ec2nodeclass-hash) to detect
// static drift: a change to any launch-shaping field of the spec. Selector terms are left out, as
// in Karpenter: what they select is compared directly (subnets, security groups, AMIs), so editing
// a selector that still selects the same things is no drift.
import { driftHash } from "../../../apis/hash.js";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { amiFamilyOf } from "../amifamily.js";

/**
 * Bump when the hashed fields or their defaults change. It differs from Karpenter's ("v4") on
 * purpose: a claim stamped by Karpenter then has another version, which callers treat as "re-stamp,
 * not drifted" — so moving a cluster from Karpenter to tenon does not replace every node.
 */
export const NODECLASS_HASH_VERSION = "tenon-v1";

// ipPrefixCount too: Karpenter leaves it out of its hash (a new prefix count applies to new nodes, no drift).
const ignoredFields = new Set(["subnetSelectorTerms", "securityGroupSelectorTerms", "capacityReservationSelectorTerms", "amiSelectorTerms", "amiFamily", "ipPrefixCount"]);

export function nodeClassHash(nodeClass: EC2NodeClass): string {
  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(nodeClass.spec)) if (!ignoredFields.has(k)) spec[k] = v;
  // The family as resolved, so that spelling out the family an alias implies is no drift.
  return driftHash({ spec, amiFamily: amiFamilyOf(nodeClass.spec) });
}
