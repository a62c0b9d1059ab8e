import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { UnavailableOfferings } from "../../cloudprovider/aws/unavailableofferings.js";
import { actionFor, unavailableOfferingOf } from "./actions.js";

const claim = (labels: Record<string, string>): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name: "c", labels: { "node.kubernetes.io/instance-type": "p5.48xlarge", "topology.kubernetes.io/zone": "us-east-1a", ...labels } },
  spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
});
const reserved = { "karpenter.sh/capacity-type": "reserved", "karpenter.k8s.aws/capacity-reservation-id": "cr-1", "karpenter.k8s.aws/capacity-reservation-interruptible": "true" };

describe("a capacity reservation interruption (Karpenter v1.14)", () => {
  it("cordons and drains, and names the claim's reservation as what EC2 took back", () => {
    assert.equal(actionFor("capacity_reservation_interrupted"), "CordonAndDrain");
    assert.deepEqual(unavailableOfferingOf("capacity_reservation_interrupted", claim(reserved)), { instanceType: "p5.48xlarge", zone: "us-east-1a", capacityType: "reserved", reservationID: "cr-1" });
    assert.equal(unavailableOfferingOf("capacity_reservation_interrupted", claim({ "karpenter.sh/capacity-type": "on-demand" })), undefined, "a claim no longer reserved");
    assert.equal(unavailableOfferingOf("spot_interrupted", claim({ "karpenter.sh/capacity-type": "spot" }))?.reservationID, undefined);
  });
  it("the AWS provider's record: the reservation is full until EC2's next count, other reservations of the type untouched", () => {
    const u = new UnavailableOfferings();
    u.reservations.sync(new Map([["cr-1", 1], ["cr-2", 4]]), 0);
    const o = unavailableOfferingOf("capacity_reservation_interrupted", claim(reserved))!;
    u.markUnavailable(o.instanceType, o.zone, o.capacityType, { reservationID: o.reservationID });
    assert.deepEqual([u.reservations.count("cr-1"), u.reservations.count("cr-2")], [0, 4]);
  });
});
