// Pure: Karpenter's consistency check of a node's shape. An initialized, not deleting NodeClaim
// whose Node reports, for some resource the claim requested, a capacity below 90% of what the
// claim expected (its status.capacity) is inconsistent: the instance is not what was planned for.
import type { V1Node } from "@kubernetes/client-node";
import { ConditionConsistentStateFound, ConditionInitialized } from "../../../apis/labels.js";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { parseQuantity } from "../../../core/quantity.js";
import { type ConditionUpdate, getCondition, isTrue } from "../../shared/conditions.js";

/** Below this share of the expected capacity a node is reported (Karpenter: 90%). */
export const NODE_SHAPE_MIN_SHARE = 0.9;

function amount(quantity: string | number | undefined, resource: string): number {
  if (quantity === undefined) return 0;
  try {
    return parseQuantity(quantity, resource);
  } catch {
    return 0;
  }
}

/** One message per resource whose node capacity falls short, in the claim's request order. */
export function nodeShapeIssues(claim: NodeClaim, node: V1Node): string[] {
  if (claim.metadata.deletionTimestamp) return [];
  if (!isTrue(claim.status?.conditions, ConditionInitialized)) return [];
  const issues: string[] = [];
  const expectedList = claim.status?.capacity ?? {};
  const found = node.status?.capacity ?? {};
  for (const [resource, requested] of Object.entries(claim.spec.resources?.requests ?? {})) {
    const expected = amount(expectedList[resource], resource);
    if (amount(requested, resource) === 0 || expected === 0) continue;
    const share = amount(found[resource], resource) / expected;
    if (share < NODE_SHAPE_MIN_SHARE) {
      issues.push(`expected ${String(expectedList[resource])} of resource ${resource}, but found ${found[resource] ?? "0"} (${(share * 100).toFixed(1)}% of expected)`);
    }
  }
  return issues;
}

/** The condition after a check: False on any issue, True when clean (left as is if already True). */
export function consistencyCondition(claim: NodeClaim, issues: readonly string[]): ConditionUpdate | undefined {
  if (issues.length > 0) return { type: ConditionConsistentStateFound, status: "False", reason: "ConsistencyCheckFailed", message: "Consistency Check Failed" };
  if (getCondition(claim.status?.conditions, ConditionConsistentStateFound)?.status === "True") return undefined;
  return { type: ConditionConsistentStateFound, status: "True", reason: ConditionConsistentStateFound, message: "" };
}
