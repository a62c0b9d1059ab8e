// Launching into placement groups on moto when EC2 says no, and learning the partition EC2 chose.
//
// moto 5.2.5 has no placement groups: DescribePlacementGroups is answered by a stub holding the
// groups "in EC2" (as in placementgroups.test.ts). EC2's refusals — no capacity in a cluster group,
// a full spread group, a group gone or in use — and the partition EC2 picks are what moto cannot
// produce, so CreateFleet's answer and the instance's Placement are stubbed for those cases only;
// launch templates, the fleet's instances and DescribeInstances are otherwise moto's own.
import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeLaunchTemplateVersionsCommand,
  type DescribeInstancesCommandOutput,
  DescribePlacementGroupsCommand,
  type DescribePlacementGroupsCommandInput,
  type PlacementGroup as EC2PlacementGroup,
} from "@aws-sdk/client-ec2";
import { InsufficientCapacityError, NodeClassNotReadyError } from "../../src/cloudprovider/errors.js";
import { PlacementGroupUnusableError } from "../../src/cloudprovider/aws/errors.js";
import { useMoto } from "../env/index.js";
import { condition, nodeClaim, nodeClass, nodePool, seed, testProvider, type TestProvider } from "./fixtures.js";
import { type EC2Stub, inputsOf, passthroughMock, sendReal } from "./mocks.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const types = (...names: string[]) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: names });
const zones = (...names: string[]) => ({ key: "topology.kubernetes.io/zone", operator: "In", values: names });
const PARTITION = "karpenter.k8s.aws/placement-group-partition";
const SPREAD_FULL = "You've reached the limit of instances in this spread placement group. A spread placement group can have up to seven instances per Availability Zone.";

type Override = NonNullable<NonNullable<CreateFleetCommandInput["LaunchTemplateConfigs"]>[number]["Overrides"]>[number];
const overridesOf = (input: CreateFleetCommandInput): Override[] => (input.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? []);

