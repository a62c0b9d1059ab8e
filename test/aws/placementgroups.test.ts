// Placement groups (spec.placementGroupSelector) on moto: resolution by name or id into the
// PlacementGroupReady condition, the instance types' placement-group labels, the launch template's
// Placement (group, and partition for a partition group), the NodeClaim's labels, and
// PlacementGroupDrift when the resolved group changes.
//
// moto 5.2.5 has no placement groups at all (no CreatePlacementGroup/DescribePlacementGroups, and
// it ignores Placement.GroupId on launch), so DescribePlacementGroups alone is answered by a stub
// holding the groups "in EC2"; every other call (launch templates, CreateFleet, DescribeInstances)
// is moto's own. The launch is checked in the launch template moto stores.
import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  DescribePlacementGroupsCommand,
  type DescribePlacementGroupsCommandInput,
  ModifyInstanceAttributeCommand,
  type PlacementGroup as EC2PlacementGroup,
} from "@aws-sdk/client-ec2";
import { useMoto } from "../env/index.js";
import { condition, nodeClaim, nodeClass, nodePool, seed, testProvider, type TestProvider } from "./fixtures.js";
import { inputsOf, passthroughMock, sendReal, type EC2Stub } from "./mocks.js";
import { placementGroupRegistrationHook } from "../../src/cloudprovider/aws/registration/placementgroup.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const m5 = { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large"] };
const PG = "karpenter.k8s.aws/placement-group-id";
const PARTITION = "karpenter.k8s.aws/placement-group-partition";

