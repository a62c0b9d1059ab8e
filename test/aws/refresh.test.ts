// Refreshing an EC2NodeClass's status while AWS misbehaves (faults injected per call on top of
// moto): a call that gives no answer — one throttled SSM parameter among the alias's, a 5xx
// DescribeSubnets, a throttled DescribeSecurityGroups, DescribeImages or IAM call — changes nothing
// the resolver could not learn. The part keeps what the last resolution found and its True
// condition (whose message names the field and the call), and it is reported as a refresh failure
// for the controller to retry; a drift check never sees half a resolution. Only an answer (no
// subnet matches) turns a part False.
import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  ModifyInstanceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import type { EC2NodeClass } from "../../src/apis/index.js";
import { useMoto } from "../env/index.js";
import { type EC2Stub, passthroughMock, sendReal } from "./mocks.js";
import { AMI, K8S_VERSION, condition, nodeClaim, nodeClass, seed, testProvider, type TestProvider } from "./fixtures.js";

const throttling = () => Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { httpStatusCode: 400 } });
const unavailable = () => Object.assign(new Error("Service Unavailable"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
const arm64Parameter = `/aws/service/eks/optimized-ami/${K8S_VERSION}/amazon-linux-2023/arm64/standard/recommended/image_id`;
const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const type = (name: string) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: [name] });
/** Past the SSM cache of "latest" parameters: the next resolution asks SSM again. */
const PAST_SSM_CACHE_MS = 6 * 60_000;

