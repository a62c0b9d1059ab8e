// NodeClaim conditions: the shared operatorpkg-style helpers plus the NodeClaim's root condition.
import type { Condition } from "../../apis/common.js";
import { ConditionInitialized, ConditionLaunched, ConditionRegistered } from "../../apis/labels.js";
import { rootReady } from "../conditions.js";

export { type ConditionStatus, getCondition, isTrue, setCondition, truncateMessage } from "../conditions.js";

/** The conditions a NodeClaim's root `Ready` condition summarises, in the order they happen. */
export const nodeClaimDependentConditions = [ConditionLaunched, ConditionRegistered, ConditionInitialized] as const;

/** Karpenter's root condition for a NodeClaim. */
export const rootCondition = (conditions: readonly Condition[] | undefined) => rootReady(conditions, nodeClaimDependentConditions);
