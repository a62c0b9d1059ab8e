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

export interface StartupSample {
  /** When the claim became Initialized. */
  at: number;
  ms: number;
}

/** A claim's start-up, once it has been initialized. */
export function startupSample(c: NodeClaim): StartupSample | undefined {
  const created = Date.parse(c.metadata.creationTimestamp ?? "");
  const init = c.status?.conditions?.find((x) => x.type === ConditionInitialized && x.status === "True");
  const at = Date.parse(init?.lastTransitionTime ?? "");
  if (!Number.isFinite(created) || !Number.isFinite(at) || at < created) return undefined;
  return { at, ms: at - created };
}

/** Start-up durations (ms) of the claims that have been initialized, most recent first. */
export function startupDurations(claims: readonly NodeClaim[]): number[] {
  const out = claims.map(startupSample).filter((x): x is StartupSample => x !== undefined);
  return out.sort((a, b) => b.at - a.at).map((x) => x.ms);
}

/**
 * The lead for scheduled headroom from start-up samples: the slowest of the recent ones (a window
 * should not open on a node still booting) plus a margin; the default when no node has started yet.
 */
export function leadFromSamples(samples: readonly StartupSample[], defaultMs = DEFAULT_STARTUP_MS): { leadMs: number; measured: boolean; samples: number } {
  const recent = [...samples].sort((a, b) => b.at - a.at).slice(0, RECENT).map((x) => x.ms);
  if (recent.length === 0) return { leadMs: defaultMs + STARTUP_MARGIN_MS, measured: false, samples: 0 };
  return { leadMs: Math.max(...recent) + STARTUP_MARGIN_MS, measured: true, samples: recent.length };
}

/** The lead from the claims that exist (`tenon simulate`, which sees one snapshot). */
export function startupLeadMs(claims: readonly NodeClaim[], defaultMs = DEFAULT_STARTUP_MS): { leadMs: number; measured: boolean; samples: number } {
  return leadFromSamples(claims.map(startupSample).filter((x): x is StartupSample => x !== undefined), defaultMs);
}

/**
 * Start-ups remembered beyond the claims that show them: a node consolidated away still tells how
 * long nodes take (without this, the lead would fall back to the default whenever the pool is
 * empty, and a buffer would switch on and off as its own node came up).
 */
export class StartupRecord {
  private readonly byClaim = new Map<string, StartupSample>();

  observe(c: NodeClaim): void {
    const s = startupSample(c);
    const name = c.metadata.name ?? "";
    if (!s || this.byClaim.has(name)) return;
    this.byClaim.set(name, s);
    if (this.byClaim.size > RECENT * 2) {
      const oldest = [...this.byClaim.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (oldest) this.byClaim.delete(oldest[0]);
    }
  }

  lead(defaultMs = DEFAULT_STARTUP_MS): { leadMs: number; measured: boolean; samples: number } {
    return leadFromSamples([...this.byClaim.values()], defaultMs);
  }
}
