// The drift hashes stamped on NodePools, EC2NodeClasses and NodeClaims. Karpenter hashes with
// hashstructure (IgnoreZeroValue, ZeroNil, SlicesAsSets); this canonical form has the same
// equalities, so the same edits count as drift.
import { createHash } from "node:crypto";

/**
 * Zero values (false, 0, "", empty lists and maps) and absent fields are the same, lists are sets,
 * map keys are sorted.
 */
export function canonicalForHash(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(canonicalForHash).filter((x) => x !== undefined);
    if (items.length === 0) return undefined;
    return [...new Set(items.map((x) => JSON.stringify(x)))].sort();
  }
  if (v === null || v === undefined || v === false || v === 0 || v === "") return undefined;
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const c = canonicalForHash((v as Record<string, unknown>)[k]);
      if (c !== undefined) out[k] = c;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/** The hash of a value's canonical form: a 64-bit unsigned decimal, the form Karpenter's values take. */
export function driftHash(value: unknown): string {
  const text = JSON.stringify(canonicalForHash(value) ?? {});
  return BigInt(`0x${createHash("sha256").update(text).digest("hex").slice(0, 16)}`).toString();
}
