// The capacity reservation expiration controller against real parts: a real API server for the
// NodeClaims, the AWS provider on moto for the reservations' question. moto has no capacity
// reservations, so DescribeCapacityReservations alone is stubbed with what EC2 would hold.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CapacityReservation, DescribeCapacityReservationsCommand, type DescribeCapacityReservationsCommandInput } from "@aws-sdk/client-ec2";
import { newReservationExpirationController } from "../../../src/cloudprovider/aws/controllers/expiration/controller.js";
import { installCRDs, useControlPlane, useMoto } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { passthroughMock } from "../../aws/mocks.js";
import { seed, testProvider } from "../../aws/fixtures.js";
import { type Harness, createNodeClaim, nodeClaimManifest, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const MIN = 60_000;
const ID = "karpenter.k8s.aws/capacity-reservation-id";

describe("capacity reservation expiration controller", () => {
  const cluster = useControlPlane();
  const moto = useMoto();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    await seed(moto());
    h = await startHarness(kc);
  });
  after(async () => {
    await h?.stop();
  });

  it("deletes the NodeClaims of a capacity block within 40 minutes of its end, and only those", async () => {
    const now = Date.now();
    const t = testProvider(moto(), { clock: () => now });
    const ec2 = passthroughMock(t.clients.ec2);
    const inEC2: CapacityReservation[] = [
      { CapacityReservationId: "cr-0ending000000000a", ReservationType: "capacity-block" as const, EndDate: new Date(now + 20 * MIN) },
      { CapacityReservationId: "cr-0later0000000000b", ReservationType: "capacity-block" as const, EndDate: new Date(now + 5 * 60 * MIN) },
      // An ordinary reservation about to end is not reclaimed: its instances become on-demand.
      { CapacityReservationId: "cr-0odcr00000000000c", ReservationType: "default" as const, EndDate: new Date(now + 10 * MIN) },
    ].map((r) => ({ ...r, InstanceType: "p5.48xlarge", AvailabilityZone: "us-east-1a", OwnerId: "123456789012", InstanceMatchCriteria: "targeted", State: "active", AvailableInstanceCount: 0 }));
    ec2.on(DescribeCapacityReservationsCommand).callsFake(async (input: DescribeCapacityReservationsCommandInput) => ({
      CapacityReservations: inEC2.filter((r) => input.CapacityReservationIds?.includes(r.CapacityReservationId ?? "")),
    }));
    const reserved = (id: string) => ({ "karpenter.sh/capacity-type": "reserved", [ID]: id });
    await createNodeClaim(h, nodeClaimManifest("ending", {}, reserved("cr-0ending000000000a")));
    await createNodeClaim(h, nodeClaimManifest("later", {}, reserved("cr-0later0000000000b")));
    await createNodeClaim(h, nodeClaimManifest("odcr", {}, reserved("cr-0odcr00000000000c")));
    await createNodeClaim(h, nodeClaimManifest("plain"));
    await wait("claims in the cluster state", () => (h.state.nodeClaims.list().length >= 4 ? true : undefined));

    const stop = h.run(newReservationExpirationController({ ...h.deps, reservations: t.provider }));
    try {
      await wait("the claim in the ending block deleted", async () => ((await readNodeClaim(h, "ending")) === undefined ? true : undefined));
      // One pass judges every claim; the next is a minute away, so the survivors were judged and kept.
      for (const name of ["later", "odcr", "plain"]) assert.ok(await readNodeClaim(h, name), `${name} kept`);
      const asked = ec2.commandCalls(DescribeCapacityReservationsCommand).flatMap((c) => c.args[0].input.CapacityReservationIds ?? []);
      assert.deepEqual([...new Set(asked)].sort(), ["cr-0ending000000000a", "cr-0later0000000000b", "cr-0odcr00000000000c"]);
    } finally {
      await stop();
    }
  });
});
