import type { V1Pod } from "@kubernetes/client-node";
// The disruption controller's timings. Karpenter's values are the defaults; tests shorten them.
import type { Config } from "../../operator/config.js";
import type { ControllerDeps } from "../shared/deps.js";

export interface DisruptionSettings {
  /** How often the controller looks for something to disrupt when idle (Karpenter: 10 s). */
  pollingPeriodMs: number;
  /** How long a consolidation waits before re-validating and acting (Karpenter: 15 s). */
  validationTTLMs: number;
  /** How often a command in progress is looked at (replacements initializing). */
  orchestrationPollMs: number;
  /** How long replacements may take to initialize before the command is abandoned (Karpenter: 10 min). */
  replacementTimeoutMs: number;
  /** A replacement NodeClaim not yet in the cache is given this long before it counts as gone. */
  replacementGraceMs: number;
  /** How long the cloud provider's drift answer for a NodeClaim is reused (Karpenter re-checks every 5 min). */
  driftCheckTTLMs: number;
  /** Cloud provider drift checks per pass at most (the rest wait for the next pass). */
  driftChecksPerPass: number;
  /** Karpenter: 1 min. */
  multiNodeTimeoutMs: number;
  /** Karpenter: 3 min. */
  singleNodeTimeoutMs: number;
  /** A NodeClaim's status.lastPodEventTime is not rewritten more often than this. */
  podEventDedupeMs: number;
}

export const defaultDisruptionSettings: DisruptionSettings = {
  pollingPeriodMs: 10_000,
  validationTTLMs: 15_000,
  orchestrationPollMs: 1_000,
  replacementTimeoutMs: 10 * 60_000,
  replacementGraceMs: 5_000,
  driftCheckTTLMs: 5 * 60_000,
  driftChecksPerPass: 100,
  multiNodeTimeoutMs: 60_000,
  singleNodeTimeoutMs: 180_000,
  podEventDedupeMs: 10_000,
};

/** What the controller takes: the shared deps, the feature gates, and optionally its own timings. */
export interface DisruptionControllerDeps extends ControllerDeps {
  config: Pick<Config, "featureGates"> & Partial<Pick<Config, "preferencePolicy" | "minValuesPolicy">> & { disruption?: Partial<DisruptionSettings> };
  /** CapacityBuffers' virtual pods (the CapacityBuffer gate): their room is counted as pods needing a place. */
  buffers?: { virtualPods(): V1Pod[]; readonly synced: boolean };
}

export function settingsOf(deps: DisruptionControllerDeps): DisruptionSettings {
  return { ...defaultDisruptionSettings, ...(deps.config.disruption ?? {}) };
}
