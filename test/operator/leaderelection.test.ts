// Leader election against a real kube-apiserver: its resourceVersion checks are what keep two
// candidates from both leading, so only the real server can show the elector gets them right.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { useControlPlane } from "../env/index.js";
import { LeaderElector, coordinationLeaseClient, type LeaseClient, type LeaderElectionOutcome } from "../../src/operator/leaderelection.js";

// Short timings, in whole seconds where the Lease stores seconds.
const timing = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 };

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Candidate {
  identity: string;
  elector: LeaderElector;
  starts: number;
  stop(): Promise<LeaderElectionOutcome>;
  done: Promise<LeaderElectionOutcome>;
}

function candidate(lease: LeaseClient, identity: string): Candidate {
  const ac = new AbortController();
  const c = {
    identity,
    starts: 0,
    elector: new LeaderElector({
      ...timing,
      lease,
      identity,
      onStartedLeading: () => {
        c.starts++;
      },
    }),
  } as Candidate;
  c.done = c.elector.run(ac.signal);
  c.stop = () => {
    ac.abort();
    return c.done;
  };
  return c;
}

/** A LeaseClient that can be cut off from the API server, as a hung or partitioned leader would be. */
function severable(inner: LeaseClient): LeaseClient & { cut: boolean } {
  const s = {
    cut: false,
    guard<T>(fn: () => Promise<T>): Promise<T> {
      return s.cut ? Promise.reject(new Error("connect ETIMEDOUT")) : fn();
    },
    get: () => s.guard(() => inner.get()),
    create: (r: Parameters<LeaseClient["create"]>[0]) => s.guard(() => inner.create(r)),
    update: (r: Parameters<LeaseClient["update"]>[0], v: string) => s.guard(() => inner.update(r, v)),
  };
  return s;
}

describe("leader election on a real API server", () => {
  const cluster = useControlPlane();
  const namespace = "tenon-leader-election";

  async function setup(leaseName: string) {
    const kc = cluster().kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } }).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
    const api = kc.makeApiClient(CoordinationV1Api);
    const holder = async () => (await api.readNamespacedLease({ name: leaseName, namespace })).spec?.holderIdentity ?? "";
    // The renewTime the API server holds, written by a candidate on this machine's clock.
    const renewTime = async () => new Date(String((await api.readNamespacedLease({ name: leaseName, namespace })).spec?.renewTime));
    return { newClient: () => coordinationLeaseClient(kc.makeApiClient(CoordinationV1Api), namespace, leaseName), holder, renewTime };
  }

  it("lets exactly one of two candidates lead, and hands over at once when the leader stops", async () => {
    const { newClient, holder } = await setup("handover");
    const a = candidate(newClient(), "a");
    const b = candidate(newClient(), "b");
    const both = [a, b];
    await until("one leads", () => both.some((c) => c.elector.isLeader));

    // Watch for longer than a lease duration: never two leaders, and the Lease names the leader.
    const watchUntil = Date.now() + timing.leaseDurationMs * 1.5;
    while (Date.now() < watchUntil) {
      assert.equal(both.filter((c) => c.elector.isLeader).length, 1, "exactly one leader");
      await new Promise((r) => setTimeout(r, 50));
    }
    const leader = both.find((c) => c.elector.isLeader)!;
    const follower = both.find((c) => c !== leader)!;
    assert.equal(await holder(), leader.identity);
    assert.equal(leader.starts, 1);
    assert.equal(follower.starts, 0);

    const stoppedAt = Date.now();
    assert.equal(await leader.stop(), "stopped");
    await until("the follower leads", () => follower.elector.isLeader);
    const handover = Date.now() - stoppedAt;
    // A released lease is taken on the next retry, not after the lease duration.
    assert.ok(handover < timing.leaseDurationMs, `handover took ${handover}ms`);
    assert.equal(await holder(), follower.identity);

    assert.equal(await follower.stop(), "stopped");
    assert.equal(await holder(), "", "a stopped leader releases the lease");
  });

  it("fails over after the lease expires when the leader is cut off", async () => {
    const { newClient, holder, renewTime } = await setup("failover");
    const aLease = severable(newClient());
    const a = candidate(aLease, "a");
    await until("a leads", () => a.elector.isLeader);
    const b = candidate(newClient(), "b");
    await new Promise((r) => setTimeout(r, timing.leaseDurationMs));
    assert.equal(b.elector.isLeader, false);

    const cutAt = Date.now();
    aLease.cut = true;
    const lastRenewal = (await renewTime()).getTime();
    assert.equal(await a.done, "lost", "a leader that cannot renew stops leading");
    assert.ok(Date.now() - cutAt <= timing.renewDeadlineMs + timing.retryPeriodMs + 500, "within the renew deadline");
    assert.equal(a.elector.isLeader, false);

    await until("b leads", () => b.elector.isLeader);
    // b may only take over once the lease went unrenewed for its full duration.
    const unrenewed = Date.now() - lastRenewal;
    assert.ok(unrenewed >= timing.leaseDurationMs, `took over after the lease went unrenewed for only ${unrenewed}ms`);
    assert.equal(await holder(), "b");
    assert.equal(await b.stop(), "stopped");
  });
});
