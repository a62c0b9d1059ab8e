// The disruption conditions on NodeClaims, kept as Karpenter keeps them: Drifted (True, with the
// drift reason, while drifted; absent otherwise), Consolidatable (True once consolidateAfter has
// passed since the last pod event; absent otherwise — its message says why the node is still
// there, when a consolidation looked at it and left it), and DisruptionReason (True while a command
// is taking the node away, its reason and message the disruption reason, as Karpenter writes them). Pure: the controller writes what differs.
import type { Condition } from "../../apis/common.js";
import { ConditionConsolidatable, ConditionDisruptionReason, ConditionDrifted } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { setCondition } from "../shared/conditions.js";

export interface ConditionFacts {
  drift?: { reason?: string; message?: string };
  /** undefined: leave Consolidatable as it is (the claim was not looked at). */
  consolidatable?: { consolidatable: boolean; message: string };
  /** undefined: leave DisruptionReason as it is. null: clear it. */
  disrupting?: { reason: string; message: string } | null;
}

function without(conditions: readonly Condition[], type: string): readonly Condition[] {
  return conditions.some((c) => c.type === type) ? conditions.filter((c) => c.type !== type) : conditions;
}

/** The claim's conditions with the facts applied; the same array when nothing changed. */
export function disruptionConditions(claim: NodeClaim, facts: ConditionFacts, now: number): readonly Condition[] {
  let conditions: readonly Condition[] = claim.status?.conditions ?? [];
  if (facts.drift !== undefined) {
    conditions = facts.drift.reason
      ? setCondition(conditions, { type: ConditionDrifted, status: "True", reason: facts.drift.reason, message: facts.drift.message ?? facts.drift.reason }, now)
      : without(conditions, ConditionDrifted);
  }
  if (facts.consolidatable !== undefined) {
    conditions = facts.consolidatable.consolidatable
      ? setCondition(conditions, { type: ConditionConsolidatable, status: "True", reason: ConditionConsolidatable, message: facts.consolidatable.message }, now)
      : without(conditions, ConditionConsolidatable);
  }
  if (facts.disrupting === null) conditions = without(conditions, ConditionDisruptionReason);
  else if (facts.disrupting !== undefined) {
    conditions = setCondition(conditions, { type: ConditionDisruptionReason, status: "True", reason: facts.disrupting.reason, message: facts.disrupting.reason }, now);
  }
  return conditions;
}
