// The EC2NodeClass hash stamped on NodeClaims (karpenter.k8s.aws/ec2nodeclass-hash) to detect
// static drift: a change to any launch-shaping field of the spec. Selector terms are left out, as
// in Karpenter: what they select is compared directly (subnets, security groups, AMIs), so editing
// a selector that still selects the same things is no drift.
import { createHash } from "node:crypto";
import type { EC2NodeClass } from "../../../apis/ec2nodeclass.js";
import { amiFamilyOf } from "../amifamily.js";

/**
 * Bump when the hashed fields or their defaults change. It differs from Karpenter's ("v4") on
 * purpose: a claim stamped by Karpenter then has another version, which callers treat as "re-stamp,
 * not drifted" — so moving a cluster from Karpenter to tenon does not replace every node.
 */
export const NODECLASS_HASH_VERSION = "tenon-v1";

const ignoredFields = new Set(["subnetSelectorTerms", "securityGroupSelectorTerms", "capacityReservationSelectorTerms", "amiSelectorTerms", "amiFamily"]);

/**
 * A canonical form: zero values (false, 0, "", empty lists and maps) and absent fields are the
 * same, list order does not matter, map keys are sorted. Mirrors hashstructure's
 * IgnoreZeroValue + ZeroNil + SlicesAsSets that Karpenter uses.
 */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonical).filter((x) => x !== undefined);
    if (items.length === 0) return undefined;
    return items.map((x) => JSON.stringify(x)).sort();
  }
  if (v === null || v === undefined || v === false || v === 0 || v === "") return undefined;
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonical((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

export function nodeClassHash(nodeClass: EC2NodeClass): string {
  const spec: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(nodeClass.spec)) if (!ignoredFields.has(k)) spec[k] = v;
  // The family as resolved, so that spelling out the family an alias implies is no drift.
  const text = JSON.stringify(canonical({ spec, amiFamily: amiFamilyOf(nodeClass.spec) }) ?? {});
  // A 64-bit decimal, the same form as Karpenter's hashstructure value.
  return BigInt(`0x${createHash("sha256").update(text).digest("hex").slice(0, 16)}`).toString();
}
