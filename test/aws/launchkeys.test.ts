// Launch keys against moto: a NodePool that requires dedicated tenancy gets a launch template with
// dedicated placement and a node labelled with the tenancy it was launched with.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { DescribeLaunchTemplatesCommand, DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { InstanceTenancyLabel } from "../../src/apis/labels.js";
import { useMoto } from "../env/index.js";
import { nodeClaim, nodeClass, seed, testProvider, type TestProvider } from "./fixtures.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const m5 = { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] };

describe("launch keys reaching the launch (moto)", () => {
  const moto = useMoto();
  let t: TestProvider;
  before(async () => {
    await seed(moto());
    t = testProvider(moto());
  });

  const placementOf = async (nodeClassName: string) => {
    const lts = (await t.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:karpenter.k8s.aws/ec2nodeclass", Values: [nodeClassName] }] }))).LaunchTemplates ?? [];
    return Promise.all(lts.map(async (lt) => (await t.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId }))).LaunchTemplateVersions?.[0]?.LaunchTemplateData?.Placement));
  };

  it("launches dedicated when only dedicated tenancy is allowed, and labels the node so", async () => {
    await t.resolve(nodeClass("dedicated"));
    const claim = await t.provider.create(nodeClaim("dedicated-a", "dedicated", [m5, onDemand, { key: InstanceTenancyLabel, operator: "In", values: ["dedicated"] }]));
    assert.equal(claim.metadata.labels?.[InstanceTenancyLabel], "dedicated");
    // Checked in the launch template: moto's CreateFleet does not carry a template's tenancy into
    // the instance it makes (DescribeInstances says "default" whatever the template holds).
    assert.deepEqual(await placementOf("dedicated"), [{ Tenancy: "dedicated" }]);
  });

  it("launches default tenancy when the claim allows both", async () => {
    await t.resolve(nodeClass("shared"));
    const claim = await t.provider.create(nodeClaim("shared-a", "shared", [m5, onDemand, { key: InstanceTenancyLabel, operator: "In", values: ["default", "dedicated"] }]));
    assert.equal(claim.metadata.labels?.[InstanceTenancyLabel], "default");
    assert.deepEqual(await placementOf("shared"), [undefined]);
  });
});
