// End to end on the local cluster: a controller SIGKILLed while it launches leaks no instance and
// launches none twice once restarted; of two replicas only the leader acts, and killing it hands
// over; a replica that loses its lease exits; SIGTERM shuts down cleanly and releases the lease.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment } from "./fixtures.js";
import { instanceIDOf, instances, isLive, isRunning, logged, mib, note, readLease, seconds, tag, until, useE2E, type E2E } from "./harness.js";

async function runningPods(e: E2E, app: string, ns: string, want: number, controllers: ControllerProcess[], timeoutMs = 150_000): Promise<void> {
  await until(
    `${want} ${app} pods running`,
    async () => {
      const pods = await e.reader.pods(`app=${app}`, ns);
      note(`${app}: ${pods.filter(isRunning).length}/${want} running`);
      return pods.filter(isRunning).length === want && pods.length === want ? true : undefined;
    },
    { timeoutMs, controllers },
  );
}

/** Each NodeClaim has exactly one instance ever launched for it, and each live tenon instance a NodeClaim. */
async function assertOneInstancePerClaim(e: E2E): Promise<void> {
  const claims = await e.reader.nodeClaims();
  const all = (await instances(e.ec2)).filter((i) => tag(i, "karpenter.sh/nodeclaim"));
  const names = new Set(claims.map((c) => c.metadata.name));
  for (const c of claims) {
    const mine = all.filter((i) => tag(i, "karpenter.sh/nodeclaim") === c.metadata.name);
    assert.equal(mine.length, 1, `NodeClaim ${c.metadata.name} has ${mine.length} instances (${mine.map((i) => `${i.InstanceId} ${i.State?.Name}`).join(", ")})`);
    assert.equal(mine[0]!.InstanceId, instanceIDOf(c.status?.providerID), `NodeClaim ${c.metadata.name}'s providerID names its instance`);
  }
  const leaked = all.filter((i) => isLive(i) && !names.has(tag(i, "karpenter.sh/nodeclaim")));
  assert.deepEqual(leaked.map((i) => `${i.InstanceId} (${tag(i, "karpenter.sh/nodeclaim")})`), [], "no live instance without its NodeClaim");
}

