import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../../apis/nodeclaim.js";
import { isTaggable } from "./controller.js";

const claim = (over: { annotations?: Record<string, string>; nodeName?: string; deleting?: boolean }): NodeClaim =>
  ({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name: "c", annotations: over.annotations ?? {}, ...(over.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}) },
    spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
    status: { providerID: "aws:///us-east-1a/i-1", ...(over.nodeName ? { nodeName: over.nodeName } : {}) },
  });

describe("which NodeClaims the tagging controller tags (Karpenter's isTaggable)", () => {
  it("a registered claim not yet tagged", () => assert.equal(isTaggable(claim({ nodeName: "n" })), true));
  it("not before its node is known", () => assert.equal(isTaggable(claim({})), false));
  it("not while it is deleted", () => assert.equal(isTaggable(claim({ nodeName: "n", deleting: true })), false));
  it("not once both annotations say it was tagged; again if one is missing", () => {
    assert.equal(isTaggable(claim({ nodeName: "n", annotations: { "karpenter.k8s.aws/tagged": "true", "compatibility.karpenter.k8s.aws/cluster-name-tagged": "true" } })), false);
    assert.equal(isTaggable(claim({ nodeName: "n", annotations: { "karpenter.k8s.aws/tagged": "true" } })), true);
  });
});
