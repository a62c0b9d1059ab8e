// Status conditions the way Karpenter's operatorpkg keeps them, for every controller: setting a
// condition to what it already says changes nothing (so reconcilers set conditions every time and
// write only when something changed), and lastTransitionTime moves only when the status does.
import type { Condition } from "../../apis/common.js";
import { ConditionInitialized, ConditionLaunched, ConditionReady, ConditionRegistered } from "../../apis/labels.js";

export type ConditionStatus = Condition["status"];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/** Whether an object's root Ready condition is True. */
export function isReady(obj: { status?: { conditions?: Condition[] } | undefined }): boolean {
  return isTrue(obj.status?.conditions, ConditionReady);
}

/** Messages are capped as Karpenter caps them, well below the API server's 32768. */
export function truncateMessage(message: string, max = 300): string {
  return message.length <= max ? message : `${message.slice(0, max)}...`;
}

// Reasons must match ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$ or the API server refuses the write.
function safeReason(reason: string, fallback: string): string {
  const cleaned = reason.replace(/[^A-Za-z0-9_,:]/g, "");
  return /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/.test(cleaned) ? cleaned : fallback;
}

/**
 * The conditions with `update` applied; the same array (by identity) when nothing changed, so
 * callers can tell whether a write is needed.
 */
export function setCondition(conditions: readonly Condition[] | undefined, update: ConditionUpdate, now: number, maxMessage = 300): Condition[] {
  const list = conditions ? [...conditions] : [];
  const existing = list.find((c) => c.type === update.type);
  const message = truncateMessage(update.message ?? "", maxMessage);
  const reason = safeReason(update.reason, update.type);
  if (
    existing &&
    existing.status === update.status &&
    existing.reason === reason &&
    existing.message === message &&
    (update.observedGeneration === undefined || existing.observedGeneration === update.observedGeneration)
  ) {
    return conditions as Condition[];
  }
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason,
    message,
    lastTransitionTime: existing && existing.status === update.status ? existing.lastTransitionTime : new Date(now).toISOString(),
    ...(update.observedGeneration !== undefined ? { observedGeneration: update.observedGeneration } : {}),
  };
  if (existing) list[list.indexOf(existing)] = next;
  else list.push(next);
  return list;
}

/** Several updates at once, each stamped with the object's generation. */
export function setConditions(conditions: readonly Condition[] | undefined, updates: readonly ConditionUpdate[], generation: number | undefined, now: number): Condition[] {
  let list = conditions ? [...conditions] : [];
  for (const u of updates) list = setCondition(list, { ...u, ...(generation !== undefined ? { observedGeneration: generation } : {}) }, now, 4096);
  return list;
}

/** Whether two condition lists say the same (ignoring order). */
export function sameConditions(a: readonly Condition[] | undefined, b: readonly Condition[] | undefined): boolean {
  const key = (c: Condition) => JSON.stringify([c.type, c.status, c.reason, c.message, c.lastTransitionTime, c.observedGeneration ?? null]);
  const ka = (a ?? []).map(key).sort();
  const kb = (b ?? []).map(key).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/**
 * operatorpkg's root condition: Ready is True when every dependent is True, False when any is
 * False, Unknown otherwise; the message names the dependents that are not True.
 */
export function rootReady(conditions: readonly Condition[] | undefined, dependents: readonly string[]): ConditionUpdate & { message: string } {
  const notTrue = dependents.map((type) => ({ type, status: getCondition(conditions, type)?.status ?? "Unknown" })).filter((c) => c.status !== "True");
  if (notTrue.length === 0) return { type: ConditionReady, status: "True", reason: ConditionReady, message: "" };
  return {
    type: ConditionReady,
    status: notTrue.some((c) => c.status === "False") ? "False" : "Unknown",
    reason: "UnhealthyDependents",
    message: notTrue.map((c) => `${c.type}=${c.status}`).join(", "),
  };
}

/** The conditions a NodeClaim's root `Ready` condition summarises, in the order they happen. */
export const nodeClaimDependentConditions = [ConditionLaunched, ConditionRegistered, ConditionInitialized] as const;

/** Karpenter's root condition for a NodeClaim. */
export const nodeClaimRootCondition = (conditions: readonly Condition[] | undefined) => rootReady(conditions, nodeClaimDependentConditions);