describe("refreshing an EC2NodeClass under AWS faults (moto + injected)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let now = Date.parse("2026-01-01T00:00:00Z");
  before(async () => {
    await seed(moto());
  });
  beforeEach(() => {
    t = testProvider(moto(), { clock: () => now });
    ec2 = passthroughMock(t.clients.ec2);
  });

  /** The node class's status refreshed, as the status controller writes it, with the resolver's failure report. */
  async function refresh(nc: EC2NodeClass) {
    const { refreshFailures, ...status } = await t.provider.resolveNodeClass(nc);
    const resolved = { ...nc, status };
    t.nodeClasses.set(nc.metadata.name ?? "", resolved);
    return { nc: resolved, failures: refreshFailures ?? [] };
  }

  it("keeps every AMI when one SSM parameter of the alias is throttled, so arm64 nodes do not look AMI-drifted", async () => {
    const good = await t.resolve(nodeClass("al2023"));
    assert.ok(good.status!.amis!.some((a) => a.id === AMI.al2023.arm64));
    const claim = await t.provider.create(nodeClaim("arm-a", "al2023", [type("m6g.large"), onDemand]));
    const id = claim.status!.providerID!.split("/").pop()!;
    await t.clients.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: good.status!.securityGroups!.map((g) => g.id) }));
    assert.equal(await t.provider.isDrifted(claim), undefined);

    now += PAST_SSM_CACHE_MS;
    t.ssmFaults.set(arm64Parameter, throttling());
    const report = await t.provider.resolveNodeClass(good);
    assert.deepEqual(report.amis, good.status!.amis, "the AMIs of the last whole resolution");
    assert.deepEqual(
      report.refreshFailures?.map((f) => [f.condition, f.field, f.call, f.kept]),
      [["AMIsReady", "spec.amiSelectorTerms[0].alias", "ssm:GetParameter", true]],
    );
    assert.match(report.refreshFailures![0]!.message, new RegExp(`^EC2NodeClass "al2023": spec.amiSelectorTerms\\[0\\].alias could not be resolved: ssm:GetParameter \\(${arm64Parameter.replace(/\//g, "\\/")}\\) failed: Rate exceeded`));
    const amis = report.conditions!.find((c) => c.type === "AMIsReady")!;
    assert.equal(amis.status, "True");
    assert.equal(amis.lastTransitionTime, condition(good, "AMIsReady")?.lastTransitionTime, "still True since the first resolution");
    assert.match(amis.message, /ssm:GetParameter .* failed: Rate exceeded.*kept from the last successful resolution/);
    assert.equal(report.conditions!.find((c) => c.type === "Ready")?.status, "True");

    await t.resolve(good);
    assert.equal(await t.provider.isDrifted(claim), undefined, "an arm64 node is not AMI-drifted by a throttled parameter");

    // SSM answers again: the status is whole and fresh, with no failure left to report.
    t.ssmFaults.clear();
    now += PAST_SSM_CACHE_MS;
    const { nc, failures } = await refresh(good);
    assert.deepEqual(failures, []);
    assert.equal(condition(nc, "AMIsReady")?.message, "");
  });

  it("keeps the subnets when DescribeSubnets answers 5xx, and the node class stays ready to launch", async () => {
    const good = await t.resolve(nodeClass("subnets"));
    ec2.on(DescribeSubnetsCommand).rejects(unavailable());
    const { nc, failures } = await refresh(good);
    assert.deepEqual(nc.status?.subnets, good.status?.subnets);
    assert.deepEqual(failures.map((f) => [f.condition, f.field, f.call, f.kept]), [["SubnetsReady", "spec.subnetSelectorTerms", "ec2:DescribeSubnets", true]]);
    assert.equal(condition(nc, "SubnetsReady")?.status, "True");
    assert.match(condition(nc, "SubnetsReady")?.message ?? "", /^EC2NodeClass "subnets": spec.subnetSelectorTerms could not be resolved: ec2:DescribeSubnets failed: Service Unavailable/);
    assert.equal(condition(nc, "Ready")?.status, "True");
    // Launches go on from the last resolved subnets, DescribeSubnets still failing.
    const claim = await t.provider.create(nodeClaim("sub-a", "subnets", [type("m5.large"), onDemand]));
    assert.ok(claim.status?.providerID);
  });

  it("keeps security groups, AMIs and the instance profile when their calls are throttled", async () => {
    const good = await t.resolve(nodeClass("others"));
    ec2.on(DescribeSecurityGroupsCommand).rejects(throttling());
    ec2.on(DescribeImagesCommand).rejects(throttling());
    const iam = mockClient(t.clients.iam);
    iam.on(GetInstanceProfileCommand).rejects(unavailable());
    now += PAST_SSM_CACHE_MS;
    const { nc, failures } = await refresh(good);
    iam.restore();
    assert.deepEqual(
      failures.map((f) => [f.condition, f.call]).sort(),
      [
        ["AMIsReady", "ec2:DescribeImages"],
        ["InstanceProfileReady", "iam:GetInstanceProfile"],
        ["SecurityGroupsReady", "ec2:DescribeSecurityGroups"],
      ],
    );
    assert.deepEqual(nc.status?.securityGroups, good.status?.securityGroups);
    assert.deepEqual(nc.status?.amis, good.status?.amis);
    assert.equal(nc.status?.instanceProfile, good.status?.instanceProfile);
    for (const c of ["SecurityGroupsReady", "AMIsReady", "InstanceProfileReady", "Ready"]) assert.equal(condition(nc, c)?.status, "True", c);
  });

  it("leaves a never-resolved part not ready, naming the call, without guessing", async () => {
    ec2.on(DescribeSubnetsCommand).rejects(unavailable());
    t.ssmFaults.set(arm64Parameter, throttling());
    const { nc, failures } = await refresh(nodeClass("fresh"));
    assert.deepEqual(failures.map((f) => [f.condition, f.kept]).sort(), [
      ["AMIsReady", false],
      ["SubnetsReady", false],
    ]);
    assert.equal(nc.status?.subnets, undefined);
    assert.equal(nc.status?.amis, undefined, "no AMIs from half the alias");
    assert.equal(condition(nc, "SubnetsReady")?.status, "False");
    assert.equal(condition(nc, "SubnetsReady")?.reason, "SubnetsResolutionFailed");
    assert.equal(condition(nc, "AMIsReady")?.reason, "AMIsResolutionFailed");
    assert.equal(condition(nc, "Ready")?.status, "False");
  });

  it("turns a part False on an answer: no subnet matches any more", async () => {
    const good = await t.resolve(nodeClass("answer"));
    const { nc, failures } = await refresh({ ...good, spec: { ...good.spec, subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "nobody" } }] } });
    assert.deepEqual(failures, []);
    assert.equal(nc.status?.subnets, undefined);
    assert.equal(condition(nc, "SubnetsReady")?.status, "False");
    assert.equal(condition(nc, "SubnetsReady")?.reason, "SubnetsNotReady");
  });

  it("judges no drift from a node class that is not one whole resolution, nor from an instance still showing no security groups", async () => {
    const good = await t.resolve(nodeClass("judged"));
    const claim = await t.provider.create(nodeClaim("judged-a", "judged", [type("m5.large"), onDemand]));
    const id = claim.status!.providerID!.split("/").pop()!;
    await t.clients.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: good.status!.securityGroups!.map((g) => g.id) }));
    assert.equal(await t.provider.isDrifted(claim), undefined);

    // EC2 shows the instance before its network interface is attached: no security groups yet.
    ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
      const real = await sendReal<DescribeInstancesCommandOutput>(ec2, t.clients.ec2, new DescribeInstancesCommand(input));
      return { ...real, Reservations: real.Reservations?.map((r) => ({ ...r, Instances: r.Instances?.map((i) => ({ ...i, SecurityGroups: [] })) })) };
    });
    await assert.rejects(t.provider.isDrifted(claim), /NodeClaim "judged-a": cannot judge drift yet: instance i-[0-9a-f]+ shows no security groups/);
    ec2.reset();
    ec2.callsFake((command: unknown) => sendReal(ec2, t.clients.ec2, command));

    // A node class whose status is not Ready, or was resolved for an older spec, is not judged against.
    const notReady = { ...good, status: { ...good.status, conditions: good.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "False" as const, message: "SubnetsReady=False" } : c)) } };
    t.nodeClasses.set("judged", notReady);
    await assert.rejects(t.provider.isDrifted(claim), /cannot judge drift yet: EC2NodeClass "judged" is not ready/);
    t.nodeClasses.set("judged", { ...good, metadata: { ...good.metadata, generation: 2 } });
    await assert.rejects(t.provider.isDrifted(claim), /cannot judge drift yet: EC2NodeClass "judged" status is for generation 1, its spec is at 2/);
  });
});
