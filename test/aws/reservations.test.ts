// Capacity reservations on moto: expiring capacity blocks, ended reservations, interruptible
// reservations and capacity blocks at launch (target capacity type, market type, labels).
//
// moto 5.2.5 has no capacity reservations: DescribeCapacityReservations is answered by a stub
// holding the reservations "in EC2". moto's CreateFleet fills only spot and on-demand targets, so
// a capacity-block or reserved-capacity fleet is handed to moto as on-demand (the instance, launch
// template and DescribeInstances are moto's own); the request as tenon sent it is what is checked.
import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import {
  type CapacityReservation,
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  DescribeCapacityReservationsCommand,
  type DescribeCapacityReservationsCommandInput,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
} from "@aws-sdk/client-ec2";
import { useMoto } from "../env/index.js";
import { type EC2Stub, inputsOf, passthroughMock, sendReal } from "./mocks.js";
import { nodeClaim, nodeClass, nodePool, seed, testProvider, type TestProvider } from "./fixtures.js";

const reserved = { key: "karpenter.sh/capacity-type", operator: "In", values: ["reserved"] };
const types = (...names: string[]) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: names });
const MIN = 60_000;

describe("capacity reservations (moto, DescribeCapacityReservations stubbed)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let now = Date.parse("2026-01-01T00:00:00Z");
  let inEC2: CapacityReservation[];
  const cr = (id: string, extra: Partial<CapacityReservation> = {}): CapacityReservation => ({
    CapacityReservationId: id,
    InstanceType: "m5.large",
    AvailabilityZone: "us-east-1a",
    OwnerId: "123456789012",
    InstanceMatchCriteria: "targeted",
    State: "active",
    AvailableInstanceCount: 2,
    ...extra,
  });
  before(async () => {
    await seed(moto());
  });
  beforeEach(() => {
    now = Date.parse("2026-01-01T00:00:00Z");
    t = testProvider(moto(), { clock: () => now });
    ec2 = passthroughMock(t.clients.ec2);
    inEC2 = [];
    ec2.on(DescribeCapacityReservationsCommand).callsFake(async (input: DescribeCapacityReservationsCommandInput) => ({
      CapacityReservations: inEC2.filter((r) => !input.CapacityReservationIds || input.CapacityReservationIds.includes(r.CapacityReservationId ?? "")),
    }));
    // moto fills only spot and on-demand fleets: the reserved kinds are launched by it as on-demand.
    ec2.on(CreateFleetCommand).callsFake(async (input: CreateFleetCommandInput) => {
      const target = input.TargetCapacitySpecification?.DefaultTargetCapacityType;
      const asMoto = target === "capacity-block" || target === "reserved-capacity" ? { ...input, TargetCapacitySpecification: { ...input.TargetCapacitySpecification!, DefaultTargetCapacityType: "on-demand" as const } } : input;
      return sendReal<CreateFleetCommandOutput>(ec2, t.clients.ec2, new CreateFleetCommand(asMoto));
    });
  });

  const templateOf = async (input: CreateFleetCommandInput) => {
    const name = input.LaunchTemplateConfigs![0]!.LaunchTemplateSpecification!.LaunchTemplateName!;
    return (await t.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: name }))).LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  };

  it("a capacity block within 40 minutes of its end is expiring and offered unavailable; an ended reservation is dropped", async () => {
    inEC2 = [
      cr("cr-0block0000000000a", { ReservationType: "capacity-block", EndDate: new Date(now + 30 * MIN) }),
      cr("cr-0block0000000000b", { ReservationType: "capacity-block", EndDate: new Date(now + 50 * MIN), InstanceType: "c5.large" }),
      cr("cr-0ended0000000000c", { EndDate: new Date(now - MIN), InstanceType: "c5.xlarge" }),
      cr("cr-0odcr00000000000d", { EndDate: new Date(now + 10 * MIN), InstanceType: "m5.xlarge" }),
    ];
    const nc = await t.resolve(nodeClass("blocks", { capacityReservationSelectorTerms: [{ tags: { team: "ml" } }] }));
    assert.deepEqual(
      nc.status?.capacityReservations?.map((r) => [r.id, r.reservationType, r.state]),
      [
        ["cr-0block0000000000a", "capacity-block", "expiring"],
        ["cr-0block0000000000b", "capacity-block", "active"],
        // Only capacity blocks expire early: an ordinary reservation stays active to its end.
        ["cr-0odcr00000000000d", "default", "active"],
      ],
    );
    const reservedOf = async () =>
      new Map(
        (await t.provider.getInstanceTypes(nodePool("default", "blocks")))
          .flatMap((it) => it.offerings.filter((o) => o.capacityType === "reserved").map((o) => [o.reservationID, o.available] as const)),
      );
    assert.deepEqual(Object.fromEntries(await reservedOf()), { "cr-0block0000000000a": false, "cr-0block0000000000b": true, "cr-0odcr00000000000d": true });
    // Twenty minutes on, with the status not yet refreshed: the second block is expiring and the
    // ordinary reservation has ended, judged on the clock rather than on the stale status.
    now += 20 * MIN;
    assert.deepEqual(Object.fromEntries(await reservedOf()), { "cr-0block0000000000a": false, "cr-0block0000000000b": false });
  });

  it("an interruptible reservation: recorded in the status and labels, launched as reserved-capacity with its market type", async () => {
    inEC2 = [cr("cr-0intr0000000000a", { Interruptible: true })];
    const nc = await t.resolve(nodeClass("intr", { capacityReservationSelectorTerms: [{ id: "cr-0intr0000000000a" }] }));
    assert.equal(nc.status?.capacityReservations?.[0]?.interruptible, true);
    const claim = await t.provider.create(nodeClaim("intr-a", "intr", [types("m5.large"), reserved]));
    assert.equal(claim.metadata.labels?.["karpenter.sh/capacity-type"], "reserved");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-id"], "cr-0intr0000000000a");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-type"], "default");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-interruptible"], "true");
    const [fleet] = inputsOf(ec2, CreateFleetCommand);
    assert.equal(fleet?.TargetCapacitySpecification?.DefaultTargetCapacityType, "reserved-capacity");
    assert.deepEqual(fleet?.ReservedCapacityOptions, { ReservationTypes: ["interruptible-capacity-reservation"] });
    assert.equal(fleet?.OnDemandOptions, undefined);
    const data = await templateOf(fleet!);
    assert.equal(data?.InstanceMarketOptions?.MarketType, "interruptible-capacity-reservation");
    assert.equal(data?.CapacityReservationSpecification?.CapacityReservationPreference, "capacity-reservations-only");
    assert.equal(data?.CapacityReservationSpecification?.CapacityReservationTarget?.CapacityReservationId, "cr-0intr0000000000a");
    // The instance is moto's: it exists and carries the claim's tag.
    const id = claim.status!.providerID!.split("/").pop()!;
    const described = await t.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    assert.equal(described.Reservations?.[0]?.Instances?.[0]?.Tags?.find((x) => x.Key === "karpenter.sh/nodeclaim")?.Value, "intr-a");
  });

  it("a capacity block: launched as capacity-block with no on-demand options, market type capacity-block", async () => {
    inEC2 = [cr("cr-0block0000000000a", { ReservationType: "capacity-block", EndDate: new Date(now + 24 * 60 * MIN) })];
    await t.resolve(nodeClass("block", { capacityReservationSelectorTerms: [{ id: "cr-0block0000000000a" }] }));
    const claim = await t.provider.create(nodeClaim("block-a", "block", [types("m5.large"), reserved]));
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-type"], "capacity-block");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-interruptible"], "false");
    const [fleet] = inputsOf(ec2, CreateFleetCommand);
    assert.equal(fleet?.TargetCapacitySpecification?.DefaultTargetCapacityType, "capacity-block");
    assert.equal(fleet?.OnDemandOptions, undefined);
    assert.equal(fleet?.ReservedCapacityOptions, undefined);
    assert.equal((await templateOf(fleet!))?.InstanceMarketOptions?.MarketType, "capacity-block");
  });

  it("reservations of different kinds are never mixed in one CreateFleet: the cheapest kind, ordinary first on a tie", async () => {
    inEC2 = [
      cr("cr-0intr0000000000a", { Interruptible: true }),
      cr("cr-0block0000000000b", { ReservationType: "capacity-block", EndDate: new Date(now + 24 * 60 * MIN) }),
      cr("cr-0odcr00000000000c", { AvailabilityZone: "us-east-1b" }),
    ];
    await t.resolve(nodeClass("mixed", { capacityReservationSelectorTerms: [{ tags: { team: "ml" } }] }));
    const claim = await t.provider.create(nodeClaim("mixed-a", "mixed", [types("m5.large"), reserved]));
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-id"], "cr-0odcr00000000000c");
    const [fleet] = inputsOf(ec2, CreateFleetCommand);
    assert.equal(fleet?.TargetCapacitySpecification?.DefaultTargetCapacityType, "on-demand");
    assert.equal(fleet?.LaunchTemplateConfigs?.length, 1, "one launch template: the ordinary reservation's only");
  });

  it("an on-demand launch opts out of open reservations (preference none, no market type)", async () => {
    await t.resolve(nodeClass("plain"));
    await t.provider.create(nodeClaim("plain-a", "plain", [types("m5.large"), { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }]));
    const data = await templateOf(inputsOf(ec2, CreateFleetCommand)[0]!);
    assert.deepEqual(data?.CapacityReservationSpecification, { CapacityReservationPreference: "none" });
    assert.equal(data?.InstanceMarketOptions, undefined);
  });
});
