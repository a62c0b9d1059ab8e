import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { awaitsPartition, partitionOf } from "./select.js";

const claim = (labels: Record<string, string>, providerID = "aws:///us-east-1a/i-1"): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name: "c", labels },
  spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
  ...(providerID ? { status: { providerID } } : {}),
});
const PG = "karpenter.k8s.aws/placement-group-id";
const PART = "karpenter.k8s.aws/placement-group-partition";

describe("claims waiting for their placement group partition", () => {
  it("a claim in a group with an empty partition label waits; nothing else does", () => {
    assert.equal(awaitsPartition(claim({ [PG]: "pg-1", [PART]: "" })), true);
    assert.equal(awaitsPartition(claim({ [PG]: "pg-1", [PART]: "" }, "")), true, "launched or not: the hook asks only once there is a node");
    assert.equal(awaitsPartition(claim({ [PG]: "pg-1", [PART]: "2" })), false, "known");
    assert.equal(awaitsPartition(claim({ [PG]: "pg-1" })), false, "a cluster or spread group has no partition");
    assert.equal(awaitsPartition(claim({ [PART]: "" })), false, "no placement group");
  });
  it("the partition is the cloud's label once EC2 has said", () => {
    assert.equal(partitionOf(claim({ [PART]: "3" })), "3");
    assert.equal(partitionOf(claim({ [PART]: "" })), undefined);
    assert.equal(partitionOf(claim({})), undefined);
  });
});