describe("placement group launch errors and partitions (moto, EC2's refusals stubbed)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let groups: EC2PlacementGroup[];
  let stale: string[];
  /** Each launch's refusal: undefined lets moto launch. */
  let refuse: ((input: CreateFleetCommandInput, zoneOf: (subnet: string) => string) => CreateFleetCommandOutput | Error | undefined) | undefined;
  /** The partition EC2 "chose" for instances launched into a partition group, by instance ID. */
  let partitions: Map<string, number>;

  before(async () => {
    await seed(moto());
  });
  beforeEach(async () => {
    t = testProvider(moto());
    ec2 = passthroughMock(t.clients.ec2);
    stale = [];
    t.provider.onNodeClassStale((name) => stale.push(name));
    refuse = undefined;
    partitions = new Map();
    groups = [
      { GroupName: "training", GroupId: "pg-0aaa000000000001", Strategy: "cluster", State: "available" },
      { GroupName: "kafka", GroupId: "pg-0aaa000000000002", Strategy: "partition", PartitionCount: 3, State: "available" },
      { GroupName: "spread", GroupId: "pg-0aaa000000000004", Strategy: "spread", SpreadLevel: "rack", State: "available" },
    ];
    ec2.on(DescribePlacementGroupsCommand).callsFake(async (input: DescribePlacementGroupsCommandInput) => {
      const byName = input.GroupNames ?? [];
      const byID = input.GroupIds ?? [];
      const unknown = byName.find((n) => !groups.some((g) => g.GroupName === n));
      if (unknown) throw Object.assign(new Error(`The Placement Group '${unknown}' is unknown.`), { name: "InvalidPlacementGroup.Unknown" });
      return { PlacementGroups: groups.filter((g) => g.State === "available" && (byName.length === 0 || byName.includes(g.GroupName ?? "")) && (byID.length === 0 || byID.includes(g.GroupId ?? ""))) };
    });
    const subnets = new Map<string, string>();
    for (const s of (await t.resolve(nodeClass("plain"))).status?.subnets ?? []) subnets.set(s.id, s.zone);
    ec2.on(CreateFleetCommand).callsFake(async (input: CreateFleetCommandInput) => {
      const r = refuse?.(input, (s) => subnets.get(s) ?? "");
      if (r instanceof Error) throw r;
      if (r) return r;
      const out = await sendReal<CreateFleetCommandOutput>(ec2, t.clients.ec2, new CreateFleetCommand(input));
      // A partition group's launch without a PartitionNumber: EC2 picks partition 2.
      const lt = input.LaunchTemplateConfigs?.[0]?.LaunchTemplateSpecification?.LaunchTemplateName;
      if (lt && (await ltPlacement(lt))?.GroupId === "pg-0aaa000000000002") for (const i of out.Instances ?? []) for (const id of i.InstanceIds ?? []) partitions.set(id, 2);
      return out;
    });
    // moto ignores Placement on launch: EC2's placement is added to its DescribeInstances answer.
    ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
      const out = await sendReal<DescribeInstancesCommandOutput>(ec2, t.clients.ec2, new DescribeInstancesCommand(input));
      for (const r of out.Reservations ?? [])
        for (const i of r.Instances ?? []) {
          const p = partitions.get(i.InstanceId ?? "");
          if (p !== undefined) i.Placement = { ...i.Placement, GroupId: "pg-0aaa000000000002", PartitionNumber: p };
        }
      return out;
    });
  });

  const ltPlacement = async (name: string) => {
    const v = await sendReal<{ LaunchTemplateVersions?: { LaunchTemplateData?: { Placement?: { GroupId?: string } } }[] }>(ec2, t.clients.ec2, new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: name }));
    return v.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.Placement;
  };

  const fleetErrors = (input: CreateFleetCommandInput, zoneOf: (s: string) => string, keep: (o: Override, zone: string) => boolean, code: string, message: string): CreateFleetCommandOutput => ({
    $metadata: {},
    Instances: [],
    Errors: overridesOf(input)
      .filter((o) => keep(o, zoneOf(o.SubnetId ?? "")))
      .map((o) => ({ ErrorCode: code, ErrorMessage: message, Lifecycle: "on-demand" as const, LaunchTemplateAndOverrides: { Overrides: { InstanceType: o.InstanceType, SubnetId: o.SubnetId, AvailabilityZone: zoneOf(o.SubnetId ?? "") } } })),
  });

  const available = async (pool: string, name: string, zone: string) =>
    (await t.provider.getInstanceTypes(nodePool(pool, pool))).find((x) => x.name === name)!.offerings.find((o) => o.capacityType === "on-demand" && o.zone === zone)!.available;

  it("fills the partition label from DescribeInstances when EC2 chose the partition", async () => {
    await t.resolve(nodeClass("pg-any", { placementGroupSelector: { name: "kafka" } }));
    const claim = await t.provider.create(nodeClaim("pg-any-a", "pg-any", [types("m5.large"), onDemand]));
    assert.equal(claim.metadata.labels?.[PARTITION], "2");
    const cloud = await t.provider.get(claim.status!.providerID!);
    assert.equal(cloud.metadata.labels?.[PARTITION], "2");
    assert.equal(cloud.metadata.labels?.["karpenter.k8s.aws/placement-group-id"], "pg-0aaa000000000002");
  });

  it("no capacity in a cluster group: that type and zone unavailable for the group only; other node classes carry on", async () => {
    await t.resolve(nodeClass("pg-cluster", { placementGroupSelector: { name: "training" } }));
    refuse = (input, zoneOf) => {
      const lt = input.LaunchTemplateConfigs?.[0]?.LaunchTemplateSpecification?.LaunchTemplateName ?? "";
      return lt && overridesOf(input).some((o) => o.InstanceType === "m5.large") && !input.TagSpecifications?.some((s) => s.Tags?.some((x) => x.Value === "plain"))
        ? fleetErrors(input, zoneOf, (o, z) => o.InstanceType === "m5.large" && z === "us-east-1a", "InsufficientInstanceCapacity", "We currently do not have sufficient m5.large capacity in the Availability Zone you requested")
        : undefined;
    };
    await assert.rejects(t.provider.create(nodeClaim("pg-cluster-a", "pg-cluster", [types("m5.large"), onDemand, zones("us-east-1a")])), InsufficientCapacityError);
    assert.deepEqual(t.provider.unavailableOfferings.list(), [{ instanceType: "m5.large", zone: "us-east-1a", capacityType: "on-demand", placementGroupID: "pg-0aaa000000000001" }]);
    assert.equal(await available("pg-cluster", "m5.large", "us-east-1a"), false);
    assert.equal(await available("pg-cluster", "m5.large", "us-east-1b"), true, "other zones of the group");
    assert.equal(await available("plain", "m5.large", "us-east-1a"), true, "the same type outside the group");
    const plain = await t.provider.create(nodeClaim("plain-a", "plain", [types("m5.large"), onDemand, zones("us-east-1a")]));
    assert.equal(plain.metadata.labels?.["topology.kubernetes.io/zone"], "us-east-1a");
    assert.deepEqual(stale, [], "a capacity refusal is the offering's, not the node class's");
  });

  it("a full spread group in a zone: every type there unavailable for the group, the other zones tried", async () => {
    await t.resolve(nodeClass("pg-spread", { placementGroupSelector: { name: "spread" } }));
    refuse = (input, zoneOf) =>
      overridesOf(input).some((o) => zoneOf(o.SubnetId ?? "") === "us-east-1a") ? fleetErrors(input, zoneOf, (o, z) => z === "us-east-1a" && o.InstanceType === "m5.large", "UnfulfillableCapacity", SPREAD_FULL) : undefined;
    await assert.rejects(t.provider.create(nodeClaim("pg-spread-a", "pg-spread", [types("m5.large", "c5.large"), onDemand, zones("us-east-1a")])), InsufficientCapacityError);
    for (const name of ["m5.large", "c5.large"]) {
      assert.equal(await available("pg-spread", name, "us-east-1a"), false, `${name} in the full zone`);
      assert.equal(await available("pg-spread", name, "us-east-1b"), true, `${name} elsewhere`);
      assert.equal(await available("plain", name, "us-east-1a"), true, `${name} outside the group`);
    }
    refuse = undefined;
    const claim = await t.provider.create(nodeClaim("pg-spread-b", "pg-spread", [types("m5.large", "c5.large"), onDemand]));
    assert.notEqual(claim.metadata.labels?.["topology.kubernetes.io/zone"], "us-east-1a");
    const last = inputsOf(ec2, CreateFleetCommand).at(-1)!;
    assert.ok(overridesOf(last).length > 0);
  });

  it("the group gone at launch: the claim waits (NodeClassNotReady naming the group), the node class is resolved again and says so", async () => {
    await t.resolve(nodeClass("pg-gone", { placementGroupSelector: { name: "training" } }));
    groups.splice(0, 1);
    // Only the launches into the group are refused (a launch carries its node class's tag).
    refuse = (input, zoneOf) =>
      input.TagSpecifications?.some((s) => s.Tags?.some((x) => x.Value === "pg-gone")) ? fleetErrors(input, zoneOf, () => true, "InvalidPlacementGroup.Unknown", "The Placement Group 'training' is unknown.") : undefined;
    const err = await t.provider.create(nodeClaim("pg-gone-a", "pg-gone", [types("m5.large"), onDemand])).catch((e: unknown) => e);
    assert.ok(err instanceof PlacementGroupUnusableError && err instanceof NodeClassNotReadyError, String(err));
    assert.match(err.message, /EC2NodeClass "pg-gone": spec.placementGroupSelector selects placement group "training" \(pg-0aaa000000000001\), which EC2 refused for the launch \(InvalidPlacementGroup.Unknown/);
    assert.deepEqual(stale, ["pg-gone"]);
    assert.deepEqual(t.provider.unavailableOfferings.list(), [], "no offering is blamed");
    // The status controller resolves it again (the cached group was forgotten): not found.
    const nc = await t.resolve(t.nodeClasses.get("pg-gone")!);
    assert.equal(condition(nc, "PlacementGroupReady")?.status, "False");
    assert.match(condition(nc, "PlacementGroupReady")?.message ?? "", /placement group "training" not found/);
    assert.equal(condition(nc, "Ready")?.status, "False");
    // Other node classes carry on.
    assert.ok((await t.provider.create(nodeClaim("plain-b", "plain", [types("m5.large"), onDemand]))).status?.providerID);
  });

  it("CreateFleet refusing the group in use: the same wait and re-resolution, the group still there stays Ready", async () => {
    await t.resolve(nodeClass("pg-busy", { placementGroupSelector: { name: "kafka" } }));
    refuse = () => Object.assign(new Error("The placement group 'kafka' is in use"), { name: "InvalidPlacementGroup.InUse" });
    await assert.rejects(t.provider.create(nodeClaim("pg-busy-a", "pg-busy", [types("m5.large"), onDemand])), (e: unknown) => e instanceof PlacementGroupUnusableError && /InvalidPlacementGroup.InUse/.test(e.message));
    assert.deepEqual(stale, ["pg-busy"]);
    const nc = await t.resolve(t.nodeClasses.get("pg-busy")!);
    assert.equal(condition(nc, "PlacementGroupReady")?.status, "True");
    refuse = undefined;
    assert.ok((await t.provider.create(nodeClaim("pg-busy-b", "pg-busy", [types("m5.large"), onDemand]))).status?.providerID);
  });
});
