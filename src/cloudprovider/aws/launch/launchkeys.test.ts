// The karpenter.k8s.aws launch keys a NodePool may require (tenancy, reservation type and
// interruptibility, nitro-sandbox, capability flex), and what each means for which offering is
// taken and what the node is labelled.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as L from "../../../apis/labels.js";
import type { Offering, RequirementSpec } from "../../types.js";
import { computeRequirements } from "../instancetype/requirements.js";
import { launchedLabels } from "../nodeclaim.js";
import { offeringAllowed, tenancyOf } from "./plan.js";

const req = (key: string, operator: RequirementSpec["operator"], values?: string[]): RequirementSpec => ({ key, operator, ...(values ? { values } : {}) });
const onDemand: Offering = { zone: "us-east-1a", capacityType: "on-demand", price: 0.1, available: true };
const block: Offering = { zone: "us-east-1a", capacityType: "reserved", price: 0.001, available: true, reservationID: "cr-block", reservationCapacity: 2, reservationType: "capacity-block", reservationInterruptible: false };
const interruptible: Offering = { zone: "us-east-1a", capacityType: "reserved", price: 0.001, available: true, reservationID: "cr-int", reservationCapacity: 2, reservationType: "default", reservationInterruptible: true };

describe("AWS launch keys in requirements", () => {
  const cases: { name: string; reqs: RequirementSpec[]; allowed: Offering[] }[] = [
    { name: "no requirement: every offering", reqs: [], allowed: [onDemand, block, interruptible] },
    { name: "capacity-reservation-type capacity-block: only the block", reqs: [req(L.CapacityReservationTypeLabel, "In", ["capacity-block"])], allowed: [block] },
    { name: "capacity-reservation-type DoesNotExist: no reservation", reqs: [req(L.CapacityReservationTypeLabel, "DoesNotExist")], allowed: [onDemand] },
    { name: "capacity-reservation-interruptible false: not the interruptible one", reqs: [req(L.CapacityReservationInterruptibleLabel, "In", ["false"])], allowed: [block] },
    { name: "capacity-reservation-interruptible NotIn true: on-demand and the block", reqs: [req(L.CapacityReservationInterruptibleLabel, "NotIn", ["true"])], allowed: [onDemand, block] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        [onDemand, block, interruptible].filter((o) => offeringAllowed(o, c.reqs)).map((o) => o.reservationID ?? o.capacityType),
        c.allowed.map((o) => o.reservationID ?? o.capacityType),
      );
    });
  }

  it("launches with default tenancy unless only dedicated is allowed", () => {
    assert.equal(tenancyOf([]), "default");
    assert.equal(tenancyOf([req(L.InstanceTenancyLabel, "In", ["default", "dedicated"])]), "default");
    assert.equal(tenancyOf([req(L.InstanceTenancyLabel, "In", ["dedicated"])]), "dedicated");
    assert.equal(tenancyOf([req(L.InstanceTenancyLabel, "NotIn", ["default"])]), "dedicated");
  });

  it("labels a node launched into a capacity block with its reservation id, type and interruptibility, and its tenancy", () => {
    const labels = launchedLabels({ instanceID: "i-1", zone: "us-east-1a", capacityType: "reserved", instanceTypeName: "p5.48xlarge", reservationID: "cr-block", reservationType: "capacity-block", reservationInterruptible: false, tenancy: "default" });
    assert.equal(labels[L.CapacityReservationIDLabel], "cr-block");
    assert.equal(labels[L.CapacityReservationTypeLabel], "capacity-block");
    assert.equal(labels[L.CapacityReservationInterruptibleLabel], "false");
    assert.equal(labels[L.InstanceTenancyLabel], "default");
    const plain = launchedLabels({ instanceID: "i-2", zone: "us-east-1a", capacityType: "on-demand", instanceTypeName: "m5.large", tenancy: "default" });
    assert.equal(plain[L.CapacityReservationTypeLabel], undefined);
  });

  it("states every launch key on the instance type, so a requirement on one can be met or ruled out", () => {
    const info = { InstanceType: "c7i-flex.large", Hypervisor: "nitro", NitroEnclavesSupport: "supported", VCpuInfo: { DefaultVCpus: 2 }, MemoryInfo: { SizeInMiB: 4096 }, ProcessorInfo: { SupportedArchitectures: ["x86_64"] } };
    const reqs = computeRequirements(info, "us-east-1", "AL2023", [onDemand, block], [{ name: "us-east-1a" }]);
    const get = (k: string) => reqs.find((r) => r.key === k);
    assert.deepEqual(get(L.InstanceTenancyLabel), req(L.InstanceTenancyLabel, "In", ["default", "dedicated"]));
    assert.deepEqual(get(L.CapacityReservationTypeLabel), req(L.CapacityReservationTypeLabel, "In", ["capacity-block"]));
    assert.deepEqual(get(L.CapacityReservationInterruptibleLabel), req(L.CapacityReservationInterruptibleLabel, "In", ["false"]));
    assert.deepEqual(get(L.NitroSandboxLabel), req(L.NitroSandboxLabel, "In", ["true"]));
    assert.deepEqual(get(L.InstanceCapabilityFlexLabel), req(L.InstanceCapabilityFlexLabel, "In", ["true"]));
    assert.deepEqual(get(L.PlacementGroupIDLabel), req(L.PlacementGroupIDLabel, "DoesNotExist"));
    const m5 = computeRequirements({ ...info, InstanceType: "m5.large", NitroEnclavesSupport: "unsupported" }, "us-east-1", "AL2023", [onDemand], [{ name: "us-east-1a" }]);
    assert.deepEqual(m5.find((r) => r.key === L.InstanceCapabilityFlexLabel), req(L.InstanceCapabilityFlexLabel, "In", ["false"]));
    assert.deepEqual(m5.find((r) => r.key === L.CapacityReservationTypeLabel), req(L.CapacityReservationTypeLabel, "DoesNotExist"));
  });
});
