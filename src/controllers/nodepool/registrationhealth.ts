// NodeRegistrationHealthy, as Karpenter v1.14 keeps it: each NodePool remembers whether its last
// few NodeClaims registered. Two failures (launch or registration timeouts) among the last four
// make it False; a registration that leaves the window healthy makes it True; a change to the
// NodePool's spec or its node class's spec starts it over at Unknown, since the old outcomes say
// nothing about the new configuration. The condition is informational: the NodePool's Ready
// condition does not depend on it, exactly as in Karpenter.
import type { Condition } from "../../apis/common.js";
import { ConditionLaunched, ConditionNodeRegistrationHealthy } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { type ConditionUpdate, getCondition } from "../shared/conditions.js";

/** How many recent outcomes a NodePool remembers (Karpenter's BufferSize). */
export const REGISTRATION_HEALTH_WINDOW = 4;
/** The share of failures, counted against the whole window, that makes a pool unhealthy. */
export const REGISTRATION_UNHEALTHY_SHARE = 0.5;

export type RegistrationHealth = "Unknown" | "Healthy" | "Unhealthy";

/** The health a window of outcomes (true = registered) says: Unknown while empty. */
export function healthOf(outcomes: readonly boolean[]): RegistrationHealth {
  if (outcomes.length === 0) return "Unknown";
  const failures = outcomes.filter((ok) => !ok).length;
  return failures / REGISTRATION_HEALTH_WINDOW >= REGISTRATION_UNHEALTHY_SHARE ? "Unhealthy" : "Healthy";
}

/** The window after one more outcome: the oldest falls out once it is full. */
export function withOutcome(outcomes: readonly boolean[], ok: boolean): boolean[] {
  return [...outcomes, ok].slice(-REGISTRATION_HEALTH_WINDOW);
}

/** The smallest window that says `health` (how a restart seeds memory from the condition). */
export function windowFor(health: RegistrationHealth): boolean[] {
  if (health === "Healthy") return [true];
  if (health === "Unhealthy") return Array.from({ length: REGISTRATION_HEALTH_WINDOW * REGISTRATION_UNHEALTHY_SHARE }, () => false);
  return [];
}

/**
 * The outcomes of every NodePool, by UID, shared by the NodeClaim lifecycle (which records them)
 * and nodepool.status (which resets them). In memory, as Karpenter's: after a restart a pool's
 * window is seeded from the condition it carries.
 */
export class RegistrationHealthState {
  private readonly windows = new Map<string, boolean[]>();

  status(uid: string): RegistrationHealth {
    return healthOf(this.windows.get(uid) ?? []);
  }

  /** The health the window would say after `ok`, without recording it. */
  dryRun(uid: string, ok: boolean): RegistrationHealth {
    return healthOf(withOutcome(this.windows.get(uid) ?? [], ok));
  }

  record(uid: string, ok: boolean): void {
    this.windows.set(uid, withOutcome(this.windows.get(uid) ?? [], ok));
  }

  set(uid: string, health: RegistrationHealth): void {
    this.windows.set(uid, windowFor(health));
  }

  forget(uid: string): void {
    this.windows.delete(uid);
  }
}

/** Karpenter's operatorpkg SetUnknown: the reason and message a reset condition carries. */
export const registrationHealthUnknown: ConditionUpdate = {
  type: ConditionNodeRegistrationHealthy,
  status: "Unknown",
  reason: "AwaitingReconciliation",
  message: "object is awaiting reconciliation",
};

export interface RegistrationHealthSync {
  /** What memory should be seeded with (it was empty and the condition already says it). */
  seed?: RegistrationHealth;
  /** Whether the condition (and memory) starts over at Unknown. */
  reset: boolean;
}

/**
 * What nodepool.status does with the condition on each pass, given the pool's generation, the
 * node class generation the pool last observed, the node class's generation now and what memory
 * says. A missing condition, a pool spec change (its generation moved past the condition's
 * observedGeneration) or a node class spec change resets it.
 */
export function registrationHealthSync(
  conditions: readonly Condition[] | undefined,
  poolGeneration: number | undefined,
  observedNodeClassGeneration: number | undefined,
  nodeClassGeneration: number | undefined,
  remembered: RegistrationHealth,
): RegistrationHealthSync {
  const cond = getCondition(conditions, ConditionNodeRegistrationHealthy);
  const out: RegistrationHealthSync = { reset: false };
  if (remembered === "Unknown" && cond?.status === "True") out.seed = "Healthy";
  if (remembered === "Unknown" && cond?.status === "False") out.seed = "Unhealthy";
  out.reset = !cond || (observedNodeClassGeneration ?? 0) !== (nodeClassGeneration ?? 0) || poolGeneration !== cond.observedGeneration;
  return out;
}

/** Whether the claim was launched by this pool (an owner reference to its UID), as Karpenter checks. */
export function launchedByPool(claim: NodeClaim, poolUid: string | undefined): boolean {
  return poolUid !== undefined && (claim.metadata.ownerReferences ?? []).some((o) => o.kind === "NodePool" && o.uid === poolUid);
}

/**
 * The condition to write when a claim of the pool registered (`ok`) or was given up on, given
 * what the window would say with that outcome; undefined when the condition stays as it is.
 * A failure names the launch's reason when the claim never launched, else RegistrationFailed.
 */
export function registrationHealthUpdate(conditions: readonly Condition[] | undefined, claim: NodeClaim, ok: boolean, after: RegistrationHealth): ConditionUpdate | undefined {
  const cond = getCondition(conditions, ConditionNodeRegistrationHealthy);
  if (ok) {
    if (after !== "Healthy" || cond?.status === "True") return undefined;
    return { type: ConditionNodeRegistrationHealthy, status: "True", reason: ConditionNodeRegistrationHealthy, message: "" };
  }
  if (after !== "Unhealthy" || cond?.status === "False") return undefined;
  const launched = getCondition(claim.status?.conditions, ConditionLaunched);
  if (launched?.status === "True") return { type: ConditionNodeRegistrationHealthy, status: "False", reason: "RegistrationFailed", message: "Failed to register node" };
  return { type: ConditionNodeRegistrationHealthy, status: "False", reason: launched?.reason || "LaunchFailed", message: launched?.message ?? "" };
}
