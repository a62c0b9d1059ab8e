// How long a node takes to start, as tenon measured it: for each NodeClaim that got Initialized,
// from its creation to its Initialized condition (launch, boot, registration and initialization —
// everything a pending pod waits for). Scheduled headroom starts that much before a window opens.
// Pure.
import { ConditionInitialized } from "../../apis/labels.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";

/** With nothing measured yet: a cautious EC2 figure (boot, kubelet registration and CNI readiness). */
export const DEFAULT_STARTUP_MS = 5 * 60_000;
/** Headroom on top of the measurement: start-up times vary, and the buffer's own reconcile takes a moment. */
export const STARTUP_MARGIN_MS = 30_000;
/** How many of the most recent initializations are looked at. */
const RECENT = 20;

/** Start-up durations (ms) of the claims that have been initialized, most recent first. */
export function startupDurations(claims: readonly NodeClaim[]): number[] {
  const out: { at: number; ms: number }[] = [];
  for (const c of claims) {
    const created = Date.parse(c.metadata.creationTimestamp ?? "");
    const init = c.status?.conditions?.find((x) => x.type === ConditionInitialized && x.status === "True");
    const at = Date.parse(init?.lastTransitionTime ?? "");
    if (!Number.isFinite(created) || !Number.isFinite(at) || at < created) continue;
    out.push({ at, ms: at - created });
  }
  return out.sort((a, b) => b.at - a.at).map((x) => x.ms);
}

/**
 * The lead for scheduled headroom: the slowest of the recent start-ups (a window should not open on
 * a node still booting) plus a margin; the default when no node has started yet.
 */
export function startupLeadMs(claims: readonly NodeClaim[], defaultMs = DEFAULT_STARTUP_MS): { leadMs: number; measured: boolean; samples: number } {
  const recent = startupDurations(claims).slice(0, RECENT);
  if (recent.length === 0) return { leadMs: defaultMs + STARTUP_MARGIN_MS, measured: false, samples: 0 };
  return { leadMs: Math.max(...recent) + STARTUP_MARGIN_MS, measured: true, samples: recent.length };
}
