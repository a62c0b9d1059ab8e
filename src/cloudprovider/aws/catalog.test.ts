import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ESTIMATED_SPOT_FRACTION_OF_ON_DEMAND, catalogRegions, loadCatalogInstanceTypes, readCatalog } from "./catalog.js";

describe("bundled catalog", () => {
  it("covers us-east-1 and every region of the price snapshot", () => {
    assert.deepEqual(catalogRegions(), ["cn-north-1", "us-east-1", "us-gov-east-1", "us-gov-west-1"]);
  });

  it("converts through the live path with snapshot prices and an estimated spot price", () => {
    const types = loadCatalogInstanceTypes("us-east-1");
    assert.ok(types.length > 1000);
    const m5 = types.find((t) => t.name === "m5.large");
    assert.ok(m5);
    const entry = readCatalog("us-east-1").instanceTypes.find((e) => e.info.InstanceType === "m5.large");
    const od = m5.offerings.find((o) => o.capacityType === "on-demand");
    const spot = m5.offerings.find((o) => o.capacityType === "spot");
    assert.equal(od?.price, entry?.onDemandPrice);
    assert.equal(spot?.price, (entry?.onDemandPrice ?? 0) * ESTIMATED_SPOT_FRACTION_OF_ON_DEMAND);
    assert.equal(m5.capacity.pods, 29);
  });

  it("shapes types by the node settings it is given", () => {
    const br = loadCatalogInstanceTypes("us-east-1", { amiFamily: "Bottlerocket", kubelet: { maxPods: 50 }, zones: ["us-east-1a"] });
    const m5 = br.find((t) => t.name === "m5.large");
    assert.equal(m5?.capacity.pods, 50);
    assert.deepEqual(new Set(m5?.offerings.map((o) => o.zone)), new Set(["us-east-1a"]));
  });

  it("names the bundled regions when asked for another", () => {
    assert.throws(() => loadCatalogInstanceTypes("eu-west-9"), /no bundled instance type catalog for region "eu-west-9"; bundled regions: cn-north-1, us-east-1/);
  });
});
