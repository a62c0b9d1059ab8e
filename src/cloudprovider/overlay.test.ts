import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { readFileSync } from "node:fs";
import { type NodeOverlay, type NodeOverlayInput, NodeOverlaySchema } from "../apis/nodeoverlay.js";
import { InstanceCPULabel, InstanceFamilyLabel } from "../apis/labels.js";
import { nodePool, pod } from "../../test/kit/builders.js";
import { input, solveChecked } from "../../test/kit/scheduling.js";
import { fakeInstanceType } from "./fake/instancetypes.js";
import { applyOverlays, priceAdjuster } from "./overlay.js";
import type { InstanceType } from "./types.js";

/** A fake type with family and cpu labels, as the AWS provider's carry. */
function typed(name: string, cpu: number, price: number): InstanceType {
  const it = fakeInstanceType({ name, cpu, memoryMiB: cpu * 4096, price });
  return { ...it, requirements: [...it.requirements, { key: InstanceFamilyLabel, operator: "In", values: [name.split(".")[0]!] }, { key: InstanceCPULabel, operator: "In", values: [String(cpu)] }] };
}
const m5large = typed("m5.large", 2, 0.096);
const m5xlarge = typed("m5.xlarge", 4, 0.192);
const c5large = typed("c5.large", 2, 0.085);
const catalog = [m5large, m5xlarge, c5large];

