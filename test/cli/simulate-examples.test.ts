// `tenon simulate` on the committed examples, run in process through the command line. Each assertion is something the example is built to
// force (by requirements, selectors, taints, topology or volumes), not a snapshot of one plan.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadCatalogInstanceTypes } from "../../src/cloudprovider/aws/catalog.js";
import type { InstanceType } from "../../src/cloudprovider/types.js";
import { simulateJSON, tenon } from "./in-process.js";
import { type PlanJSON, claimOf, plannedPods } from "./run-cli.js";

const catalog = new Map(loadCatalogInstanceTypes("us-east-1").map((t) => [t.name, t]));
const Gi = 2 ** 30;

/** The cheapest offering of a type that the claim allows. */
function priceIn(type: InstanceType, claim: PlanJSON["nodeClaims"][number]): number {
  const prices = type.offerings.filter((o) => claim.zones.includes(o.zone) && claim.capacityTypes.includes(o.capacityType)).map((o) => o.price);
  return Math.min(...prices);
}

function allocatable(type: InstanceType, resource: string): number {
  const o = type.overhead;
  return (type.capacity[resource] ?? 0) - (o.kubeReserved[resource] ?? 0) - (o.systemReserved[resource] ?? 0) - (o.evictionThreshold[resource] ?? 0);
}

/** The value an instance type's nodes carry for a label. */
const label = (t: InstanceType, key: string): string => t.requirements.find((r) => r.key === key)?.values?.[0] ?? "";

/** Claims list instance types cheapest first, and their price is the cheapest compatible offering. */
function assertPricing(plan: PlanJSON): void {
  for (const claim of plan.nodeClaims) {
    const prices = claim.instanceTypes.map((name) => {
      const t = catalog.get(name);
      assert.ok(t, `${name} is in the catalog`);
      return priceIn(t, claim);
    });
    for (let i = 1; i < prices.length; i++) assert.ok(prices[i - 1]! <= prices[i]! + 1e-9, `${claim.instanceTypes.join(",")} is cheapest first`);
    assert.ok(Math.abs(claim.pricePerHour - prices[0]!) < 1e-6, `claim price ${claim.pricePerHour} is ${claim.instanceTypes[0]}'s cheapest offering ${prices[0]}`);
  }
  const total = plan.nodeClaims.reduce((s, c) => s + c.pricePerHour, 0);
  assert.ok(Math.abs(plan.totalPricePerHour - total) < 1e-6);
}

