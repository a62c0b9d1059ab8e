import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ApiException, V1MicroTime, type CoordinationV1Api, type V1Lease } from "@kubernetes/client-node";
import { NotLeaderError } from "./fence.js";
import { LeaderElector, coordinationLeaseClient, newIdentity, type LeaseClient, type LeaseState } from "./leaderelection.js";
import type { LeaseRecord } from "./lease.js";

// An in-memory Lease with the API server's optimistic concurrency: writes against a stale
// resourceVersion fail with 409.
function leaseStore() {
  let stored: LeaseState | undefined;
  let version = 0;
  const conflict = () => new ApiException(409, "conflict", {}, {});
  const save = (record: LeaseRecord): LeaseState => {
    stored = { record: structuredClone(record), resourceVersion: String(++version) };
    return structuredClone(stored);
  };
  return {
    get current(): LeaseRecord | undefined {
      return stored?.record;
    },
    /** A client whose calls fail while `partitioned` is set, as if cut off from the API server. */
    client(): LeaseClient & { partitioned: boolean } {
      const c = {
        partitioned: false,
        check() {
          if (c.partitioned) throw new Error("connect ECONNREFUSED");
        },
        async get() {
          c.check();
          return stored && structuredClone(stored);
        },
        async create(record: LeaseRecord) {
          c.check();
          if (stored) throw conflict();
          return save(record);
        },
        async update(record: LeaseRecord, resourceVersion: string) {
          c.check();
          if (!stored || stored.resourceVersion !== resourceVersion) throw conflict();
          return save(record);
        },
      };
      return c;
    },
  };
}

const fast = { leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 100 };

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function candidate(lease: LeaseClient, identity: string) {
  const events: string[] = [];
  let leaderSignal: AbortSignal | undefined;
  const elector = new LeaderElector({
    ...fast,
    lease,
    identity,
    onStartedLeading: (signal) => {
      leaderSignal = signal;
      events.push("started");
    },
    onStoppedLeading: () => void events.push("stopped"),
  });
  const stop = new AbortController();
  const done = elector.run(stop.signal);
  return { elector, events, stop: () => stop.abort(), done, leaderSignal: () => leaderSignal };
}

