// Faults moto cannot produce, injected with aws-sdk-client-mock on top of the moto-backed client:
// insufficient capacity (all or some overrides), partial fleet answers, races on delete,
// permission and configuration errors from CreateFleet, and batching of concurrent calls.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { before, beforeEach, describe, it } from "node:test";
import {
  CreateFleetCommand,
  type CreateFleetCommandInput,
  type CreateFleetCommandOutput,
  DescribeCapacityReservationsCommand,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSubnetsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { ConfigurationError, InsufficientCapacityError, NodeClaimNotFoundError } from "../../src/cloudprovider/errors.js";
import { useMoto } from "../env/index.js";
import { type EC2Stub, inputsOf, passthroughMock, sendReal } from "./mocks.js";
import { nodeClaim, nodeClass, nodePool, seed, testProvider, type TestProvider } from "./fixtures.js";

const both = { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot", "on-demand"] };
const types = (...names: string[]) => ({ key: "node.kubernetes.io/instance-type", operator: "In", values: names });
const overridesOf = (input: CreateFleetCommandInput) => (input.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? []);
const iceFor = (input: CreateFleetCommandInput, keep: (o: { InstanceType?: string }) => boolean = () => true): CreateFleetCommandOutput => ({
  $metadata: {},
  Instances: [],
  Errors: overridesOf(input)
    .filter(keep)
    .map((o) => ({
      ErrorCode: "InsufficientInstanceCapacity",
      ErrorMessage: "We currently do not have sufficient capacity",
      Lifecycle: input.TargetCapacitySpecification?.DefaultTargetCapacityType === "spot" ? ("spot" as const) : ("on-demand" as const),
      LaunchTemplateAndOverrides: { Overrides: { InstanceType: o.InstanceType, SubnetId: o.SubnetId } },
    })),
});

describe("faults (moto + injected)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  let now = Date.parse("2026-01-01T00:00:00Z");
  before(async () => {
    await seed(moto());
  });
  beforeEach(async () => {
    t = testProvider(moto(), { clock: () => now });
    ec2 = passthroughMock(t.clients.ec2);
    await t.resolve(nodeClass("default"));
  });

  it("falls back to on-demand when spot has no capacity, and remembers the refused offerings for 3 minutes", async () => {
    // Spot prices from moto's DescribeSpotPriceHistory make spot the cheaper choice for both types.
    await t.provider.pricing.refreshSpot();
    ec2.on(CreateFleetCommand).callsFake(async (input: CreateFleetCommandInput) => {
      if (input.TargetCapacitySpecification?.DefaultTargetCapacityType === "spot") return iceFor(input);
      return sendReal<CreateFleetCommandOutput>(ec2, t.clients.ec2, new CreateFleetCommand(input));
    });
    const claim = await t.provider.create(nodeClaim("ice-a", "default", [types("m5.large", "c5.large"), both]));
    assert.equal(claim.metadata.labels?.["karpenter.sh/capacity-type"], "on-demand");
    const fleets = inputsOf(ec2, CreateFleetCommand);
    assert.deepEqual(
      fleets.map((f) => f.TargetCapacitySpecification?.DefaultTargetCapacityType),
      ["spot", "on-demand"],
    );
    assert.equal(fleets[0]!.SpotOptions?.AllocationStrategy, "price-capacity-optimized");
    assert.equal(fleets[1]!.OnDemandOptions?.AllocationStrategy, "lowest-price");
    // One override per type × zone of the node class.
    assert.equal(overridesOf(fleets[0]!).length, 6);

    const unavailable = t.provider.unavailableOfferings.list();
    assert.equal(unavailable.length, 6);
    assert.ok(unavailable.every((u) => u.capacityType === "spot"));
    const m5 = (await t.provider.getInstanceTypes(nodePool("default", "default"))).find((x) => x.name === "m5.large")!;
    assert.ok(m5.offerings.filter((o) => o.capacityType === "spot").every((o) => !o.available));
    assert.ok(m5.offerings.filter((o) => o.capacityType === "on-demand").every((o) => o.available));

    now += 3 * 60_000 + 1;
    const later = (await t.provider.getInstanceTypes(nodePool("default", "default"))).find((x) => x.name === "m5.large")!;
    assert.ok(later.offerings.every((o) => o.available), "available again after 3 minutes");
  });

  it("throws InsufficientCapacityError when no allowed capacity type has any", async () => {
    ec2.on(CreateFleetCommand).callsFake(async (input: CreateFleetCommandInput) => iceFor(input));
    await assert.rejects(
      t.provider.create(nodeClaim("ice-b", "default", [types("m5.large"), both])),
      (e: Error) => e instanceof InsufficientCapacityError && /NodeClaim "ice-b": EC2 had no capacity for any allowed offering \(spot: m5.large\/us-east-1[abc] InsufficientInstanceCapacity/.test(e.message),
    );
    // Everything is marked now, so the next attempt fails without asking EC2.
    const before = inputsOf(ec2, CreateFleetCommand).length;
    await assert.rejects(t.provider.create(nodeClaim("ice-c", "default", [types("m5.large"), both])), InsufficientCapacityError);
    assert.equal(inputsOf(ec2, CreateFleetCommand).length, before);
  });

  it("uses the instance of a partial answer and marks the overrides EC2 refused", async () => {
    ec2.on(CreateFleetCommand).callsFake(async (input: CreateFleetCommandInput) => {
      const launched = await sendReal<CreateFleetCommandOutput>(ec2, t.clients.ec2, new CreateFleetCommand(input));
      return { ...launched, Errors: iceFor(input, (o) => o.InstanceType === "c5.large").Errors };
    });
    const claim = await t.provider.create(nodeClaim("partial", "default", [types("m5.large", "c5.large"), { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }]));
    assert.ok(claim.status?.providerID);
    const refused = t.provider.unavailableOfferings.list();
    assert.ok(refused.length > 0 && refused.every((u) => u.instanceType === "c5.large" && u.capacityType === "on-demand"));
  });

  it("surfaces throttling that outlasts the SDK's retries as a plain (retryable) error", async () => {
    const throttled = Object.assign(new Error("Request limit exceeded."), { name: "RequestLimitExceeded" });
    ec2.on(CreateFleetCommand).rejectsOnce(throttled);
    await assert.rejects(t.provider.create(nodeClaim("thr-a", "default", [types("m5.large"), both])), (e: Error) => e.name === "RequestLimitExceeded" && !(e instanceof InsufficientCapacityError));
    // The controller's retry launches once, with nothing left over from the failed call.
    const claim = await t.provider.create(nodeClaim("thr-a", "default", [types("m5.large"), both]));
    assert.ok(claim.status?.providerID);
    assert.equal(t.provider.unavailableOfferings.list().length, 0);
  });

  it("retries throttled calls in the SDK (a throttling answer injected into the real transport)", async () => {
    // aws-sdk-client-mock replaces send() and with it the SDK's retry middleware, so this fault is
    // injected one layer down: the client's HTTP handler answers the first CreateFleet with EC2's
    // RequestLimitExceeded, and everything else (including the retry) goes to moto.
    const client = new EC2Client({ ...moto().clientConfig(), maxAttempts: 3 });
    const handler = client.config.requestHandler as unknown as { handle(req: { body?: unknown }, opts?: unknown): Promise<unknown> };
    const original = handler.handle.bind(handler);
    let throttles = 1;
    let createFleetRequests = 0;
    handler.handle = async (req, opts) => {
      if (String(req.body).includes("Action=CreateFleet")) {
        createFleetRequests++;
        if (throttles-- > 0) {
          const xml = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>throttled</RequestID></Response>";
          return { response: { statusCode: 503, reason: "Service Unavailable", headers: { "content-type": "text/xml" }, body: Readable.from([Buffer.from(xml)]) } };
        }
      }
      return original(req, opts);
    };
    const tp = testProvider(moto(), { clients: { ...t.clients, ec2: client } });
    await tp.resolve(nodeClass("default"));
    const claim = await tp.provider.create(nodeClaim("retry-a", "default", [types("m5.large"), both]));
    assert.ok(claim.status?.providerID);
    assert.equal(createFleetRequests, 2, "one throttled request, one retry");
  });

  it("names the node class and the fix when EC2 refuses the launch for permissions or the instance profile", async () => {
    ec2
      .on(CreateFleetCommand)
      .rejectsOnce(Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }))
      .resolvesOnce({
        Instances: [],
        Errors: [{ ErrorCode: "InvalidParameterValue", ErrorMessage: "Value (tenon-test_x) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name" }],
      });
    await assert.rejects(t.provider.create(nodeClaim("perm", "default", [types("m5.large"), both])), (e: Error) => e instanceof ConfigurationError && /^EC2NodeClass "default": spec cannot launch: .*allow ec2:CreateFleet/.test(e.message));
    await assert.rejects(t.provider.create(nodeClaim("prof", "default", [types("m5.large"), both])), (e: Error) => e instanceof ConfigurationError && /^EC2NodeClass "default": spec.role gives instance profile/.test(e.message));
  });

  it("turns a permission error while resolving into a condition naming the field and the IAM action", async () => {
    ec2.on(DescribeSubnetsCommand).rejects(Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation" }));
    const nc = await t.resolve(nodeClass("denied"));
    assert.equal(
      nc.status?.conditions?.find((c) => c.type === "SubnetsReady")?.message,
      'EC2NodeClass "denied": spec.subnetSelectorTerms could not be resolved: the controller\'s role may not call ec2:DescribeSubnets (UnauthorizedOperation); allow ec2:DescribeSubnets in the controller\'s IAM policy (see docs/iam-policy.md)',
    );
  });

  it("launches into a capacity reservation first when the claim allows reserved (moto has no reservations: mocked)", async () => {
    const reservation = {
      CapacityReservationId: "cr-0123456789abcdef0",
      InstanceType: "m5.large",
      AvailabilityZone: "us-east-1a",
      OwnerId: "123456789012",
      InstanceMatchCriteria: "targeted" as const,
      State: "active" as const,
      AvailableInstanceCount: 2,
    };
    ec2.on(DescribeCapacityReservationsCommand).resolves({ CapacityReservations: [reservation] });
    const nc = await t.resolve(nodeClass("reserved", { capacityReservationSelectorTerms: [{ id: "cr-0123456789abcdef0" }] }));
    assert.deepEqual(nc.status?.capacityReservations, [
      { id: "cr-0123456789abcdef0", availabilityZone: "us-east-1a", instanceType: "m5.large", ownerID: "123456789012", instanceMatchCriteria: "targeted", reservationType: "default", interruptible: false, state: "active" },
    ]);
    assert.equal(nc.status?.conditions?.find((c) => c.type === "CapacityReservationsReady")?.status, "True");
    const m5 = (await t.provider.getInstanceTypes(nodePool("default", "reserved"))).find((x) => x.name === "m5.large")!;
    assert.deepEqual(m5.offerings.filter((o) => o.capacityType === "reserved").map((o) => [o.zone, o.reservationID, o.available, o.reservationCapacity]), [["us-east-1a", "cr-0123456789abcdef0", true, 2]]);

    const claim = await t.provider.create(nodeClaim("res-a", "reserved", [types("m5.large"), { key: "karpenter.sh/capacity-type", operator: "In", values: ["reserved", "on-demand"] }]));
    assert.equal(claim.metadata.labels?.["karpenter.sh/capacity-type"], "reserved");
    assert.equal(claim.metadata.labels?.["karpenter.k8s.aws/capacity-reservation-id"], "cr-0123456789abcdef0");
    assert.equal(claim.metadata.labels?.["topology.kubernetes.io/zone"], "us-east-1a");
    const [fleet] = inputsOf(ec2, CreateFleetCommand);
    assert.equal(fleet?.TargetCapacitySpecification?.DefaultTargetCapacityType, "on-demand");
    assert.deepEqual(overridesOf(fleet!).map((o) => o.InstanceType), ["m5.large"]);
    const lt = fleet!.LaunchTemplateConfigs![0]!.LaunchTemplateSpecification!.LaunchTemplateName!;
    const data = (await t.clients.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: lt }))).LaunchTemplateVersions?.[0]?.LaunchTemplateData;
    assert.equal(data?.CapacityReservationSpecification?.CapacityReservationTarget?.CapacityReservationId, "cr-0123456789abcdef0");
    // Targeted launch mode: only into that reservation, with no special market for an ordinary one.
    assert.equal(data?.CapacityReservationSpecification?.CapacityReservationPreference, "capacity-reservations-only");
    assert.equal(data?.InstanceMarketOptions, undefined);
  });

  it("treats an instance that vanishes between describe and terminate as gone", async () => {
    const claim = await t.provider.create(nodeClaim("race", "default", [types("m5.large"), both]));
    const id = claim.status!.providerID!.split("/").pop()!;
    ec2.on(TerminateInstancesCommand).rejects(Object.assign(new Error(`The instance ID '${id}' does not exist`), { name: "InvalidInstanceID.NotFound" }));
    await assert.rejects(t.provider.delete(claim), NodeClaimNotFoundError);
  });

  it("batches concurrent lookups into one DescribeInstances and merges identical launches", async () => {
    const claims = await Promise.all(["c1", "c2", "c3"].map((n) => t.provider.create(nodeClaim(n, "default", [types("c5.large"), both]))));
    ec2.resetHistory();
    const got = await Promise.all([...claims.map((c) => t.provider.get(c.status!.providerID!)), t.provider.get("aws:///us-east-1a/i-00000000000000000")].map((p) => p.catch((e: Error) => e)));
    assert.deepEqual(got.slice(0, 3).map((g) => (g as { metadata: { name?: string } }).metadata.name), ["c1", "c2", "c3"]);
    assert.ok(got[3] instanceof NodeClaimNotFoundError);
    const byID = inputsOf<DescribeInstancesCommandInput>(ec2, DescribeInstancesCommand).filter((i) => i.InstanceIds);
    // One batched call; it fails on the unknown ID, so each ID is then asked alone.
    assert.deepEqual(byID[0]?.InstanceIds?.length, 4);
    assert.equal(byID.length, 5);
  });
});
