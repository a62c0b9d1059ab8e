import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type EC2NodeClass, parseEC2NodeClass } from "../../../../apis/index.js";
import { normalizeStatus, retryAfterMs, statusPatch } from "./controller.js";

function nodeClass(status?: EC2NodeClass["status"]): EC2NodeClass {
  return parseEC2NodeClass({
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: "web", generation: 3 },
    spec: {
      role: "NodeRole",
      amiSelectorTerms: [{ alias: "al2023@latest" }],
      subnetSelectorTerms: [{ tags: { team: "web" } }],
      securityGroupSelectorTerms: [{ id: "sg-123" }],
    },
    ...(status ? { status } : {}),
  });
}

const full = { subnets: [{ id: "subnet-1", zone: "us-east-1a" }], securityGroups: [{ id: "sg-123" }], amis: [{ id: "ami-1", requirements: [] }], instanceProfile: "p" };

describe("normalizeStatus", () => {
  it("derives each condition from its field when the resolver gave none, stamped with the generation", () => {
    const s = normalizeStatus(nodeClass(), full, Date.parse("2026-01-01T00:00:00Z"));
    assert.deepEqual(
      s.conditions?.map((c) => [c.type, c.status, c.reason, c.observedGeneration]),
      [
        ["SubnetsReady", "True", "SubnetsReady", 3],
        ["SecurityGroupsReady", "True", "SecurityGroupsReady", 3],
        ["AMIsReady", "True", "AMIsReady", 3],
        ["InstanceProfileReady", "True", "InstanceProfileReady", 3],
        ["Ready", "True", "Ready", 3],
      ],
    );
    assert.deepEqual(s.subnets, full.subnets);
  });

  it("names the node class and the field when something is missing; Ready lists what failed", () => {
    const s = normalizeStatus(nodeClass(), { ...full, subnets: [] }, 0);
    const subnets = s.conditions?.find((c) => c.type === "SubnetsReady");
    assert.equal(subnets?.status, "False");
    assert.equal(subnets?.reason, "SubnetsNotFound");
    assert.equal(subnets?.message, 'EC2NodeClass "web": no subnet matches spec.subnetSelectorTerms [{"tags":{"team":"web"}}]; tag the subnets to match or fix the terms');
    const ready = s.conditions?.find((c) => c.type === "Ready");
    assert.equal(ready?.status, "False");
    assert.match(ready?.message ?? "", /^SubnetsReady=False: EC2NodeClass "web": no subnet/);
  });

  it("keeps a condition's transition time while its status holds", () => {
    const first = normalizeStatus(nodeClass(), full, Date.parse("2026-01-01T00:00:00Z"));
    const again = normalizeStatus(nodeClass({ ...full, conditions: first.conditions }), full, Date.parse("2026-01-02T00:00:00Z"));
    assert.deepEqual(again.conditions, first.conditions);
    assert.equal(statusPatch({ ...full, conditions: first.conditions }, again), undefined, "nothing to write");
  });
});

describe("statusPatch", () => {
  it("nulls fields that went away and replaces changed ones", () => {
    const before = { ...full, capacityReservations: [{ id: "cr-1", availabilityZone: "us-east-1a", instanceType: "m5.large", ownerID: "123456789012", instanceMatchCriteria: "open" as const, reservationType: "default" as const, state: "active" as const }] };
    const patch = statusPatch(before, { ...full, instanceProfile: "q" });
    assert.deepEqual(patch, { capacityReservations: null, instanceProfile: "q" });
  });
});

describe("retryAfterMs", () => {
  it("retries a failed refresh within seconds, doubling per failure in a row up to two minutes; else every five minutes", () => {
    assert.deepEqual([0, 1, 2, 3, 4, 7, 8, 20].map(retryAfterMs), [300_000, 2_000, 4_000, 8_000, 16_000, 120_000, 120_000, 120_000]);
  });
});

describe("normalizeStatus with refresh failures", () => {
  it("writes no refreshFailures field into the status", () => {
    const s = normalizeStatus(nodeClass(), { ...full, refreshFailures: [{ condition: "SubnetsReady", field: "spec.subnetSelectorTerms", call: "ec2:DescribeSubnets", message: "m", kept: true }] }, 0);
    assert.equal("refreshFailures" in s, false);
  });
});
