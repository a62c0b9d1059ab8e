import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { claimsToExpire, reservationIDsOf } from "./select.js";

const claim = (name: string, reservation?: string, deleting = false): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name, labels: reservation ? { "karpenter.k8s.aws/capacity-reservation-id": reservation } : {}, ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
  spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
});

describe("capacity block expiration (Karpenter's capacityreservation.expiration controller)", () => {
  const claims = [claim("a", "cr-2"), claim("b", "cr-1"), claim("c"), claim("d", "cr-2", true), claim("e", "cr-1")];
  it("asks about each reservation a claim is in, once", () => {
    assert.deepEqual(reservationIDsOf(claims), ["cr-1", "cr-2"]);
  });
  it("deletes the claims of expiring reservations not already being deleted", () => {
    assert.deepEqual(claimsToExpire(claims, new Set(["cr-2"])).map((c) => c.metadata.name), ["a"]);
    assert.deepEqual(claimsToExpire(claims, new Set()).map((c) => c.metadata.name), []);
  });
});