describe("placement groups (moto, DescribePlacementGroups stubbed)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let now = Date.parse("2026-01-01T00:00:00Z");
  let groups: EC2PlacementGroup[];
  before(async () => {
    await seed(moto());
  });
  beforeEach(() => {
    t = testProvider(moto(), { clock: () => now });
    ec2 = passthroughMock(t.clients.ec2);
    groups = [
      { GroupName: "training", GroupId: "pg-0aaa000000000001", Strategy: "cluster", State: "available" },
      { GroupName: "kafka", GroupId: "pg-0aaa000000000002", Strategy: "partition", PartitionCount: 3, State: "available" },
      { GroupName: "old", GroupId: "pg-0aaa000000000003", Strategy: "spread", State: "deleting" },
    ];
    // What EC2 answers: the state filter, then names or ids; an unknown name is an error, as in EC2.
    ec2.on(DescribePlacementGroupsCommand).callsFake(async (input: DescribePlacementGroupsCommandInput) => {
      const states = input.Filters?.find((f) => f.Name === "state")?.Values;
      const byName = input.GroupNames ?? [];
      const byID = input.GroupIds ?? [];
      const unknown = byName.find((n) => !groups.some((g) => g.GroupName === n));
      if (unknown) throw Object.assign(new Error(`The Placement Group '${unknown}' is unknown.`), { name: "InvalidPlacementGroup.Unknown" });
      return {
        PlacementGroups: groups.filter(
          (g) => (!states || states.includes(g.State ?? "")) && (byName.length === 0 || byName.includes(g.GroupName ?? "")) && (byID.length === 0 || byID.includes(g.GroupId ?? "")),
        ),
      };
    });
  });

  const templateOf = async (nodeClassName: string) => {
    const lts = (await t.clients.ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:karpenter.k8s.aws/ec2nodeclass", Values: [nodeClassName] }] }))).LaunchTemplates ?? [];
    assert.equal(lts.length, 1, `one launch template for ${nodeClassName}`);
    const v = await t.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lts[0]!.LaunchTemplateId }));
    return v.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  };

  it("resolves a cluster group by name: Ready, labels on every type, the group in the launch template and on the claim", async () => {
    const nc = await t.resolve(nodeClass("pg-name", { placementGroupSelector: { name: "training" } }));
    assert.equal(condition(nc, "PlacementGroupReady")?.status, "True");
    assert.equal(condition(nc, "Ready")?.status, "True");
    assert.deepEqual(inputsOf(ec2, DescribePlacementGroupsCommand)[0], { Filters: [{ Name: "state", Values: ["available"] }], GroupNames: ["training"] });

    const types = await t.provider.getInstanceTypes(nodePool("pg-name", "pg-name"));
    const m5t = types.find((x) => x.name === "m5.large")!;
    assert.deepEqual(m5t.requirements.find((r) => r.key === PG), { key: PG, operator: "In", values: ["pg-0aaa000000000001"] });
    assert.equal(m5t.requirements.find((r) => r.key === PARTITION)?.operator, "DoesNotExist");

    const claim = await t.provider.create(nodeClaim("pg-name-a", "pg-name", [m5, onDemand]));
    assert.equal(claim.metadata.labels?.[PG], "pg-0aaa000000000001");
    assert.equal(claim.metadata.labels?.[PARTITION], undefined);
    const lt = await templateOf("pg-name");
    assert.equal(lt?.Placement?.GroupId, "pg-0aaa000000000001");
    assert.equal(lt?.Placement?.PartitionNumber, undefined);
  });

  it("resolves a partition group by id: its partitions offered, the lowest one the claim allows in the launch template and the label", async () => {
    const nc = await t.resolve(nodeClass("pg-id", { placementGroupSelector: { id: "pg-0aaa000000000002" } }));
    assert.equal(condition(nc, "PlacementGroupReady")?.status, "True");
    const m5t = (await t.provider.getInstanceTypes(nodePool("pg-id", "pg-id"))).find((x) => x.name === "m5.large")!;
    assert.deepEqual(m5t.requirements.find((r) => r.key === PARTITION)?.values, ["1", "2", "3"]);

    const claim = await t.provider.create(nodeClaim("pg-id-a", "pg-id", [m5, onDemand, { key: PARTITION, operator: "In", values: ["3", "2"] }]));
    assert.equal(claim.metadata.labels?.[PG], "pg-0aaa000000000002");
    assert.equal(claim.metadata.labels?.[PARTITION], "2");
    const lt = await templateOf("pg-id");
    assert.deepEqual({ g: lt?.Placement?.GroupId, p: lt?.Placement?.PartitionNumber }, { g: "pg-0aaa000000000002", p: 2 });
  });

  it("a partition group without a partition requirement lets EC2 choose: no PartitionNumber, the partition label empty until known", async () => {
    await t.resolve(nodeClass("pg-any", { placementGroupSelector: { name: "kafka" } }));
    const claim = await t.provider.create(nodeClaim("pg-any-a", "pg-any", [m5, onDemand]));
    assert.equal(claim.metadata.labels?.[PARTITION], "");
    assert.equal((await templateOf("pg-any"))?.Placement?.PartitionNumber, undefined);
  });

  it("the placement group registration hook holds a claim whose partition EC2 chose until DescribeInstances tells it", async () => {
    await t.resolve(nodeClass("pg-hook", { placementGroupSelector: { name: "kafka" } }));
    const claim = await t.provider.create(nodeClaim("pg-hook-a", "pg-hook", [m5, onDemand]));
    assert.equal(claim.metadata.labels?.[PARTITION], "");
    // moto ignores Placement on launch: EC2's answer gets the group, and the partition once "EC2" has chosen.
    const chosen: { partition?: number } = {};
    ec2.on(DescribeInstancesCommand).callsFake(async (input: DescribeInstancesCommandInput) => {
      const out = await sendReal<DescribeInstancesCommandOutput>(ec2, t.clients.ec2, new DescribeInstancesCommand(input));
      for (const r of out.Reservations ?? []) for (const i of r.Instances ?? []) i.Placement = { ...i.Placement, GroupId: "pg-0aaa000000000002", ...(chosen.partition !== undefined ? { PartitionNumber: chosen.partition } : {}) };
      return out;
    });
    const hook = placementGroupRegistrationHook((id) => t.provider.get(id));
    const described = () => inputsOf(ec2, DescribeInstancesCommand).length;
    const asked = described();
    assert.deepEqual(await hook.registered(claim), { done: false }, "EC2 has not said");
    assert.ok(described() > asked, "asked DescribeInstances");
    chosen.partition = 2;
    assert.deepEqual(await hook.registered(claim), { done: true, labels: { [PARTITION]: "2" } });
  });

  it("a group that does not exist, or is not available, sets PlacementGroupReady False naming the selector, and the node class is not Ready", async () => {
    for (const [name, sel] of [
      ["pg-missing", { name: "nope" }],
      ["pg-deleting", { id: "pg-0aaa000000000003" }],
    ] as const) {
      const nc = await t.resolve(nodeClass(name, { placementGroupSelector: sel }));
      const c = condition(nc, "PlacementGroupReady");
      assert.equal(c?.status, "False", name);
      assert.equal(c?.reason, "PlacementGroupNotFound");
      assert.match(c?.message ?? "", new RegExp(`EC2NodeClass "${name}": spec.placementGroupSelector: placement group "${sel.name ?? sel.id}" not found`));
      assert.equal(condition(nc, "Ready")?.status, "False");
    }
  });

  it("no selector: PlacementGroupReady True, no placement in the launch template, and no placement-group labels", async () => {
    const nc = await t.resolve(nodeClass("pg-none"));
    assert.equal(condition(nc, "PlacementGroupReady")?.status, "True");
    const claim = await t.provider.create(nodeClaim("pg-none-a", "pg-none", [m5, onDemand]));
    assert.equal(claim.metadata.labels?.[PG], undefined);
    assert.equal((await templateOf("pg-none"))?.Placement?.GroupId, undefined);
    assert.equal(inputsOf(ec2, DescribePlacementGroupsCommand).length, 0, "no call without a selector");
  });

  it("drifts with PlacementGroupDrift when the group the selector resolves to changes, once the cached answer expires", async () => {
    const nc = await t.resolve(nodeClass("pg-drift", { placementGroupSelector: { name: "training" } }));
    const claim = await t.provider.create(nodeClaim("pg-drift-a", "pg-drift", [m5, onDemand]));
    // moto's CreateFleet does not apply the launch template's security groups; set them as EC2 would have.
    const id = claim.status?.providerID?.split("/").pop() ?? "";
    await t.clients.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: id, Groups: nc.status!.securityGroups!.map((g) => g.id) }));
    assert.equal(await t.provider.isDrifted(claim), undefined);
    // The group is deleted and made again under the same name: a new id.
    groups[0] = { ...groups[0]!, GroupId: "pg-0bbb000000000001" };
    now += 61_000;
    assert.equal(await t.provider.isDrifted(claim), "PlacementGroupDrift");
  });
});
