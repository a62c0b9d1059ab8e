import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEC2NodeClass, parseNodeOverlay, parseNodePool } from "../../apis/parse.js";
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

  it("prices and sizes the types through the NodeOverlays of the input, and warns of conflicting ones", () => {
    const overlay = (name: string, spec: Record<string, unknown>) => parseNodeOverlay({ apiVersion: "karpenter.sh/v1alpha1", kind: "NodeOverlay", metadata: { name }, spec });
    const np = pool("np", awsRef("two-zones"));
    const plain = instanceTypesFor([np], [nodeClass], "us-east-1", new Map()).byNodePool.get("np")!;
    const m5 = { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }] };
    const { byNodePool, warnings } = instanceTypesFor([np], [nodeClass], "us-east-1", new Map(), [
      overlay("half", { ...m5, priceAdjustment: "-50%", capacity: { "hugepages-2Mi": "1Gi" } }),
      overlay("same-weight", { ...m5, price: "9" }),
    ]);
    const before = plain.find((t) => t.name === "m5.large")!;
    const after = byNodePool.get("np")!.find((t) => t.name === "m5.large")!;
    assert.ok(Math.abs(after.offerings[0]!.price - before.offerings[0]!.price / 2) < 1e-9);
    assert.equal(after.capacity["hugepages-2Mi"], 2 ** 30);
    assert.equal(byNodePool.get("np")!.find((t) => t.name === "c5.large")!.offerings[0]!.price, plain.find((t) => t.name === "c5.large")!.offerings[0]!.price);
    assert.ok(warnings.includes('NodeOverlay "same-weight" conflicts with "half" (same weight) on price of m5.large; "half" is applied'), warnings.join("\n"));
  });
});
