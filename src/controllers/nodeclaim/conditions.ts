// Status conditions the way Karpenter (operatorpkg) keeps them: setting a condition to what it
// already says changes nothing, so reconcilers can set conditions every time and only write when
// something changed; lastTransitionTime moves only when the status does.
import type { Condition } from "../../apis/common.js";
import { ConditionInitialized, ConditionLaunched, ConditionReady, ConditionRegistered } from "../../apis/labels.js";

export type ConditionStatus = Condition["status"];

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/** Condition reasons must be CamelCase words; messages are capped as Karpenter caps them. */
export function truncateMessage(message: string, max = 300): string {
  return message.length <= max ? message : `${message.slice(0, max)}...`;
}

/**
 * The conditions with `type` set; the same array (by identity) when nothing changed, so callers can
 * tell whether a write is needed.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: { type: string; status: ConditionStatus; reason: string; message?: string; observedGeneration?: number },
  now: number,
): Condition[] {
  const list = conditions ? [...conditions] : [];
  const existing = list.find((c) => c.type === update.type);
  const message = truncateMessage(update.message ?? "");
  if (
    existing &&
    existing.status === update.status &&
    existing.reason === update.reason &&
    existing.message === message &&
    (update.observedGeneration === undefined || existing.observedGeneration === update.observedGeneration)
  ) {
    return conditions as Condition[];
  }
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message,
    lastTransitionTime: existing && existing.status === update.status ? existing.lastTransitionTime : new Date(now).toISOString(),
    ...(update.observedGeneration !== undefined ? { observedGeneration: update.observedGeneration } : {}),
  };
  if (existing) list[list.indexOf(existing)] = next;
  else list.push(next);
  return list;
}

/** The conditions a NodeClaim's root `Ready` condition summarises, in the order they happen. */
export const nodeClaimDependentConditions = [ConditionLaunched, ConditionRegistered, ConditionInitialized] as const;

/**
 * Karpenter's root condition: Ready is True when every dependent is True, False when any is False,
 * Unknown otherwise; the message names the dependents that are not True.
 */
export function rootCondition(conditions: readonly Condition[] | undefined): { type: string; status: ConditionStatus; reason: string; message: string } {
  const notTrue = nodeClaimDependentConditions
    .map((type) => ({ type, status: getCondition(conditions, type)?.status ?? "Unknown" }))
    .filter((c) => c.status !== "True");
  if (notTrue.length === 0) return { type: ConditionReady, status: "True", reason: ConditionReady, message: "" };
  return {
    type: ConditionReady,
    status: notTrue.some((c) => c.status === "False") ? "False" : "Unknown",
    reason: "UnhealthyDependents",
    message: notTrue.map((c) => `${c.type}=${c.status}`).join(", "),
  };
}
