// Tagging after registration against moto, as Karpenter's tagging controller does: no Name at
// launch; once the claim has a node name, Name = the node's name and karpenter.sh/nodeclaim and
// eks:eks-cluster-name on the instance; a Name the user already set is left alone.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CreateTagsCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { useMoto } from "../env/index.js";
import { nodeClaim, nodeClass, seed, testProvider, type TestProvider } from "./fixtures.js";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const m5 = { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] };

describe("instance tagging after registration (moto)", () => {
  const moto = useMoto();
  let t: TestProvider;
  before(async () => {
    await seed(moto());
    t = testProvider(moto());
    await t.resolve(nodeClass("tagging"));
  });

  const tagsOf = async (claim: NodeClaim) => {
    const id = claim.status?.providerID?.split("/").pop() ?? "";
    const i = (await t.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]?.Instances?.[0];
    return { id, tags: Object.fromEntries((i?.Tags ?? []).map((x) => [x.Key, x.Value])) };
  };
  const registered = (c: NodeClaim, nodeName: string): NodeClaim => ({ ...c, status: { ...c.status, nodeName } });

  it("launches without Name, then tags Name = the node's name once the node is known", async () => {
    const claim = await t.provider.create(nodeClaim("tagging-a", "tagging", [m5, onDemand]));
    const launched = await tagsOf(claim);
    assert.equal(launched.tags.Name, undefined, "no Name at launch");
    assert.equal(launched.tags["karpenter.sh/nodeclaim"], "tagging-a");

    assert.equal(await t.provider.tagRegistered(claim), false, "nothing to do before the node registers");
    assert.equal(await t.provider.tagRegistered(registered(claim, "ip-10-0-0-7.ec2.internal")), true);
    const after = await tagsOf(claim);
    assert.equal(after.tags.Name, "ip-10-0-0-7.ec2.internal");
    assert.equal(after.tags["karpenter.sh/nodeclaim"], "tagging-a");
    assert.equal(after.tags["eks:eks-cluster-name"], "tenon-test");
  });

  it("leaves a Name the instance already has", async () => {
    const claim = await t.provider.create(nodeClaim("tagging-b", "tagging", [m5, onDemand]));
    const { id } = await tagsOf(claim);
    await t.clients.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: "Name", Value: "mine" }] }));
    assert.equal(await t.provider.tagRegistered(registered(claim, "ip-10-0-0-8.ec2.internal")), true);
    assert.equal((await tagsOf(claim)).tags.Name, "mine");
  });
});
