import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEC2NodeClass } from "../../../apis/parse.js";
import { nodeClassHash } from "./hash.js";

const nc = (spec: Record<string, unknown>) =>
  parseEC2NodeClass({
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name: "default" },
    spec: { role: "NodeRole", subnetSelectorTerms: [{ tags: { a: "b" } }], securityGroupSelectorTerms: [{ tags: { a: "b" } }], amiSelectorTerms: [{ alias: "al2023@latest" }], ...spec },
  });

describe("EC2NodeClass hash", () => {
  it("ignores selector terms and the spelled-out family of an alias", () => {
    const h = nodeClassHash(nc({}));
    assert.equal(nodeClassHash(nc({ subnetSelectorTerms: [{ id: "subnet-1" }], securityGroupSelectorTerms: [{ name: "x" }] })), h);
    assert.equal(nodeClassHash(nc({ amiFamily: "AL2023" })), h);
    assert.match(h, /^[0-9]+$/);
  });

  it("treats zero values like absent ones and list order as irrelevant", () => {
    assert.equal(nodeClassHash(nc({ detailedMonitoring: false })), nodeClassHash(nc({})));
    assert.equal(nodeClassHash(nc({ kubelet: { clusterDNS: ["1.1.1.1", "2.2.2.2"] } })), nodeClassHash(nc({ kubelet: { clusterDNS: ["2.2.2.2", "1.1.1.1"] } })));
  });

  it("changes with launch-shaping fields", () => {
    const h = nodeClassHash(nc({}));
    assert.notEqual(nodeClassHash(nc({ userData: "echo hi" })), h);
    assert.notEqual(nodeClassHash(nc({ tags: { team: "a" } })), h);
    assert.notEqual(nodeClassHash(nc({ metadataOptions: { httpTokens: "optional" } })), h);
    assert.notEqual(nodeClassHash(nc({ amiFamily: "Custom" })), h);
  });
});
