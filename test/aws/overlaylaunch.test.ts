// Launching under a NodeOverlay against moto: the CreateFleet request follows the overlaid prices
// (Karpenter v1.14: prioritized strategies, each override's Priority its overlaid price), so EC2
// launches the type the solver chose instead of the one its own price list prefers. moto fills an
// on-demand fleet from its first override, so the launched type shows the order tenon sent.
import assert from "node:assert/strict";
import { before, beforeEach, describe, it } from "node:test";
import { CreateFleetCommand, type CreateFleetCommandInput } from "@aws-sdk/client-ec2";
import { PriceOverlayAppliedAnnotation } from "../../src/apis/labels.js";
import { NodeOverlaySchema } from "../../src/apis/nodeoverlay.js";
import { applyOverlays } from "../../src/cloudprovider/overlay.js";
import { useMoto } from "../env/index.js";
import { type EC2Stub, inputsOf, passthroughMock } from "./mocks.js";
import { nodeClaim, nodeClass, nodePool, seed, testProvider, type TestProvider } from "./fixtures.js";

const onDemand = { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] };
const spot = { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] };
const types = { key: "node.kubernetes.io/instance-type", operator: "In", values: ["m5.large", "c5.large"] };
const overridesOf = (input: CreateFleetCommandInput) => (input.LaunchTemplateConfigs ?? []).flatMap((c) => c.Overrides ?? []);
const halfPriceM5 = NodeOverlaySchema.parse({
  apiVersion: "karpenter.sh/v1alpha1",
  kind: "NodeOverlay",
  metadata: { name: "m5-half" },
  spec: { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }], priceAdjustment: "-50%" },
});

describe("launching by NodeOverlay prices (moto)", () => {
  const moto = useMoto();
  let t: TestProvider;
  let ec2: EC2Stub;
  before(async () => {
    await seed(moto());
  });
  beforeEach(async () => {
    t = testProvider(moto());
    ec2 = passthroughMock(t.clients.ec2);
    await t.resolve(nodeClass("default"));
  });
  const withOverlay = () => t.provider.useOverlays(async (pool, its) => applyOverlays(its, [halfPriceM5], nodePool(pool, "default")).types);
  const lastFleet = () => inputsOf(ec2, CreateFleetCommand).at(-1)!;

  it("without an overlay EC2 picks by its own prices: lowest-price, c5.large (cheaper than m5.large) first", async () => {
    const claim = await t.provider.create(nodeClaim("plain", "default", [types, onDemand]));
    const fleet = lastFleet();
    assert.equal(fleet.OnDemandOptions?.AllocationStrategy, "lowest-price");
    assert.equal(overridesOf(fleet)[0]?.InstanceType, "c5.large");
    assert.ok(overridesOf(fleet).every((o) => o.Priority === undefined), "no priorities without an overlay");
    assert.equal(claim.metadata.labels?.["node.kubernetes.io/instance-type"], "c5.large");
  });

  it("an overlay halving m5's price: prioritized on-demand, Priority = overlaid price, m5.large launched", async () => {
    withOverlay();
    const claim = await t.provider.create(nodeClaim("overlaid", "default", [types, onDemand], { annotations: { [PriceOverlayAppliedAnnotation]: "true" } }));
    const fleet = lastFleet();
    assert.equal(fleet.OnDemandOptions?.AllocationStrategy, "prioritized");
    const overrides = overridesOf(fleet);
    assert.equal(overrides[0]?.InstanceType, "m5.large");
    const priority = (name: string) => overrides.find((o) => o.InstanceType === name)?.Priority ?? NaN;
    const base = await t.provider.getInstanceTypes(nodePool("default", "default"));
    const odPrice = (name: string) => base.find((it) => it.name === name)?.offerings.find((o) => o.capacityType === "on-demand")?.price ?? NaN;
    assert.ok(Math.abs(priority("m5.large") - odPrice("m5.large") / 2) < 1e-9, `m5.large priority ${priority("m5.large")} is half of ${odPrice("m5.large")}`);
    assert.ok(Math.abs(priority("c5.large") - odPrice("c5.large")) < 1e-9, "c5.large keeps its own price");
    assert.ok(priority("m5.large") < priority("c5.large"));
    assert.equal(claim.metadata.labels?.["node.kubernetes.io/instance-type"], "m5.large");
  });

  it("spot under a price overlay uses capacity-optimized-prioritized", async () => {
    withOverlay();
    await t.provider.create(nodeClaim("overlaid-spot", "default", [types, spot], { annotations: { [PriceOverlayAppliedAnnotation]: "true" } }));
    const fleet = lastFleet();
    assert.equal(fleet.SpotOptions?.AllocationStrategy, "capacity-optimized-prioritized");
    assert.ok(overridesOf(fleet).every((o) => typeof o.Priority === "number"));
  });

  it("a claim not marked price-overlay-applied keeps lowest-price even when the gate's overlays are wired", async () => {
    withOverlay();
    await t.provider.create(nodeClaim("unmarked", "default", [types, onDemand]));
    assert.equal(lastFleet().OnDemandOptions?.AllocationStrategy, "lowest-price");
  });
});