function overlay(name: string, spec: NodeOverlayInput["spec"]): NodeOverlay {
  return NodeOverlaySchema.parse({ apiVersion: "karpenter.sh/v1alpha1", kind: "NodeOverlay", metadata: { name }, spec });
}
const pool = nodePool("default", { labels: { team: "web" } });
const onDemand = (it: InstanceType) => it.offerings.find((o) => o.capacityType === "on-demand")!.price;
const spot = (it: InstanceType) => it.offerings.find((o) => o.capacityType === "spot")!.price;
const byName = (types: InstanceType[], name: string) => types.find((t) => t.name === name)!;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe("NodeOverlay", () => {
  it("Karpenter's example: overlay-b's -20% wins over overlay-a's -10% by weight, and their capacities merge", () => {
    const docs = parseAllDocuments(readFileSync(new URL("../../test/apis/manifests/valid/nodeoverlay-karpenter-docs.yaml", import.meta.url), "utf8")).map((d) => d.toJS() as { kind: string });
    const overlays = docs.filter((d) => d.kind === "NodeOverlay").map((d) => NodeOverlaySchema.parse(d));
    const r = applyOverlays(catalog, overlays, pool);
    const it = byName(r.types, "m5.large");
    close(onDemand(it), 0.096 * 0.8);
    assert.equal(it.capacity["hugepages-2Mi"], 50 * 2 ** 20);
    assert.equal(it.capacity["custom-device/gpu"], 1);
    // custom-devices (weight 0) adds its own devices to m5.large and m5.xlarge.
    assert.equal(it.capacity["smarter-devices/fuse"], 1);
    assert.equal(byName(r.types, "m5.xlarge").capacity["custom-hardware/accelerator"], 2);
    assert.equal(byName(r.types, "c5.large"), c5large, "a type no overlay selects is left as it is");
    assert.deepEqual(r.conflicts, []);
    assert.equal(r.applied.get("overlay-b"), 1);
  });

  const adjustments: [string, number, number][] = [
    ["+10%", 1, 1.1],
    ["-15%", 1, 0.85],
    ["-100%", 1, 0],
    ["+1.2", 1, 2.2],
    ["-0.5", 1, 0.5],
    ["-2.5", 1, 0],
  ];
  for (const [adj, base, want] of adjustments) it(`priceAdjustment ${adj} on ${base} gives ${want} (never below 0)`, () => close(priceAdjuster(adj)(base), want));

  it("an absolute price replaces every matching offering's price", () => {
    const r = applyOverlays(catalog, [overlay("flat", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], price: "0.01" })], pool);
    close(onDemand(byName(r.types, "m5.xlarge")), 0.01);
    close(spot(byName(r.types, "m5.xlarge")), 0.01);
    close(onDemand(byName(r.types, "c5.large")), 0.085);
  });

  it("a capacity-type requirement changes only those offerings", () => {
    const r = applyOverlays(catalog, [overlay("spot-plan", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }], priceAdjustment: "-50%" })], pool);
    close(spot(byName(r.types, "m5.large")), 0.096 * 0.4 * 0.5);
    close(onDemand(byName(r.types, "m5.large")), 0.096);
  });

  it("selects by Gte/Lte on instance labels and by the pool's name and template labels", () => {
    const big = overlay("big", { requirements: [{ key: InstanceCPULabel, operator: "Gte", values: ["4"] }], capacity: { "example.com/fpga": "1" } });
    const web = overlay("web", { requirements: [{ key: "team", operator: "In", values: ["web"] }, { key: "karpenter.sh/nodepool", operator: "In", values: ["default"] }], capacity: { "hugepages-1Gi": "2Gi" } });
    const other = overlay("other", { requirements: [{ key: "karpenter.sh/nodepool", operator: "In", values: ["batch"] }], price: "9" });
    const small = overlay("small", { requirements: [{ key: InstanceCPULabel, operator: "Lte", values: ["2"] }, { key: "absent.example.com/x", operator: "DoesNotExist" }], priceAdjustment: "+1" });
    const r = applyOverlays(catalog, [big, web, other, small], pool);
    assert.equal(byName(r.types, "m5.xlarge").capacity["example.com/fpga"], 1);
    assert.equal(byName(r.types, "m5.large").capacity["example.com/fpga"], undefined);
    for (const t of r.types) assert.equal(t.capacity["hugepages-1Gi"], 2 * 2 ** 30);
    close(onDemand(byName(r.types, "m5.large")), 1.096);
    close(onDemand(byName(r.types, "m5.xlarge")), 0.192);
    assert.equal(r.applied.get("other"), undefined);
  });

  it("overlays of the same weight setting the same field conflict: the first by name wins, the other is reported", () => {
    const a = overlay("a-discount", { requirements: [], priceAdjustment: "-10%", weight: 5 });
    const b = overlay("b-discount", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], priceAdjustment: "-30%", weight: 5 });
    const r = applyOverlays(catalog, [b, a], pool);
    close(onDemand(byName(r.types, "m5.large")), 0.096 * 0.9);
    assert.deepEqual(new Set(r.conflicts.map((c) => `${c.overlay}>${c.winner}:${c.field}:${c.instanceType}`)), new Set(["b-discount>a-discount:price:m5.large", "b-discount>a-discount:price:m5.xlarge"]));
    // A higher weight is no conflict: it simply wins.
    const heavier = applyOverlays(catalog, [overlay("b-discount", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], priceAdjustment: "-30%", weight: 6 }), a], pool);
    close(onDemand(byName(heavier.types, "m5.large")), 0.096 * 0.7);
    assert.deepEqual(heavier.conflicts, []);
  });

  it("an overlay that halves a family's price changes what the solver launches", () => {
    const pods = [pod("web", { cpu: "1", memory: "1Gi" })];
    const before = solveChecked(input({ pods, types: catalog }));
    assert.equal(before.nodeClaims[0]!.instanceTypes[0]!.name, "c5.large");
    const halved = applyOverlays(catalog, [overlay("m5-savings-plan", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], priceAdjustment: "-50%" })], pool).types;
    const after = solveChecked(input({ pods, types: halved }));
    assert.equal(after.nodeClaims[0]!.instanceTypes[0]!.name, "m5.large");
    close(after.nodeClaims[0]!.pricePerHour, 0.048 * 0.4);
    // The solver's plan still says which types an overlay repriced: the launch follows those prices.
    assert.equal(after.nodeClaims[0]!.instanceTypes[0]!.priceOverlaid, true);
    assert.equal(after.nodeClaims[0]!.instanceTypes[0]!.capacityOverlaid, undefined);
  });

  it("extra capacity lets pods asking for it schedule, on the overlaid types only", () => {
    const pods = [pod("fuse-user", { cpu: "500m", requests: { "smarter-devices/fuse": "1" } })];
    const none = solveChecked(input({ pods, types: catalog }));
    assert.equal(none.nodeClaims.length, 0);
    const withDevices = applyOverlays(catalog, [overlay("custom-devices", { requirements: [{ key: InstanceFamilyLabel, operator: "In", values: ["m5"] }], capacity: { "smarter-devices/fuse": "1" } })], pool).types;
    const r = solveChecked(input({ pods, types: withDevices }));
    assert.deepEqual(r.nodeClaims[0]!.instanceTypes.map((t) => t.name).sort(), ["m5.large", "m5.xlarge"]);
    assert.ok(r.nodeClaims[0]!.instanceTypes.every((t) => t.capacityOverlaid === true && t.priceOverlaid === undefined));
  });
});
