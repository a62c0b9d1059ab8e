import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { endedReservations, onDemandPatch } from "./select.js";

const claim = (name: string, capacityType: string, deleting = false): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name, labels: { "karpenter.sh/capacity-type": capacityType }, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
  status: { providerID: `aws:///us-east-1a/i-${name}` },
});

describe("capacity reservations that ended (Karpenter's capacitytype controller)", () => {
  it("a reserved claim whose instance EC2 reports on-demand is demoted; nothing else", () => {
    const claims = [claim("a", "reserved"), claim("b", "reserved"), claim("c", "on-demand"), claim("d", "reserved", true)];
    const cloud = [claim("a", "on-demand"), claim("b", "reserved"), claim("c", "reserved"), claim("d", "on-demand")];
    assert.deepEqual(endedReservations(claims, cloud).map((c) => c.metadata.name), ["a"]);
  });
  it("moves the label to on-demand and removes the reservation labels", () => {
    assert.deepEqual(onDemandPatch(), {
      "karpenter.sh/capacity-type": "on-demand",
      "karpenter.k8s.aws/capacity-reservation-id": null,
      "karpenter.k8s.aws/capacity-reservation-type": null,
      "karpenter.k8s.aws/capacity-reservation-interruptible": null,
    });
  });
});
