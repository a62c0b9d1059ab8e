import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../../apis/nodeclaim.js";
import { PlacementGroupRegistrationHookName, placementGroupRegistrationHook } from "./placementgroup.js";

const PG = "karpenter.k8s.aws/placement-group-id";
const PART = "karpenter.k8s.aws/placement-group-partition";
const claim = (labels: Record<string, string>, providerID: string | undefined = "aws:///us-east-1a/i-1"): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name: "c", labels },
  spec: { requirements: [], expireAfter: "720h", nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } },
  ...(providerID ? { status: { providerID } } : {}),
});

/** A cloud whose instance reports `partition` (undefined: EC2 has not said), counting lookups. */
function cloud(partition: string | undefined | Error) {
  const asked: string[] = [];
  const get = (providerID: string): Promise<NodeClaim> => {
    asked.push(providerID);
    if (partition instanceof Error) return Promise.reject(partition);
    return Promise.resolve(claim({ [PG]: "pg-1", ...(partition !== undefined ? { [PART]: partition } : { [PART]: "" }) }, providerID));
  };
  return { asked, hook: placementGroupRegistrationHook(get) };
}

describe("placement group registration hook", () => {
  it("carries Karpenter's name", () => {
    assert.equal(cloud(undefined).hook.name, PlacementGroupRegistrationHookName);
    assert.equal(PlacementGroupRegistrationHookName, "PlacementGroupRegistrationHook");
  });

  const cases: { name: string; labels: Record<string, string>; providerID?: string; cloud: string | undefined | Error; want: unknown; asks: number }[] = [
    { name: "no placement group: done without asking", labels: {}, cloud: undefined, want: { done: true }, asks: 0 },
    { name: "a cluster or spread group (no partition label): done without asking", labels: { [PG]: "pg-1" }, cloud: undefined, want: { done: true }, asks: 0 },
    { name: "a partition asked for (label set at launch): done without asking", labels: { [PG]: "pg-1", [PART]: "3" }, cloud: undefined, want: { done: true }, asks: 0 },
    { name: "EC2 chose and has not said: pending, the lifecycle backs off", labels: { [PG]: "pg-1", [PART]: "" }, cloud: undefined, want: { done: false }, asks: 1 },
    { name: "EC2 chose and said: done, with the partition label", labels: { [PG]: "pg-1", [PART]: "" }, cloud: "2", want: { done: true, labels: { [PART]: "2" } }, asks: 1 },
    { name: "no provider ID yet: pending without asking", labels: { [PG]: "pg-1", [PART]: "" }, providerID: "", cloud: "2", want: { done: false }, asks: 0 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { hook, asked } = cloud(c.cloud);
      const input = claim(c.labels, c.providerID ?? "aws:///us-east-1a/i-1");
      const before = structuredClone(input);
      assert.deepEqual(await hook.registered(input), c.want);
      assert.equal(asked.length, c.asks);
      assert.deepEqual(input, before, "the hook says what to label; it does not change the claim it is shown");
    });
  }

  it("a failed lookup throws, naming the claim and instance (the lifecycle counts the hook pending)", async () => {
    const { hook } = cloud(new Error("RequestLimitExceeded"));
    await assert.rejects(hook.registered(claim({ [PG]: "pg-1", [PART]: "" })), /NodeClaim c.*aws:\/\/\/us-east-1a\/i-1|i-1.*NodeClaim c.*RequestLimitExceeded/);
  });
});
