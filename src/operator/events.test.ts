import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CoreV1Api, CoreV1Event } from "@kubernetes/client-node";
import { EventRecorder, coreV1EventSink, objectReference, type Event } from "./events.js";

const nodeClaim = { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "default-x7k2p", uid: "u-1" };
const pod = { apiVersion: "v1", kind: "Pod", name: "web-1", namespace: "shop", uid: "u-2" };

function setup(options: { burst?: number; refillIntervalMs?: number } = {}) {
  let now = Date.parse("2025-01-01T00:00:00Z");
  const written: { event: Event; at: Date }[] = [];
  const recorder = new EventRecorder({
    ...options,
    now: () => now,
    sink: async (event, at) => void written.push({ event, at }),
  });
  return {
    recorder,
    written,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const launchFailed: Event = { involvedObject: nodeClaim, type: "Warning", reason: "FailedLaunch", message: "insufficient capacity" };

describe("EventRecorder", () => {
  it("writes an event once within the dedupe window, and again after it", async () => {
    const { recorder, written, advance } = setup();
    recorder.publish(launchFailed, launchFailed);
    advance(119_999);
    recorder.publish(launchFailed);
    await recorder.flush();
    assert.equal(written.length, 1);
    assert.deepEqual(written[0]!.event, launchFailed);
    advance(1);
    recorder.publish(launchFailed);
    await recorder.flush();
    assert.equal(written.length, 2);
    assert.equal(written[1]!.at.toISOString(), "2025-01-01T00:02:00.000Z");
  });

  it("writes events that differ in object, type, reason or message", async () => {
    const { recorder, written } = setup();
    recorder.publish(
      launchFailed,
      { ...launchFailed, message: "unauthorized" },
      { ...launchFailed, reason: "FailedLaunchRetry" },
      { ...launchFailed, type: "Normal" },
      { ...launchFailed, involvedObject: { ...nodeClaim, name: "default-abcde" } },
    );
    await recorder.flush();
    assert.equal(written.length, 5);
  });

  it("dedupes on the given values and window when an event names them", async () => {
    const { recorder, written, advance } = setup();
    // Like Karpenter's "Nominated" event: one per pod per node, whatever the message says.
    const nominated = (message: string): Event => ({
      involvedObject: pod,
      type: "Normal",
      reason: "Nominated",
      message,
      dedupeValues: [pod.uid, "node-a"],
      dedupeTimeoutMs: 10_000,
    });
    recorder.publish(nominated("Pod should schedule on node-a"), nominated("Pod should schedule on node-a (again)"));
    advance(10_000);
    recorder.publish(nominated("later"));
    await recorder.flush();
    assert.deepEqual(
      written.map((w) => w.event.message),
      ["Pod should schedule on node-a", "later"],
    );
  });

  it("rate-limits each object after a burst, refilling over time", async () => {
    const { recorder, written, advance } = setup({ burst: 3, refillIntervalMs: 60_000 });
    const distinct = (i: number): Event => ({ ...launchFailed, message: `attempt ${i}` });
    for (let i = 0; i < 5; i++) recorder.publish(distinct(i));
    recorder.publish({ ...distinct(9), involvedObject: pod }); // another object has its own bucket
    await recorder.flush();
    assert.deepEqual(
      written.map((w) => w.event.message),
      ["attempt 0", "attempt 1", "attempt 2", "attempt 9"],
    );
    advance(59_999);
    recorder.publish(distinct(5));
    advance(1);
    recorder.publish(distinct(6), distinct(7));
    await recorder.flush();
    assert.deepEqual(
      written.slice(4).map((w) => w.event.message),
      ["attempt 6"],
    );
  });

  it("does not count a rate-limited event as seen", async () => {
    const { recorder, written, advance } = setup({ burst: 1, refillIntervalMs: 1000 });
    recorder.publish({ ...launchFailed, message: "first" }, launchFailed);
    advance(1000);
    recorder.publish(launchFailed);
    await recorder.flush();
    assert.deepEqual(
      written.map((w) => w.event.message),
      ["first", "insufficient capacity"],
    );
  });

  it("swallows sink failures", async () => {
    const warnings: unknown[] = [];
    const recorder = new EventRecorder({
      sink: () => Promise.reject(new Error("forbidden")),
      logger: { debug: () => undefined, warn: (obj: unknown) => void warnings.push(obj) },
    });
    recorder.publish(launchFailed);
    await recorder.flush();
    assert.equal(warnings.length, 1);
  });

  it("forgets old entries", async () => {
    const { recorder, written, advance } = setup();
    for (let i = 0; i < 100; i++) recorder.publish({ ...launchFailed, involvedObject: { ...nodeClaim, name: `nc-${i}` } });
    advance(10 * 60_000);
    recorder.publish(launchFailed);
    await recorder.flush();
    const internals = recorder as unknown as { seen: Map<string, number>; buckets: Map<string, unknown> };
    assert.equal(internals.seen.size, 1);
    assert.equal(internals.buckets.size, 1);
    assert.equal(written.length, 101);
  });
});

describe("objectReference", () => {
  it("takes kind, name and identity from an object", () => {
    assert.deepEqual(
      objectReference({ apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: "default", uid: "u", resourceVersion: "7", namespace: "" } }),
      { apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "default", uid: "u", resourceVersion: "7" },
    );
    assert.throws(() => objectReference({ metadata: { name: "x" } }), /needs a kind and a name/);
  });
});

describe("coreV1EventSink", () => {
  function fakeApi() {
    const created: { namespace: string; body: CoreV1Event }[] = [];
    const api = {
      createNamespacedEvent: async (p: { namespace: string; body: CoreV1Event }) => {
        created.push(p);
        return p.body;
      },
    } as unknown as CoreV1Api;
    return { api, created };
  }

  it("writes a core/v1 Event reported by karpenter", async () => {
    const { api, created } = fakeApi();
    const sink = coreV1EventSink(api, { reportingInstance: "tenon-0_abc" });
    const at = new Date("2025-01-01T00:00:00Z");
    await sink(launchFailed, at);
    await sink(launchFailed, at);
    await sink({ involvedObject: pod, type: "Normal", reason: "Nominated", message: "Pod should schedule on node-a" }, at);

    const [first, second, third] = created;
    assert.equal(first!.namespace, "default");
    assert.equal(first!.body.metadata.namespace, "default");
    assert.match(first!.body.metadata.name!, /^default-x7k2p\.[0-9a-f]+$/);
    assert.notEqual(first!.body.metadata.name, second!.body.metadata.name);
    assert.deepEqual(first!.body.involvedObject, nodeClaim);
    assert.equal(first!.body.type, "Warning");
    assert.equal(first!.body.reason, "FailedLaunch");
    assert.equal(first!.body.message, "insufficient capacity");
    assert.deepEqual(first!.body.source, { component: "karpenter" });
    assert.equal(first!.body.reportingComponent, "karpenter");
    assert.equal(first!.body.reportingInstance, "tenon-0_abc");
    assert.equal(first!.body.firstTimestamp?.toISOString(), "2025-01-01T00:00:00.000Z");
    assert.equal(first!.body.count, 1);
    assert.equal(third!.namespace, "shop");
  });
});
