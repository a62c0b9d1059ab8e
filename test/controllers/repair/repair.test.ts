// Node repair on a real API server with an injected clock: Nodes whose conditions the test sets
// (no kwok or node-lifecycle controller runs, so nothing else writes them), each with a NodeClaim
// holding a test finalizer so the forceful deletion can be read back.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { awsRepairPolicies } from "../../../src/cloudprovider/aws/repairpolicies.js";
import { FakeClock } from "../../../src/controllers/runtime/clock.js";
import { RepairController, newRepairController } from "../../../src/controllers/repair/controller.js";
import { Registry } from "prom-client";
import { createRepairMetrics } from "../../../src/controllers/repair/metrics.js";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, metricValue, nodeClaimManifest, nodeClaimsAPI, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const min = 60_000;
const holdFinalizer = "test.tenon.sh/hold";

describe("node repair (NodeRepair)", () => {
  const cluster = useControlPlane();
  let h: Harness;
  let stop: () => Promise<void>;
  const clock = new FakeClock();

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    const deps = { ...h.deps, clock, policies: awsRepairPolicies, repairMetrics: createRepairMetrics(h.registry) };
    stop = h.run(newRepairController(deps));
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  /** A NodeClaim and its Node in the pool, the Node's Ready condition as given (since minutes before the fake now). */
  async function nodeWith(name: string, pool: string, ready: "True" | "False" | "Unknown", sinceMin = 0): Promise<void> {
    const manifest = nodeClaimManifest(name, {}, { "karpenter.sh/nodepool": pool, "karpenter.sh/capacity-type": "on-demand" });
    manifest.metadata.finalizers = [holdFinalizer];
    await h.custom.createClusterCustomObject({ ...nodeClaimsAPI, body: manifest });
    const providerID = `fake:///test-zone-a/i-${name}`;
    await h.custom.patchClusterCustomObjectStatus({ ...nodeClaimsAPI, name, body: { status: { providerID, imageID: "ami-test" } } }, mergePatch);
    await h.core.createNode({ body: { metadata: { name, labels: { "karpenter.sh/nodepool": pool, "karpenter.sh/capacity-type": "on-demand" } }, spec: { providerID } } });
    const lastTransitionTime = new Date(clock.now() - sinceMin * min).toISOString();
    await h.core.patchNodeStatus({ name, body: { status: { conditions: [{ type: "Ready", status: ready, reason: "Test", message: "set by the test", lastHeartbeatTime: lastTransitionTime, lastTransitionTime }] } } }, mergePatch);
    await wait(`${name} in the cluster state with its claim`, () => (h.state.nodes.get(name)?.status?.conditions?.length && h.state.nodeClaimByProviderID(providerID) ? true : undefined));
  }

  const deleting = async (name: string) => ((await readNodeClaim(h, name))?.metadata.deletionTimestamp ? true : undefined);

  it("replaces a node whose Ready condition is Unknown once its 30 minutes are up, forcefully", async () => {
    for (const n of ["a1", "a2", "a3", "a4"]) await nodeWith(n, "pool-a", "True");
    await nodeWith("a-sick", "pool-a", "Unknown", 10);
    // Twenty minutes to go: the controller has the node due at the fake clock's 20-minute mark.
    await wait("the repair is scheduled", () => (h.deps.state.nodes.get("a-sick") && clock.pending() > 0 ? true : undefined));
    assert.equal(await deleting("a-sick"), undefined, "not before its toleration");
    clock.advance(20 * min);
    await wait("a-sick's claim deleted", () => deleting("a-sick"));
    const claim = await readNodeClaim(h, "a-sick");
    assert.equal(claim?.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"], new Date(Math.floor(clock.now() / 1000) * 1000).toISOString().replace(".000Z", "Z"), "drain deadline is now: forceful");
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_unhealthy_disrupted_total", { condition: "ready", nodepool: "pool-a", capacity_type: "on-demand", image_id: "ami-test" }), 1);
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "unhealthy", nodepool: "pool-a" }), 1);
    for (const n of ["a1", "a2", "a3", "a4"]) assert.equal(await deleting(n), undefined, `${n} is healthy and kept`);
  });

  it("repairs nothing while more than 20% of the pool is unhealthy, and says so", async () => {
    for (const n of ["b1", "b2", "b3"]) await nodeWith(n, "pool-b", "True");
    // Both turn due at once, at the fake clock's 20-minute mark: then two of five are unhealthy.
    await nodeWith("b-sick1", "pool-b", "False", 10);
    await nodeWith("b-sick2", "pool-b", "Unknown", 10);
    await wait("both repairs scheduled", () => (clock.pending() >= 2 ? true : undefined));
    clock.advance(20 * min);
    await wait("NodeRepairBlocked on both sick nodes", () =>
      ["b-sick1", "b-sick2"].every((n) => h.events.some((e) => e.reason === "NodeRepairBlocked" && e.involvedObject.kind === "Node" && e.involvedObject.name === n)) ? true : undefined,
    );
    const blocked = h.events.find((e) => e.reason === "NodeRepairBlocked" && e.involvedObject.name === "b-sick1");
    assert.equal(blocked?.type, "Warning");
    assert.match(blocked?.message ?? "", /more than 20% nodes are unhealthy in the nodepool/);
    assert.equal(await deleting("b-sick1"), undefined);
    assert.equal(await deleting("b-sick2"), undefined);

    // b-sick1 recovers: one of five is within the limit, and b-sick2 is repaired without waiting
    // for its five-minute recheck (the fake clock does not move).
    await h.core.patchNodeStatus({ name: "b-sick1", body: { status: { conditions: [{ type: "Ready", status: "True", reason: "Test", message: "recovered", lastTransitionTime: new Date(clock.now()).toISOString() }] } } }, mergePatch);
    await wait("b-sick2's claim deleted", () => deleting("b-sick2"));
    assert.equal(await deleting("b-sick1"), undefined, "the recovered node is kept");
  });

  it("gives a claim already being deleted the forceful deadline once its node is unhealthy long enough, without counting a second disruption", async () => {
    await nodeWith("c-draining", "pool-c", "True");
    await h.custom.deleteClusterCustomObject({ ...nodeClaimsAPI, name: "c-draining" });
    await wait("the deletion in the cluster state", () => (h.state.nodeClaims.list().find((c) => c.metadata.name === "c-draining")?.metadata.deletionTimestamp ? true : undefined));
    assert.equal((await readNodeClaim(h, "c-draining"))?.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"], undefined);
    const stale = new Date(clock.now() - 40 * min).toISOString();
    await h.core.patchNodeStatus({ name: "c-draining", body: { status: { conditions: [{ type: "Ready", status: "Unknown", reason: "Test", message: "set by the test", lastHeartbeatTime: stale, lastTransitionTime: stale }] } } }, mergePatch);
    const stamp = await wait("the termination timestamp on the deleting claim", async () => (await readNodeClaim(h, "c-draining"))?.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"]);
    assert.equal(stamp, new Date(Math.floor(clock.now() / 1000) * 1000).toISOString().replace(".000Z", "Z"));
    assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_unhealthy_disrupted_total", { nodepool: "pool-c" }), 0);
  });

  it("counts a repair once when reconciles race on a cache that has not seen the deletion yet", async () => {
    // Three more reconciles of the same node, at once and beside the running controller's: each
    // reads the claim, but only the one whose delete finds the version it read counts.
    const registry = new Registry();
    const extra = new RepairController({ ...h.deps, clock, policies: awsRepairPolicies, repairMetrics: createRepairMetrics(registry) });
    await nodeWith("d-sick", "pool-d", "Unknown", 40);
    await Promise.all([extra.reconcile("d-sick"), extra.reconcile("d-sick"), extra.reconcile("d-sick")]);
    await wait("d-sick's claim deleted", () => deleting("d-sick"));
    const counted = async (r: Registry) => metricValue(r, "karpenter_nodeclaims_unhealthy_disrupted_total", { nodepool: "pool-d" });
    await wait("the repair counted", async () => ((await counted(h.registry)) + (await counted(registry)) > 0 ? true : undefined));
    assert.equal((await counted(h.registry)) + (await counted(registry)), 1);
  });
});
