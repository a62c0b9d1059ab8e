// Status conditions kept the way Karpenter's operatorpkg keeps them: setting a condition to what it
// already says changes nothing (so reconcilers set every condition every time and write only when
// something changed), and lastTransitionTime moves only when the status does. Used by the NodePool
// and EC2NodeClass status controllers.
import type { Condition } from "../../apis/common.js";
import { ConditionReady } from "../../apis/labels.js";

export type ConditionStatus = Condition["status"];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isConditionTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === "True";
}

/** Whether an object's root Ready condition is True. */
export function isReady(obj: { status?: { conditions?: Condition[] } | undefined }): boolean {
  return isConditionTrue(obj.status?.conditions, ConditionReady);
}

// The API server caps messages at 32768 characters; keep them readable well below that.
const maxMessage = 4096;
// Reasons must match ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$.
function safeReason(reason: string, fallback: string): string {
  const cleaned = reason.replace(/[^A-Za-z0-9_,:]/g, "");
  return /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/.test(cleaned) ? cleaned : fallback;
}

/**
 * The conditions with each update applied, in a stable order (existing ones in place, new ones
 * appended), stamped with the object's generation.
 */
export function setConditions(conditions: readonly Condition[] | undefined, updates: readonly ConditionUpdate[], generation: number | undefined, now: number): Condition[] {
  const list = conditions ? [...conditions] : [];
  for (const u of updates) {
    const existing = list.find((c) => c.type === u.type);
    const message = (u.message ?? "").length > maxMessage ? `${(u.message ?? "").slice(0, maxMessage)}...` : (u.message ?? "");
    const next: Condition = {
      type: u.type,
      status: u.status,
      reason: safeReason(u.reason, u.type),
      message,
      lastTransitionTime: existing && existing.status === u.status ? existing.lastTransitionTime : new Date(now).toISOString(),
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
    };
    if (existing) list[list.indexOf(existing)] = next;
    else list.push(next);
  }
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
export function rootReady(conditions: readonly Condition[], dependents: readonly string[]): ConditionUpdate {
  const notTrue = dependents.map((type) => ({ type, status: getCondition(conditions, type)?.status ?? "Unknown" })).filter((c) => c.status !== "True");
  if (notTrue.length === 0) return { type: ConditionReady, status: "True", reason: ConditionReady, message: "" };
  return {
    type: ConditionReady,
    status: notTrue.some((c) => c.status === "False") ? "False" : "Unknown",
    reason: "UnhealthyDependents",
    message: notTrue.map((c) => `${c.type}=${c.status}`).join(", "),
  };
}
