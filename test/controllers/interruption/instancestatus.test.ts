// The instance status controller (EC2 DescribeInstanceStatus) against real parts: moto's EC2 for the
// calls and a healthy instance, a real API server for the NodeClaims. moto reports every running
// instance healthy and ignores the status filters, so failed checks and scheduled events — faults
// moto cannot produce — are stubbed on the same client (aws-sdk-client-mock, test/aws/mocks.ts).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DescribeImagesCommand, DescribeInstanceStatusCommand, type DescribeInstanceStatusCommandInput, EC2Client, type InstanceStatus, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { EC2InstanceStatuses } from "../../../src/cloudprovider/aws/interruption/instancestatus.js";
import { InstanceStatusReconciler } from "../../../src/controllers/interruption/instancestatus.js";
import { createInterruptionMetrics } from "../../../src/controllers/interruption/metrics.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { installCRDs, useControlPlane, useMoto } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { passthroughMock } from "../../aws/mocks.js";
import { type Harness, createNodeClaim, metricValue, nodeClaimManifest, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

describe("instance status controller", () => {
  const cluster = useControlPlane();
  const moto = useMoto();
  let h: Harness;
  let ec2: EC2Client;
  const ids: Record<string, string> = {};

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    ec2 = new EC2Client(moto().clientConfig());
    // Claims launched through the seam (the fake provider), then left alone: no controller
    // finalizes them, so what the instance status controller did stays visible.
    const stop = h.run(newNodeClaimLifecycleController(h.deps));
    for (const name of ["broken-vm", "broken-host", "maintenance", "just-failed", "healthy"]) {
      await createNodeClaim(h, nodeClaimManifest(name));
      const providerID = await wait(`${name} launched`, async () => (await readNodeClaim(h, name))?.status?.providerID);
      ids[name] = providerID.slice(providerID.lastIndexOf("/") + 1);
      await wait(`${name} in the cluster state`, () => (h.state.nodeClaims.list().some((c) => c.status?.providerID === providerID) ? true : undefined));
    }
    await stop();
  });
  after(async () => {
    ec2?.destroy();
    await h?.stop();
  });

  it("asks moto with Karpenter's three filter sets, and finds a running instance healthy", async () => {
    const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    assert.ok(image, "moto has an image");
    const run = await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: "m5.large" }));
    const id = run.Instances![0]!.InstanceId!;
    const all = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: [id] }));
    assert.equal(all.InstanceStatuses?.[0]?.InstanceStatus?.Status, "ok", "moto knows the instance, and it is healthy");
    const stub = passthroughMock(ec2);
    try {
      assert.deepEqual(await new EC2InstanceStatuses(ec2, Date.now).list(), []);
      const filters = stub.commandCalls(DescribeInstanceStatusCommand).map((c) => c.args[0].input.Filters?.map((f) => f.Name));
      assert.deepEqual(filters, [["instance-status.status"], ["system-status.status"], ["event.code"]]);
    } finally {
      stub.restore();
    }
  });

  it("replaces instances with failed checks forcefully, scheduled events by a drain, and counts each once", async () => {
    const byFilter: Record<string, InstanceStatus[]> = {
      "instance-status.status": [
        { InstanceId: ids["broken-vm"], InstanceStatus: { Status: "impaired", Details: [{ Name: "reachability", Status: "failed", ImpairedSince: minutesAgo(5) }] } },
        // Failing for seconds only: not yet (two minutes, as Karpenter).
        { InstanceId: ids["just-failed"], InstanceStatus: { Status: "impaired", Details: [{ Name: "reachability", Status: "failed", ImpairedSince: new Date(Date.now() - 10_000) }] } },
        // An instance this cluster does not own.
        { InstanceId: "i-0fffffffffffffff0", InstanceStatus: { Status: "impaired", Details: [{ Name: "reachability", Status: "failed", ImpairedSince: minutesAgo(5) }] } },
      ],
      "system-status.status": [{ InstanceId: ids["broken-host"], SystemStatus: { Status: "impaired", Details: [{ Name: "reachability", Status: "failed", ImpairedSince: minutesAgo(3) }] } }],
      "event.code": [{ InstanceId: ids.maintenance, Events: [{ Code: "system-maintenance", Description: "scheduled maintenance", NotBefore: new Date(Date.now() + 86_400_000) }] }],
    };
    const stub = passthroughMock(ec2);
    stub.on(DescribeInstanceStatusCommand).callsFake((input: DescribeInstanceStatusCommandInput) => ({ InstanceStatuses: byFilter[input.Filters?.[0]?.Name ?? ""] ?? [] }));
    const im = createInterruptionMetrics(h.registry);
    const reconciler = new InstanceStatusReconciler({ ...h.deps, statuses: new EC2InstanceStatuses(ec2, Date.now), interruptionMetrics: im });
    try {
      const res = await reconciler.reconcile("interruption.instancestatus", new AbortController().signal);
      assert.equal(res.requeueAfterMs, 60_000, "polled again in a minute");
      for (const name of ["broken-vm", "broken-host"]) {
        const c = await readNodeClaim(h, name);
        assert.ok(c?.metadata.deletionTimestamp, `${name} is deleted`);
        assert.ok(c.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"], `${name} is terminated forcefully`);
      }
      const m = await readNodeClaim(h, "maintenance");
      assert.ok(m?.metadata.deletionTimestamp, "a scheduled event deletes the claim");
      assert.equal(m.metadata.annotations?.["karpenter.sh/nodeclaim-termination-timestamp"], undefined, "and drains it the ordinary way");
      for (const name of ["just-failed", "healthy"]) assert.equal((await readNodeClaim(h, name))?.metadata.deletionTimestamp, undefined, `${name} is kept`);
      assert.equal(h.events.filter((e) => e.reason === "InstanceUnhealthy").length, 3);
      assert.equal(h.events.filter((e) => e.reason === "TerminatingOnInterruption").length, 3);
      assert.equal(await metricValue(h.registry, "karpenter_interruption_instance_status_unhealthy_total", { category: "InstanceStatus" }), 1);
      assert.equal(await metricValue(h.registry, "karpenter_interruption_instance_status_unhealthy_total", { category: "SystemStatus" }), 1);
      assert.equal(await metricValue(h.registry, "karpenter_interruption_instance_status_unhealthy_total", { category: "EventStatus" }), 1);
      assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "instance_status" }), 1);
      assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "system_status" }), 1);
      assert.equal(await metricValue(h.registry, "karpenter_nodeclaims_disrupted_total", { reason: "event_status" }), 1);

      // Still reported a minute later: not counted again; once it clears and comes back, it is.
      await wait("the deletions in the cluster state", () => (h.state.nodeClaims.list().filter((c) => c.metadata.deletionTimestamp).length === 3 ? true : undefined));
      await reconciler.reconcile("interruption.instancestatus", new AbortController().signal);
      assert.equal(await metricValue(h.registry, "karpenter_interruption_instance_status_unhealthy_total"), 3);
      const vm = byFilter["instance-status.status"]!;
      byFilter["instance-status.status"] = [];
      await reconciler.reconcile("interruption.instancestatus", new AbortController().signal);
      byFilter["instance-status.status"] = vm;
      await reconciler.reconcile("interruption.instancestatus", new AbortController().signal);
      assert.equal(await metricValue(h.registry, "karpenter_interruption_instance_status_unhealthy_total", { category: "InstanceStatus" }), 2);
    } finally {
      stub.restore();
    }
  });
});