describe("resilience end to end", { timeout: 600_000 }, () => {
  const env = useE2E();

  it("a controller killed mid-launch leaks no instance and launches none twice after a restart", async () => {
    const e = env();
    e.nodePool();
    const first = await e.start("crash-1");
    await e.reader.core.createNamespace({ body: { metadata: { name: "crash" } } });
    e.apply(deployment({ name: "crash", namespace: "crash", replicas: 12, cpu: "1500m" }));
    // Kill it as soon as the first instance exists: launches are in flight, and instances exist
    // whose NodeClaims do not say so yet.
    await until("the first instance", async () => ((await instances(e.ec2)).some((i) => tag(i, "karpenter.sh/nodeclaim")) ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 50,
      controllers: [first],
    });
    first.kill("SIGKILL");
    const status = await first.exited;
    const claimsAtKill = await e.reader.nodeClaims();
    const instancesAtKill = (await instances(e.ec2)).filter((i) => tag(i, "karpenter.sh/nodeclaim")).length;
    const launchedAtKill = claimsAtKill.filter((c) => c.status?.providerID).length;
    note(`killed ${first.name} (${status.signal}) with ${claimsAtKill.length} NodeClaims, ${launchedAtKill} marked launched, ${instancesAtKill} instances`);
    assert.equal(status.signal, "SIGKILL");

    const second = await e.start("crash-2");
    await runningPods(e, "crash", "crash", 12, [second]);
    await assertOneInstancePerClaim(e);
    const claims = await e.reader.nodeClaims();
    console.log(`    killed with ${claimsAtKill.length} NodeClaims (${launchedAtKill} marked launched, ${instancesAtKill} instances in moto); after the restart ${claims.length} NodeClaims, one instance each, 12/12 pods running`);
    await second.stop();
    assert.equal((await second.exited).code, 0, `SIGTERM: a clean shutdown exits 0; last lines:\n${second.logTail(25)}`);
  });

  it("runs the controllers only in the leader, hands over when it dies, and exits when it loses the lease", async () => {
    const e = env();
    const a = await e.start("replica-a");
    const b = await e.start("replica-b");
    const leaderOf = async () => {
      const holder = (await readLease(e))?.spec?.holderIdentity;
      const byIdentity = (c: ControllerProcess) => logged(c, "successfully acquired lease").some((l) => l.identity === holder);
      return holder ? [a, b].find(byIdentity) : undefined;
    };
    const leader = await until("a leader", leaderOf, { timeoutMs: 60_000, controllers: [a, b] });
    const follower = leader === a ? b : a;
    note(`leader ${leader.name}, follower ${follower.name}`);

    // Its own NodePool, so that the pods need new nodes rather than room left by the test before.
    e.nodePool({ name: "ha", labels: { pool: "ha" }, taints: [{ key: "ha", value: "true", effect: "NoSchedule" }] });
    await e.reader.core.createNamespace({ body: { metadata: { name: "ha" } } });
    const ha = (replicas: number) => {
      const d = deployment({ name: "ha", namespace: "ha", replicas, cpu: "1", nodeSelector: { pool: "ha" } });
      d.spec!.template.spec!.tolerations = [{ key: "ha", operator: "Equal", value: "true", effect: "NoSchedule" }];
      return d;
    };
    e.apply(ha(4));
    await runningPods(e, "ha", "ha", 4, [leader, follower]);
    assert.ok(logged(leader, "created nodeclaim").length > 0, "the leader created the NodeClaims");
    assert.deepEqual(logged(follower, /starting controllers|created nodeclaim|launched nodeclaim|registered nodeclaim/).map((l) => l.message), [], "the follower did nothing");
    assert.equal((await fetch(`${follower.healthURL}/readyz`)).status, 200, "the follower is ready (its cache is warm) while it waits");

    // The leader dies without releasing its lease: the follower takes over once the lease expires.
    const killedAt = Date.now();
    leader.kill("SIGKILL");
    await leader.exited;
    await until("the follower to lead", async () => (logged(follower, "starting controllers").length > 0 ? true : undefined), { timeoutMs: 60_000, controllers: [follower] });
    const handover = Date.now() - killedAt;
    e.apply(ha(12));
    await runningPods(e, "ha", "ha", 12, [follower]);
    assert.ok(logged(follower, "created nodeclaim").length > 0, "the new leader provisions");
    await assertOneInstancePerClaim(e);
    console.log(`    handover after the leader's SIGKILL: ${seconds(handover)} (lease duration 15s); follower RSS ${mib(follower.rssBytes())}`);

    // Someone else takes the lease: the leader cannot renew it, stops and exits non-zero.
    const leases = e.dev.kubeConfig().makeApiClient(CoordinationV1Api);
    const lease = (await readLease(e))!;
    await leases.replaceNamespacedLease({
      namespace: e.dev.namespace,
      name: lease.metadata!.name!,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: "intruder", renewTime: new V1MicroTime(Date.now()), leaseDurationSeconds: 3600 } },
    });
    const lost = await Promise.race([follower.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 45_000))]);
    assert.ok(lost, `the leader should exit after losing its lease; last lines:\n${follower.logTail(10)}`);
    assert.equal(lost.code, 1, "losing the lease exits 1");
    assert.ok(logged(follower, "leader lease lost, exiting").length > 0);

    // A clean stop releases the lease at once, for a successor not to wait out its duration.
    await leases.deleteNamespacedLease({ namespace: e.dev.namespace, name: lease.metadata!.name! });
    const c = await e.start("replica-c");
    await until("replica-c to lead", async () => (logged(c, "starting controllers").length > 0 ? true : undefined), { timeoutMs: 30_000, controllers: [c] });
    await c.stop();
    assert.equal((await c.exited).code, 0, `SIGTERM exits 0; last lines:\n${c.logTail(25)}`);
    assert.equal((await readLease(e))?.spec?.holderIdentity ?? "", "", "the lease was released on shutdown");
  });
});
