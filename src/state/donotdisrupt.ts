// karpenter.sh/do-not-disrupt, read once for every reader (disruption candidates, PodDisruptionBudget
// checks, the drain's evictions, static pools, `tenon simulate`), with Karpenter v1.14's meanings:
//   - on a Node or NodeClaim only "true" counts;
//   - on a pod, "true" protects its node for as long as the pod runs, and a Go duration ("30m",
//     "1h30m") protects it until the pod's status.startTime plus that duration (from the moment it
//     is scheduled if it has not started yet: no start time, no end). Any other value — not a
//     duration, or not a positive one — is ignored, and said so (InvalidDoNotDisruptAnnotation).
// Pure: the pod and the time in, the protection out. What Karpenter announces about a pod's
// protection is in `protectionNote`, for the controllers to publish.
import type { V1Pod } from "@kubernetes/client-node";
import { DoNotDisruptAnnotation } from "../apis/labels.js";
import { goQuote, tryParseGoDuration } from "../core/goduration.js";

type Annotated = { metadata?: { annotations?: Record<string, string> } };

export type DoNotDisruptValue =
  | { kind: "absent" }
  | { kind: "always" }
  | { kind: "duration"; nanos: bigint }
  /** `message` is Karpenter's words for what is wrong with the value. */
  | { kind: "invalid"; message: string };

/** What a karpenter.sh/do-not-disrupt value on a pod means. */
export function parseDoNotDisrupt(value: string | undefined): DoNotDisruptValue {
  if (value === undefined) return { kind: "absent" };
  if (value === "true") return { kind: "always" };
  const parsed = tryParseGoDuration(value);
  if (!parsed.ok) return { kind: "invalid", message: `failed to parse ${goQuote(value)} as a duration: ${parsed.error}` };
  if (parsed.ns <= 0n) return { kind: "invalid", message: `duration ${goQuote(value)} must be positive` };
  return { kind: "duration", nanos: parsed.ns };
}

/** A Node or NodeClaim asks not to be disrupted (only "true" counts there, as in Karpenter). */
export const objectDoNotDisrupt = (o: Annotated): boolean => o.metadata?.annotations?.[DoNotDisruptAnnotation] === "true";

export interface PodProtection {
  /** The pod protects its node now. */
  active: boolean;
  /** When a duration's protection ends (or ended), ms since the epoch; absent for "true" and without a start time. */
  until?: number;
  value: DoNotDisruptValue;
}

function startOf(pod: V1Pod): number | undefined {
  const t = pod.status?.startTime;
  if (t === undefined || t === null) return undefined;
  const ms = new Date(t).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

/** How the pod's karpenter.sh/do-not-disrupt protects its node at `now` (ms since the epoch). */
export function podProtection(pod: V1Pod, now: number): PodProtection {
  const value = parseDoNotDisrupt(pod.metadata?.annotations?.[DoNotDisruptAnnotation]);
  switch (value.kind) {
    case "absent":
    case "invalid":
      return { active: false, value };
    case "always":
      return { active: true, value };
    case "duration": {
      const start = startOf(pod);
      if (start === undefined) return { active: true, value };
      // Exactly as Go compares: (now − start) in nanoseconds < the duration.
      const active = BigInt(Math.trunc(now - start)) * 1_000_000n < value.nanos;
      return { active, until: start + Number(value.nanos) / 1e6, value };
    }
  }
}

/** The pod's annotation protects its node now (whether or not the pod is still running). */
export const doNotDisruptActive = (pod: V1Pod, now: number): boolean => podProtection(pod, now).active;

/**
 * When the protection of any of these pods ends next after `now`: the moment disruption must look
 * again, since nothing in the API changes then.
 */
export function nextProtectionEnd(pods: Iterable<V1Pod>, now: number): number | undefined {
  let next: number | undefined;
  for (const p of pods) {
    const pr = podProtection(p, now);
    if (pr.active && pr.until !== undefined && (next === undefined || pr.until < next)) next = pr.until;
  }
  return next;
}

/** What Karpenter announces about a pod's protection when it reads it (none for "true" or no annotation). */
export type ProtectionNote =
  | { reason: "InvalidDoNotDisruptAnnotation"; message: string }
  | { reason: "DoNotDisruptUntil"; until: number }
  | { reason: "DoNotDisruptGracePeriodElapsed" };

export function protectionNote(p: PodProtection): ProtectionNote | undefined {
  if (p.value.kind === "invalid") return { reason: "InvalidDoNotDisruptAnnotation", message: p.value.message };
  if (p.value.kind !== "duration" || p.until === undefined) return undefined;
  return p.active ? { reason: "DoNotDisruptUntil", until: p.until } : { reason: "DoNotDisruptGracePeriodElapsed" };
}