describe("tenon simulate examples", { concurrency: true }, () => {
  it("basic: places all five inflate pods on on-demand c/m/r (gen > 4) amd64 nodes that fit them", async () => {
    const { plan } = await simulateJSON(["examples/basic"]);
    assert.deepEqual(Object.keys(plan), ["nodeClaims", "existingNodes", "unschedulable", "totalPricePerHour", "lowerBoundPricePerHour", "optimality"]);
    // The bound is below (or at) every plan's price, and above nothing: the plan cannot beat it.
    assert.ok(plan.lowerBoundPricePerHour > 0 && plan.lowerBoundPricePerHour <= plan.totalPricePerHour + 1e-6);
    assert.equal(plannedPods(plan, "default/inflate-").length, 5);
    assert.deepEqual(plan.unschedulable, []);
    assert.deepEqual(plan.existingNodes, []);
    for (const claim of plan.nodeClaims) {
      assert.deepEqual(Object.keys(claim), ["nodePool", "instanceTypes", "zones", "capacityTypes", "pods", "pricePerHour"]);
      assert.equal(claim.nodePool, "default");
      assert.deepEqual(claim.capacityTypes, ["on-demand"]);
      for (const name of claim.instanceTypes) {
        const t = catalog.get(name)!;
        assert.ok(["c", "m", "r"].includes(label(t, "karpenter.k8s.aws/instance-category")), `${name} is c, m or r`);
        assert.ok(Number(label(t, "karpenter.k8s.aws/instance-generation")) > 4, `${name} is generation 5 or newer`);
        assert.equal(label(t, "kubernetes.io/arch"), "amd64");
        // Each inflate pod asks for 1 CPU and 1Gi; every listed type must hold the claim's pods.
        assert.ok(allocatable(t, "cpu") >= 1000 * claim.pods.length, `${name} has room for ${claim.pods.length} CPUs`);
        assert.ok(allocatable(t, "memory") >= Gi * claim.pods.length, `${name} has room for ${claim.pods.length}Gi`);
      }
    }
    assertPricing(plan);
  });

  it("basic: prints a readable table by default", async () => {
    const r = await tenon(["simulate", "examples/basic"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /NODEPOOL/);
    assert.match(r.stdout, /default/);
    assert.match(r.stdout, /lower bound/i);
    assert.match(r.stdout, /\$\d+\.\d+/);
    // Words for a person: plurals agree, and the bound says what it is.
    assert.match(r.stdout, /for 1 new node; 5 pods on new nodes/);
    assert.match(r.stdout, /no plan for these pods costs less than \$\d+\.\d{4}\/hour/);
    assert.doesNotMatch(r.stdout, /\b1 pods\b|\b1 nodes\b/);
  });

  it("spot-and-ondemand: api on on-demand, batch and web on the higher-weight spot pool, DaemonSet pods never planned", async () => {
    const { plan } = await simulateJSON(["examples/spot-and-ondemand"]);
    assert.deepEqual(plan.unschedulable, []);
    const api = plannedPods(plan, "default/api-");
    const batch = plannedPods(plan, "default/batch-");
    const web = plannedPods(plan, "default/web-");
    assert.deepEqual([api.length, batch.length, web.length], [3, 4, 2]);
    for (const pod of api) assert.deepEqual([claimOf(plan, pod)!.nodePool, claimOf(plan, pod)!.capacityTypes], ["on-demand", ["on-demand"]]);
    for (const pod of [...batch, ...web]) assert.deepEqual([claimOf(plan, pod)!.nodePool, claimOf(plan, pod)!.capacityTypes], ["spot", ["spot"]]);
    assert.deepEqual(plannedPods(plan, "monitoring/"), []);
    assertPricing(plan);
  });

  it("gpu-taint: trainer gets a GPU node, web a general one, and notebook is unschedulable because of the taint", async () => {
    const { plan } = await simulateJSON(["examples/gpu-taint"]);
    const trainer = plannedPods(plan, "ml/trainer-");
    assert.equal(trainer.length, 1);
    const gpuClaim = claimOf(plan, trainer[0]!)!;
    assert.equal(gpuClaim.nodePool, "gpu");
    for (const name of gpuClaim.instanceTypes) assert.match(name, /^(g4dn|g5)\./);
    assert.equal(claimOf(plan, "ml/web")!.nodePool, "general");
    assert.equal(claimOf(plan, "ml/notebook"), undefined);
    assert.deepEqual(
      plan.unschedulable.map((u) => u.pod),
      ["ml/notebook"],
    );
    const reasons = plan.unschedulable[0]!.reasons.join("\n");
    assert.match(reasons, /nvidia\.com\/gpu/);
    assert.match(reasons, /taint/i);
    assertPricing(plan);
  });

  it("zone-spread: six web pods, one per node, two in each of the three allowed zones", async () => {
    const { plan } = await simulateJSON(["examples/zone-spread"]);
    assert.deepEqual(plan.unschedulable, []);
    const web = plannedPods(plan, "default/web-");
    assert.equal(web.length, 6);
    const perZone = new Map<string, number>();
    for (const pod of web) {
      const claim = claimOf(plan, pod)!;
      assert.equal(claim.pods.length, 1, "hostname anti-affinity: one web pod per node");
      assert.equal(claim.zones.length, 1, "a spread pod's node is pinned to one zone");
      perZone.set(claim.zones[0]!, (perZone.get(claim.zones[0]!) ?? 0) + 1);
    }
    assert.deepEqual(
      [...perZone].sort(),
      [
        ["us-east-1a", 2],
        ["us-east-1b", 2],
        ["us-east-1c", 2],
      ],
    );
    assertPricing(plan);
  });

  it("statefulset-volumes: db-0 follows its bound volume to us-east-1b, db-1 and db-2 stay in the storage class's zones", async () => {
    const { plan } = await simulateJSON(["examples/statefulset-volumes"]);
    assert.deepEqual(plan.unschedulable, []);
    assert.deepEqual(claimOf(plan, "data/db-0")!.zones, ["us-east-1b"]);
    for (const pod of ["data/db-1", "data/db-2"]) {
      const zones = claimOf(plan, pod)!.zones;
      assert.ok(zones.length > 0 && zones.every((z) => z === "us-east-1a" || z === "us-east-1b"), `${pod} in ${zones.join(",")}`);
    }
    assertPricing(plan);
  });

  it("existing-nodes: the missing api replica and report fit on the existing nodes; only analytics needs a new node", async () => {
    const { plan } = await simulateJSON(["examples/existing-nodes"]);
    assert.deepEqual(plan.unschedulable, []);
    assert.deepEqual(
      plan.nodeClaims.map((c) => c.pods),
      [["default/analytics"]],
    );
    const onExisting = plan.existingNodes.flatMap((n) => n.pods).sort();
    // The Deployment wants 3 and 2 are bound: exactly one more api pod, and report.
    assert.equal(onExisting.length, 2);
    assert.match(onExisting[0]!, /^default\/api-/);
    assert.equal(onExisting[1], "default/report");
    for (const n of plan.existingNodes) assert.ok(["ip-10-0-1-10.ec2.internal", "ip-10-0-2-20.ec2.internal"].includes(n.name));
    // Pods already bound are not planned again; the finished one is not planned at all.
    for (const pod of ["default/api-5d4f8c7b9-x2k9q", "default/api-5d4f8c7b9-mv7tz", "default/batch-runner", "default/migrate-28915200-k2v5x"]) {
      assert.deepEqual(plannedPods(plan, pod), []);
    }
    assertPricing(plan);
  });
});
