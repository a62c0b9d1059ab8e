import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { FakeClock } from "../../runtime/clock.js";
import { claimsWithoutInstances, orphanedInstances } from "./select.js";

function nc(name: string | undefined, providerID: string | undefined, extra: { created?: string; deleting?: boolean; launched?: boolean } = {}): NodeClaim {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: {
      ...(name ? { name } : {}),
      ...(extra.created ? { creationTimestamp: extra.created } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, expireAfter: "720h" },
    status: {
      ...(providerID ? { providerID } : {}),
      ...(extra.launched ? { conditions: [{ type: "Launched", status: "True", reason: "Launched", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }] } : {}),
    },
  };
}

describe("orphanedInstances", () => {
  it("selects old instances no claim accounts for, sparing in-flight launches, young and terminating instances", () => {
    const clock = new FakeClock(Date.parse("2026-01-01T00:10:00Z"));
    const old = "2026-01-01T00:00:00Z";
    const instances = [
      nc("a", "aws:///z/i-a", { created: old }), // claim a records it
      nc("b", "aws:///z/i-b", { created: old }), // claim b exists with no provider ID yet: launch in flight
      nc("gone", "aws:///z/i-gone", { created: old }), // its claim no longer exists
      nc(undefined, "aws:///z/i-untagged", { created: old }), // no claim tag at all
      nc("c", "aws:///z/i-c2", { created: old }), // claim c recorded another instance: this one leaked
      nc("new", "aws:///z/i-new", { created: new Date(clock.now() - 10_000).toISOString() }), // too young
      nc("dying", "aws:///z/i-dying", { created: old, deleting: true }), // already shutting down
    ];
    const claims = [nc("a", "aws:///z/i-a"), nc("b", undefined), nc("c", "aws:///z/i-c1")];
    assert.deepEqual(
      orphanedInstances(instances, claims, clock.now()).map((i) => i.status?.providerID),
      ["aws:///z/i-gone", "aws:///z/i-untagged", "aws:///z/i-c2"],
    );
    clock.advance(30_000);
    assert.ok(orphanedInstances(instances, claims, clock.now()).some((i) => i.metadata.name === "new"), "old enough 30 s later");
  });
});

describe("claimsWithoutInstances", () => {
  it("selects launched, live claims whose instance is not listed (or listed as terminating)", () => {
    const claims = [
      nc("listed", "aws:///z/i-1", { launched: true }),
      nc("missing", "aws:///z/i-2", { launched: true }),
      nc("terminating-instance", "aws:///z/i-3", { launched: true }),
      nc("not-launched", undefined),
      nc("deleting", "aws:///z/i-4", { launched: true, deleting: true }),
    ];
    const instances = [nc("listed", "aws:///z/i-1"), nc("terminating-instance", "aws:///z/i-3", { deleting: true })];
    assert.deepEqual(
      claimsWithoutInstances(claims, instances).map((c) => c.metadata.name),
      ["missing", "terminating-instance"],
    );
  });
});

// Regression: a NodeClaim that fails tenon's schema vanished from the cache, so its instance looked
// orphaned and was terminated 30 s later. It is still a NodeClaim: what it accounts for stays.
describe("orphanedInstances with NodeClaims tenon cannot read", () => {
  it("spares instances an unreadable claim records or names", () => {
    const now = Date.parse("2026-01-01T00:10:00Z");
    const old = "2026-01-01T00:00:00Z";
    const instances = [nc("weird", "aws:///z/i-weird", { created: old }), nc("other", "aws:///z/i-launched-for-odd", { created: old }), nc("gone", "aws:///z/i-gone", { created: old })];
    const unreadable = [{ name: "weird" }, { name: "odd", providerID: "aws:///z/i-launched-for-odd" }];
    assert.deepEqual(
      orphanedInstances(instances, [], now, undefined, unreadable).map((i) => i.status?.providerID),
      ["aws:///z/i-gone"],
    );
  });
});
