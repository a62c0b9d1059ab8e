// Karpenter v1.14's Event reasons, listed from its source (kubernetes-sigs/karpenter pkg/events/reason.go
// and pkg/**/events.go, operatorpkg's status controller, aws/karpenter-provider-aws pkg/**/events.go,
// at tag v1.14.0): each must be a reason some tenon controller publishes. A reason tenon does not
// publish yet is named in `notYet` with why; the test fails when one of those appears in tenon's
// source, so the list only shrinks. Left out: FailedTermination (declared in reason.go, published
// nowhere in v1.14) and operatorpkg's transition Events, whose reason is the condition type itself.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

/** reason → where Karpenter publishes it. */
export const karpenterEventReasons: Record<string, string> = {
  // core: disruption
  DisruptionBlocked: "disruption: a node or NodePool that cannot be disrupted now",
  DisruptionLaunching: "disruption: replacements launching",
  DisruptionTerminating: "disruption: the candidate is being deleted",
  DisruptionWaitingReadiness: "disruption: waiting for the replacements to be initialized",
  Unconsolidatable: "disruption: why a node cannot be consolidated",
  ConsolidationCandidate: "disruption: a consolidation command found, before its validation",
  ConsolidationRejected: "disruption: a consolidation command refused at validation",
  ConsolidationApproved: "disruption: a move a Balanced NodePool's score approved",
  // core: provisioning
  FailedScheduling: "provisioning: a pod no NodePool can hold",
  NoCompatibleInstanceTypes: "provisioning: a NodePool whose requirements leave no instance type",
  Nominated: "provisioning: a pod nominated onto a node or NodeClaim",
  InvalidDoNotDisruptAnnotation: "provisioning (pod utils): a karpenter.sh/do-not-disrupt value that is not a duration",
  DoNotDisruptUntil: "pod utils: a pod protected until its do-not-disrupt duration ends",
  DoNotDisruptGracePeriodElapsed: "pod utils: a do-not-disrupt duration that has ended",
  // core: node termination
  Evicted: "termination: a pod evicted from a draining node",
  Disrupted: "termination: a pod deleted off a node past its terminationGracePeriod",
  FailedDraining: "termination: a drain that cannot finish yet",
  AwaitingVolumeDetachment: "termination: waiting for VolumeAttachments",
  TerminationGracePeriodExpiring: "termination: a node or claim about to be removed at its grace period",
  // core: NodeClaim lifecycle, consistency, repair
  InsufficientCapacityError: "nodeclaim lifecycle: a launch the cloud could not fill",
  NodeClassNotReady: "nodeclaim lifecycle: a launch waiting on its node class",
  UnregisteredTaintMissing: "nodeclaim lifecycle: a node that registered without karpenter.sh/unregistered",
  FailedConsistencyCheck: "nodeclaim consistency: a node whose shape differs from its claim",
  NodeRepairBlocked: "node health: a repair the NodePool's health forbids",
  // operatorpkg's status controllers
  Finalized: "operatorpkg: a finalizer removed from a NodeClaim, NodePool, Node or EC2NodeClass",
  // AWS provider
  SpotInterrupted: "interruption: a spot interruption warning",
  CapacityReservationInstanceInterrupted: "interruption: a capacity reservation ending",
  SpotRebalanceRecommendation: "interruption: a rebalance recommendation",
  InstanceStopping: "interruption: the instance is stopping",
  InstanceTerminating: "interruption: the instance is terminating",
  InstanceUnhealthy: "interruption: a scheduled change or failed status check",
  TerminatingOnInterruption: "interruption: the NodeClaim deleted for it",
  WaitingOnNodeClaimTermination: "nodeclass: an EC2NodeClass deletion waiting on its NodeClaims",
  ZonalShiftActive: "cloudprovider: an ARC zonal shift started",
  ZonalShiftCleared: "cloudprovider: an ARC zonal shift ended",
};

/** Reasons tenon does not publish yet, with why. */
const notYet: Record<string, string> = {
  ZonalShiftActive: "not built: tenon does not read ARC zonal shifts, and moto has no ARC service to test them against",
  ZonalShiftCleared: "not built: tenon does not read ARC zonal shifts, and moto has no ARC service to test them against",
};

/** Every non-test TypeScript source under src/. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [readFileSync(p, "utf8")] : [];
  });
}

describe("Karpenter v1.14's Event reasons", () => {
  const src = sources(join(import.meta.dirname, "..", ".."));
  // A reason is published where it is written as an Event's reason (or a disruption explanation's event).
  const published = (reason: string) => new RegExp(`(reason|event): "${reason}"`).test(src.join("\n"));

  it("lists all 35 of Karpenter's reasons", () => {
    assert.equal(Object.keys(karpenterEventReasons).length, 35);
  });

  it("publishes each one tenon has an occasion for, under Karpenter's reason", () => {
    const missing: string[] = [];
    for (const reason of Object.keys(karpenterEventReasons)) {
      if (notYet[reason] !== undefined) {
        assert.equal(published(reason), false, `${reason} is published now: take it off notYet`);
        continue;
      }
      if (!published(reason)) missing.push(reason);
    }
    assert.deepEqual(missing, [], "Karpenter reasons tenon never publishes");
  });
});