describe("LeaderElector", () => {
  it("creates the lease, leads, and releases it when stopped", async () => {
    const store = leaseStore();
    const a = candidate(store.client(), "a");
    await until(() => a.elector.isLeader);
    assert.deepEqual(a.events, ["started"]);
    assert.equal(store.current?.holderIdentity, "a");
    assert.equal(store.current?.leaseDurationSeconds, 1);
    a.stop();
    assert.equal(await a.done, "stopped");
    assert.deepEqual(a.events, ["started", "stopped"]);
    assert.equal(a.leaderSignal()?.aborted, true);
    assert.equal(a.elector.isLeader, false);
    assert.equal(store.current?.holderIdentity, "");
  });

  it("keeps renewing while it leads", async () => {
    const store = leaseStore();
    const a = candidate(store.client(), "a");
    await until(() => a.elector.isLeader);
    const first = store.current!.renewTime!.getTime();
    await until(() => store.current!.renewTime!.getTime() > first);
    assert.equal(store.current?.holderIdentity, "a");
    assert.equal(store.current?.leaseTransitions, 0);
    a.stop();
    await a.done;
  });

  it("renews with one write against the version it wrote, reading the lease only when that write fails", async () => {
    const store = leaseStore();
    const inner = store.client();
    const calls: string[] = [];
    const counted: LeaseClient = {
      get: () => (calls.push("get"), inner.get()),
      create: (r) => (calls.push("create"), inner.create(r)),
      update: (r, v) => (calls.push("update"), inner.update(r, v)),
    };
    let slow = 0;
    const elector = new LeaderElector({
      ...fast,
      lease: counted,
      identity: "a",
      onStartedLeading: () => {},
      metrics: { leading: () => {}, slowPath: () => void slow++ },
    });
    const stop = new AbortController();
    const done = elector.run(stop.signal);
    await until(() => elector.isLeader);
    const first = store.current!.renewTime!.getTime();
    calls.length = 0;
    await until(() => calls.filter((c) => c === "update").length >= 3);
    assert.ok(store.current!.renewTime!.getTime() > first);
    assert.deepEqual(calls.filter((c) => c !== "update"), [], "renewals made no reads");
    assert.equal(slow, 0);

    // Someone else writes the lease (keeping us as holder, as a label change would): the next
    // optimistic write conflicts, the elector reads the lease, and renews against the new version.
    const other = store.client();
    const now = (await other.get())!;
    await other.update({ ...now.record }, now.resourceVersion);
    const written = store.current!.renewTime!.getTime();
    await until(() => slow >= 1 && calls.includes("get"));
    await until(() => store.current!.renewTime!.getTime() > written);
    assert.equal(elector.isLeader, true, "still leading after the slow path");
    stop.abort();
    assert.equal(await done, "stopped");
  });

  it("lets only one of two candidates lead, and hands over at once on release", async () => {
    const store = leaseStore();
    const a = candidate(store.client(), "a");
    await until(() => a.elector.isLeader);
    const b = candidate(store.client(), "b");
    // b keeps trying for longer than a lease duration while a renews: it must never lead.
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(b.elector.isLeader, false);
    assert.deepEqual(b.events, []);

    const released = Date.now();
    a.stop();
    await a.done;
    await until(() => b.elector.isLeader);
    // Well under a lease duration: b took the released lease instead of waiting it out.
    assert.ok(Date.now() - released < 900, `took ${Date.now() - released}ms`);
    assert.equal(store.current?.holderIdentity, "b");
    assert.equal(store.current?.leaseTransitions, 1);
    b.stop();
    await b.done;
  });

  it("stops leading when it cannot renew within the deadline, and a successor takes over", async () => {
    const store = leaseStore();
    const aClient = store.client();
    const a = candidate(aClient, "a");
    await until(() => a.elector.isLeader);
    const b = candidate(store.client(), "b");

    const cut = Date.now();
    aClient.partitioned = true;
    assert.equal(await a.done, "lost");
    const lostAfter = Date.now() - cut;
    assert.ok(lostAfter <= 600 + 250, `lost after ${lostAfter}ms`);
    assert.deepEqual(a.events, ["started", "stopped"]);
    assert.equal(a.leaderSignal()?.aborted, true);
    // A lost leader cannot write, so it does not release; b waits out the lease.
    await until(() => b.elector.isLeader);
    assert.equal(store.current?.holderIdentity, "b");
    b.stop();
    await b.done;
  });

  it("returns without leading when stopped while campaigning", async () => {
    const store = leaseStore();
    const holder = candidate(store.client(), "holder");
    await until(() => holder.elector.isLeader);
    const c = candidate(store.client(), "c");
    await new Promise((r) => setTimeout(r, 150));
    c.stop();
    assert.equal(await c.done, "stopped");
    assert.deepEqual(c.events, []);
    assert.equal(store.current?.holderIdentity, "holder");
    holder.stop();
    await holder.done;
  });

  it("reports new leaders", async () => {
    const store = leaseStore();
    const seen: string[] = [];
    const stop = new AbortController();
    const elector = new LeaderElector({ ...fast, lease: store.client(), identity: "x", onStartedLeading: () => undefined, onNewLeader: (id) => seen.push(id) });
    const done = elector.run(stop.signal);
    await until(() => elector.isLeader);
    stop.abort();
    await done;
    assert.deepEqual(seen, ["x"]);
  });

  it("drops the fence once the renew deadline has passed without a renew, before the elector notices", async () => {
    const store = leaseStore();
    const client = store.client();
    let clock = Date.parse("2026-01-01T00:00:00Z");
    const events: string[] = [];
    const stop = new AbortController();
    const elector = new LeaderElector({
      ...fast,
      lease: client,
      identity: "a",
      now: () => clock,
      onStartedLeading: () => void events.push("started"),
      onStoppedLeading: () => void events.push("stopped"),
    });
    const done = elector.run(stop.signal);
    await until(() => elector.isLeader);
    elector.fence.assertLeader("write");
    // A renew that hangs: the elector waits on it, and time runs past the deadline.
    let hung = false;
    client.update = () => {
      hung = true;
      return new Promise<never>(() => undefined);
    };
    await until(() => hung);
    clock += fast.renewDeadlineMs - 1;
    assert.equal(elector.fence.isLeader(), true, "still within the deadline of the last renew sent");
    clock += 1;
    assert.equal(elector.fence.isLeader(), false);
    assert.throws(() => elector.fence.assertLeader("patch NodeClaim x"), (err: unknown) => err instanceof NotLeaderError && /refused to patch NodeClaim x/.test(err.message));
    assert.deepEqual(events, ["started"], "the elector has not stepped down yet: only the fence knows");
    stop.abort();
    await done;
  });

  it("drops the fence and steps down as soon as another holder shows on the lease", async () => {
    const store = leaseStore();
    const a = candidate(store.client(), "a");
    await until(() => a.elector.isLeader);
    // Someone writes the lease as theirs, as a successor (or an operator) would.
    const intruder = store.client();
    const current = (await intruder.get())!;
    await intruder.update({ ...current.record, holderIdentity: "intruder", leaseDurationSeconds: 3600 }, current.resourceVersion);
    assert.equal(await a.done, "lost");
    assert.equal(a.elector.fence.isLeader(), false);
    assert.deepEqual(a.events, ["started", "stopped"]);
    assert.equal(store.current?.holderIdentity, "intruder", "the lost leader neither took it back nor released it");
  });

  it("rejects timings that cannot work", () => {
    const base = { lease: leaseStore().client(), identity: "a", onStartedLeading: () => undefined };
    assert.throws(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 }), /lease duration .* must exceed the renew deadline/);
    assert.throws(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }), /renew deadline .* must exceed 1.2 × the retry period/);
    assert.throws(() => new LeaderElector({ ...base, identity: "" }), /non-empty identity/);
  });
});

