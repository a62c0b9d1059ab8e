import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEC2NodeClass, parseNodePool } from "../../apis/parse.js";
import { instanceTypesFor } from "./instance-types.js";

const pool = (name: string, ref: { group: string; kind: string; name: string }) =>
  parseNodePool({ apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name }, spec: { template: { spec: { requirements: [], nodeClassRef: ref } } } });
const awsRef = (name: string) => ({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name });

const nodeClass = parseEC2NodeClass({
  apiVersion: "karpenter.k8s.aws/v1",
  kind: "EC2NodeClass",
  metadata: { name: "two-zones" },
  spec: {
    role: "r",
    amiSelectorTerms: [{ alias: "al2023@latest" }],
    subnetSelectorTerms: [{ tags: { a: "b" } }],
    securityGroupSelectorTerms: [{ tags: { a: "b" } }],
  },
  status: {
    subnets: [
      { id: "subnet-1", zone: "us-east-1a" },
      { id: "subnet-2", zone: "us-east-1b" },
      { id: "subnet-3", zone: "us-east-1a" },
    ],
  },
});

describe("instanceTypesFor", () => {
  it("limits offerings to the zones of the node class's subnets when its status lists them", () => {
    const { byNodePool, warnings } = instanceTypesFor([pool("np", awsRef("two-zones"))], [nodeClass], "us-east-1", new Map());
    assert.deepEqual(warnings, []);
    const zones = new Set(byNodePool.get("np")!.flatMap((t) => t.offerings.map((o) => o.zone)));
    assert.deepEqual([...zones].sort(), ["us-east-1a", "us-east-1b"]);
  });

  it("uses every zone and warns when the node class is missing or of a kind tenon does not run", () => {
    const missing = pool("a", awsRef("gone"));
    const foreign = pool("b", { group: "karpenter.azure.com", kind: "AKSNodeClass", name: "x" });
    const { byNodePool, warnings } = instanceTypesFor([missing, foreign], [], "us-east-1", new Map([[missing, "pools.yaml"]]));
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /^pools\.yaml: NodePool "a": EC2NodeClass "gone" is not in the input; simulating with defaults/);
    assert.match(warnings[1]!, /^input: NodePool "b": spec\.template\.spec\.nodeClassRef names AKSNodeClass\.karpenter\.azure\.com/);
    const zones = new Set(byNodePool.get("a")!.flatMap((t) => t.offerings.map((o) => o.zone)));
    assert.ok(zones.size >= 5);
    assert.equal(byNodePool.get("a"), byNodePool.get("b"));
  });
});
