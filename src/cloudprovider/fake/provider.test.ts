import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseNodeClaim, parseNodePool } from "../../apis/parse.js";
import { InsufficientCapacityError, NodeClaimNotFoundError } from "../errors.js";
import { FakeCloudProvider } from "./provider.js";
import { fakeInstanceType } from "./instancetypes.js";

const claim = (name: string, requirements: { key: string; operator: string; values?: string[] }[] = [], requests?: Record<string, string>) =>
  parseNodeClaim({
    apiVersion: "karpenter.sh/v1",
    kind: "NodeClaim",
    metadata: { name, labels: { "karpenter.sh/nodepool": "default" } },
    spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements, ...(requests ? { resources: { requests } } : {}) },
  });
const pool = parseNodePool({
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "default" },
  spec: { template: { spec: { nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, requirements: [] } } },
});

describe("FakeCloudProvider", () => {
  it("launches the cheapest allowed offering, spot first, and records the call", async () => {
    const cp = new FakeCloudProvider();
    const c = await cp.create(claim("a", [{ key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "m5.xlarge"] }]));
    assert.equal(c.metadata.labels?.["node.kubernetes.io/instance-type"], "m5.large");
    assert.equal(c.metadata.labels?.["karpenter.sh/capacity-type"], "spot");
    assert.match(c.status?.providerID ?? "", /^fake:\/\/\/us-east-1[abc]\/i-fake/);
    assert.equal(c.status?.capacity?.pods, "29");
    assert.equal(cp.calls.create.length, 1);
    assert.deepEqual(await cp.get(c.status!.providerID!), c);
    assert.equal((await cp.list()).length, 1);
  });

  it("respects requests: a pod too big for small types gets a bigger one", async () => {
    const cp = new FakeCloudProvider();
    const c = await cp.create(claim("big", [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }], { cpu: "3", memory: "10Gi" }));
    assert.equal(c.metadata.labels?.["karpenter.sh/capacity-type"], "on-demand");
    assert.ok(["m5.2xlarge", "m6g.xlarge", "g4dn.xlarge", "c5.xlarge", "m5.xlarge"].includes(c.metadata.labels?.["node.kubernetes.io/instance-type"] ?? ""));
    assert.ok(Number(c.status?.capacity?.cpu) >= 4);
  });

  it("injects insufficient capacity: falls back, then fails, and shows it in offerings", async () => {
    const cp = new FakeCloudProvider({ instanceTypes: [fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192 })] });
    cp.injectInsufficientCapacity({ capacityType: "spot" });
    const c = await cp.create(claim("ice"));
    assert.equal(c.metadata.labels?.["karpenter.sh/capacity-type"], "on-demand");
    const [it] = await cp.getInstanceTypes(pool);
    assert.ok(it!.offerings.filter((o) => o.capacityType === "spot").every((o) => !o.available));
    cp.injectInsufficientCapacity({ instanceType: "fake.large" });
    await assert.rejects(cp.create(claim("ice2")), InsufficientCapacityError);
  });

  it("deletes once, then says the node is gone; re-create of a live claim is idempotent", async () => {
    const cp = new FakeCloudProvider();
    const c = await cp.create(claim("d"));
    assert.equal((await cp.create(claim("d"))).status?.providerID, c.status?.providerID);
    await cp.delete(c);
    await assert.rejects(cp.delete(c), NodeClaimNotFoundError);
    await assert.rejects(cp.get(c.status!.providerID!), NodeClaimNotFoundError);
    assert.equal((await cp.list()).length, 0);
  });

  it("throws queued errors and reports configured drift", async () => {
    const cp = new FakeCloudProvider();
    cp.nextErrors.create.push(new Error("boom"));
    await assert.rejects(cp.create(claim("e")), /boom/);
    const c = await cp.create(claim("e"));
    cp.drift.set("e", "AMIDrift");
    assert.equal(await cp.isDrifted(c), "AMIDrift");
    cp.reset();
    assert.equal(cp.calls.create.length, 0);
    assert.equal(await cp.isDrifted(c), undefined);
  });
});
