import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEC2NodeClass, parseNodeClaim } from "../../apis/parse.js";
import { fakeInstanceType } from "../fake/instancetypes.js";
import { dynamicDrift } from "./drift.js";

const claim = parseNodeClaim({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name: "c" },
  spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [] },
});
const nodeClass = parseEC2NodeClass({
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  metadata: { name: "default" },
  spec: { role: "R", amiSelectorTerms: [{ alias: "al2023@latest" }], subnetSelectorTerms: [{ id: "subnet-1" }], securityGroupSelectorTerms: [{ id: "sg-1" }] },
  status: { subnets: [{ id: "subnet-1", zone: "us-east-1a" }], securityGroups: [{ id: "sg-1" }], amis: [{ id: "ami-1", requirements: [] }] },
});
const instance = { InstanceId: "i-1", ImageId: "ami-1", SubnetId: "subnet-1", SecurityGroups: [{ GroupId: "sg-1" }] };

describe("dynamic drift", () => {
  it("is InstanceTypeNotFound (Karpenter's reason) when EC2 no longer lists the instance's type", () => {
    assert.equal(dynamicDrift(claim, instance, nodeClass, undefined), "InstanceTypeNotFound");
  });
  it("is nothing while the type is listed and the instance matches its node class", () => {
    assert.equal(dynamicDrift(claim, instance, nodeClass, fakeInstanceType({ name: "m5.large", cpu: 2, memoryMiB: 8192, price: 0.1 })), undefined);
  });
  it("is PlacementGroupDrift when the claim's group is not the one the node class resolves to now (added, removed or changed)", () => {
    const it5 = fakeInstanceType({ name: "m5.large", cpu: 2, memoryMiB: 8192, price: 0.1 });
    const inGroup = (id: string) => ({ ...claim, metadata: { ...claim.metadata, labels: { "karpenter.k8s.aws/placement-group-id": id } } });
    assert.equal(dynamicDrift(claim, instance, nodeClass, it5, "pg-1"), "PlacementGroupDrift", "selector added");
    assert.equal(dynamicDrift(inGroup("pg-1"), instance, nodeClass, it5, undefined), "PlacementGroupDrift", "selector removed");
    assert.equal(dynamicDrift(inGroup("pg-1"), instance, nodeClass, it5, "pg-2"), "PlacementGroupDrift", "group changed");
    assert.equal(dynamicDrift(inGroup("pg-1"), instance, nodeClass, it5, "pg-1"), undefined);
  });
});