describe("newIdentity", () => {
  it("is unique per call", () => {
    assert.notEqual(newIdentity(), newIdentity());
    assert.match(newIdentity(), /^.+_[0-9a-f-]{36}$/);
  });
});

describe("coordinationLeaseClient", () => {
  it("maps the Lease to and from client-node's types", async () => {
    const calls: { op: string; body?: V1Lease }[] = [];
    const stored: V1Lease = {
      metadata: { name: "karpenter-leader-election", namespace: "kube-system", resourceVersion: "42" },
      // client-node hands MicroTime fields back as the strings it read.
      spec: { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: "2025-01-01T00:00:05.123456Z" as unknown as V1MicroTime, leaseTransitions: 2 },
    };
    const api = {
      readNamespacedLease: async (p: { name: string; namespace: string }) => {
        calls.push({ op: `read ${p.namespace}/${p.name}` });
        return stored;
      },
      createNamespacedLease: async (p: { namespace: string; body: V1Lease }) => {
        calls.push({ op: "create", body: p.body });
        return { ...p.body, metadata: { ...p.body.metadata, resourceVersion: "1" } };
      },
      replaceNamespacedLease: async (p: { name: string; namespace: string; body: V1Lease }) => {
        calls.push({ op: "replace", body: p.body });
        return { ...p.body, metadata: { ...p.body.metadata, resourceVersion: "43" } };
      },
    } as unknown as CoordinationV1Api;
    const client = coordinationLeaseClient(api, "kube-system", "karpenter-leader-election");

    const got = await client.get();
    assert.equal(got?.resourceVersion, "42");
    assert.equal(got?.record.holderIdentity, "a");
    assert.equal(got?.record.renewTime?.toISOString(), "2025-01-01T00:00:05.123Z");
    assert.equal(got?.record.acquireTime, undefined);

    const record: LeaseRecord = { holderIdentity: "b", leaseDurationSeconds: 15, renewTime: new Date(0), acquireTime: new Date(0), leaseTransitions: 3 };
    const updated = await client.update(record, "42");
    assert.equal(updated.resourceVersion, "43");
    const body = calls.at(-1)!.body!;
    assert.equal(body.metadata?.resourceVersion, "42");
    assert.ok(body.spec?.renewTime instanceof V1MicroTime);
    assert.equal(JSON.stringify(body.spec?.renewTime), '"1970-01-01T00:00:00.000000Z"');

    await client.create(record);
    assert.equal(calls.at(-1)!.body!.metadata?.resourceVersion, undefined);
  });

  it("reads a missing Lease as undefined and passes other errors on", async () => {
    let status = 404;
    const api = {
      readNamespacedLease: async () => {
        throw new ApiException(status, "nope", {}, {});
      },
    } as unknown as CoordinationV1Api;
    const client = coordinationLeaseClient(api, "ns", "name");
    assert.equal(await client.get(), undefined);
    status = 403;
    await assert.rejects(client.get(), (err: ApiException<unknown>) => err.code === 403);
  });
});
