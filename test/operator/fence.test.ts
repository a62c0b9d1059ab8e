// Writes are fenced by the leader lease, against a real API server and moto: a reconcile that is
// in flight when the lease is taken away sends no further write — to Kubernetes or to AWS — and
// what the API server and moto hold shows it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateTagsCommand, DescribeTagsCommand, DescribeVpcsCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { CreateInstanceProfileCommand, GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { CoordinationV1Api, CoreV1Api, PatchStrategy, V1MicroTime, setHeaderOptions } from "@kubernetes/client-node";
import { createAWSClients } from "../../src/cloudprovider/aws/clients.js";
import { Controller } from "../../src/controllers/runtime/controller.js";
import { NotLeaderError, leaderFence } from "../../src/operator/fence.js";
import { makeClients } from "../../src/operator/kube.js";
import { LeaderElector, coordinationLeaseClient } from "../../src/operator/leaderelection.js";
import { fenceAWSClients } from "../../src/operator/wiring-aws.js";
import { useControlPlane, useMoto, waitFor } from "../env/index.js";

const namespace = "fence";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** A promise and the function that settles it. */
function gate<T = void>(): { promise: Promise<T>; open: (v: T) => void } {
  let open!: (v: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe("writes fenced by the leader lease", () => {
  const cluster = useControlPlane();
  const moto = useMoto();

  it("an in-flight reconcile whose lease is taken away mid-way lands no further write", async () => {
    const kc = cluster().kubeConfig();
    const admin = kc.makeApiClient(CoreV1Api);
    await admin.createNamespace({ body: { metadata: { name: namespace } } });
    await admin.createNamespacedConfigMap({ namespace, body: { metadata: { name: "work" }, data: { step: "0" } } });

    const stopElection = new AbortController();
    const midway = gate();
    const resume = gate();
    const finished = gate<unknown>();
    let controllerRun: Promise<void> | undefined;
    const elector: LeaderElector = new LeaderElector({
      lease: coordinationLeaseClient(kc.makeApiClient(CoordinationV1Api), namespace, "fence-leader"),
      identity: "tenon-a",
      leaseDurationMs: 2000,
      renewDeadlineMs: 1500,
      retryPeriodMs: 200,
      onStartedLeading: (signal) => {
        controllerRun = controller.run(signal);
        controller.enqueue("work");
      },
      onStoppedLeading: () => controllerRun,
    });
    const kube = makeClients(kc, { fence: elector.fence });
    // A reconcile of several writes with a wait in the middle, as a launch or a drain has: it
    // does not look at its signal, so only the fence can stop it.
    const controller = new Controller({
      name: "fenced",
      async reconcile(key) {
        try {
          await kube.core.patchNamespacedConfigMap({ name: key, namespace, body: { data: { step: "1" } } }, mergePatch);
          midway.open();
          await resume.promise;
          await kube.core.patchNamespacedConfigMap({ name: key, namespace, body: { data: { step: "2" } } }, mergePatch);
          await kube.core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "written-after-the-loss" } } });
          finished.open(undefined);
        } catch (err) {
          finished.open(err);
          throw err;
        }
        return undefined;
      },
    });
    const election = elector.run(stopElection.signal);
    try {
      await midway.promise;
      const before = await admin.readNamespacedConfigMap({ name: "work", namespace });
      assert.equal(before.data?.step, "1", "the first write landed while leading");

      // Someone else writes the Lease as theirs.
      const leases = kc.makeApiClient(CoordinationV1Api);
      const lease = await leases.readNamespacedLease({ name: "fence-leader", namespace });
      assert.equal(lease.spec?.holderIdentity, "tenon-a");
      await leases.replaceNamespacedLease({
        name: "fence-leader",
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: "intruder", renewTime: new V1MicroTime(Date.now()), leaseDurationSeconds: 3600 } },
      });
      await waitFor("the fence to drop", async () => (elector.fence.isLeader() ? undefined : true), { timeoutMs: 10_000, intervalMs: 20 });

      resume.open();
      const err = await finished.promise;
      assert.ok(err instanceof NotLeaderError, `the write after the loss is refused, got ${String(err)}`);
      assert.match(err.message, /CoreV1Api\.patchNamespacedConfigMap/);
      assert.equal(await election, "lost");

      const after = await admin.readNamespacedConfigMap({ name: "work", namespace });
      assert.equal(after.data?.step, "1", "no write landed after the loss");
      assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, "the ConfigMap was not written at all");
      await assert.rejects(admin.readNamespacedConfigMap({ name: "written-after-the-loss", namespace }), (e: { code?: number }) => e.code === 404);
      assert.equal((await leases.readNamespacedLease({ name: "fence-leader", namespace })).spec?.holderIdentity, "intruder", "the lease stays with its new holder");
    } finally {
      resume.open();
      stopElection.abort();
      await election;
    }
  });

  it("AWS calls that change something are refused while the fence is down; reads go through", async () => {
    const m = moto();
    let leader = true;
    const aws = fenceAWSClients(createAWSClients({ region: m.region, endpoints: { default: m.endpoint }, credentials: m.clientConfig().credentials, maxAttempts: 1 }), leaderFence(() => leader));
    const vpc = (await aws.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId;
    assert.ok(vpc, "moto has a default VPC");
    const tags = async () => (await aws.ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [vpc] }] }))).Tags?.map((t) => `${t.Key}=${t.Value}`) ?? [];

    await aws.ec2.send(new CreateTagsCommand({ Resources: [vpc], Tags: [{ Key: "written", Value: "while-leading" }] }));
    assert.deepEqual(await tags(), ["written=while-leading"]);

    leader = false;
    const refused = (p: Promise<unknown>, action: RegExp) => assert.rejects(p, (err: unknown) => err instanceof NotLeaderError && action.test(err.message));
    await refused(aws.ec2.send(new CreateTagsCommand({ Resources: [vpc], Tags: [{ Key: "written", Value: "after-the-loss" }] })), /CreateTagsCommand/);
    await refused(aws.ec2.send(new TerminateInstancesCommand({ InstanceIds: ["i-0123456789abcdef0"] })), /TerminateInstancesCommand/);
    await refused(aws.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "fenced" })), /CreateInstanceProfileCommand/);
    // Reads still work: the cache and status keep being refreshed by a replica that does not lead.
    assert.deepEqual(await tags(), ["written=while-leading"], "the refused tag never reached EC2");
    await assert.rejects(aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "fenced" })), (err: { name?: string }) => err.name === "NoSuchEntityException");
  });
});
