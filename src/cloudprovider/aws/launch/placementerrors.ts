// What EC2's answers to a launch into a placement group mean, and what each one costs:
//   - no capacity for a type in the group (a cluster group is one rack set: EC2 often has none) —
//     that type and zone inside this group only; the same type outside the group is unaffected
//     (Karpenter v1.14 scopes the unavailable offering to the group);
//   - a spread group's seven instances per zone reached — every type in that zone, for the group;
//   - the group gone (unknown, not found), not usable (invalid) or taken (in use) — the node
//     class's group itself: nothing launches into it until the node class is resolved again.
import type { FleetError } from "./fleet.js";

/** EC2's message when a spread group is full in a zone (Karpenter matches the same text). */
const spreadLimitText = "limit of instances in this spread placement group";

export const isSpreadLimit = (e: Pick<FleetError, "message">): boolean => e.message.includes(spreadLimitText);

/** Codes saying the placement group itself cannot be launched into. */
const groupUnusableCodes = new Set([
  "InvalidPlacementGroup.Unknown",
  "InvalidPlacementGroup.NotFound",
  "InvalidPlacementGroupId.NotFound",
  "InvalidPlacementGroupId.Malformed",
  "InvalidGroup.NotFound",
  "InvalidPlacementGroup",
  "InvalidPlacementGroup.InUse",
]);

export const isPlacementGroupUnusable = (code: string | undefined): boolean => groupUnusableCodes.has(code ?? "");

export interface PlacementGroupFailure {
  code: string;
  message: string;
}

/** The first answer (a fleet error, or the error CreateFleet threw) saying the group is unusable. */
export function placementGroupFailure(errors: FleetError[]): PlacementGroupFailure | undefined {
  const e = errors.find((x) => isPlacementGroupUnusable(x.code));
  return e ? { code: e.code, message: e.message } : undefined;
}
