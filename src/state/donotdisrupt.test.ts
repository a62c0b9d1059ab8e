// karpenter.sh/do-not-disrupt as Karpenter v1.14 reads it: "true", a positive Go duration counted
// from the pod's start, or a value it ignores (and names); and what it announces about each.
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { describe, it } from "node:test";
import { doNotDisruptEvents } from "../controllers/shared/karpenter-events.js";
import { doNotDisruptActive, nextProtectionEnd, objectDoNotDisrupt, parseDoNotDisrupt, podProtection, protectionNote } from "./donotdisrupt.js";
import { blocksWithDoNotDisrupt, isEvictable } from "./predicates.js";

const start = Date.parse("2026-03-01T10:00:00Z");
const pod = (value: string | undefined, o: { started?: boolean; phase?: string } = {}): V1Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "uid-p", ...(value !== undefined ? { annotations: { "karpenter.sh/do-not-disrupt": value } } : {}) },
  spec: { containers: [], nodeName: "n" },
  status: { phase: o.phase ?? "Running", ...(o.started === false ? {} : { startTime: new Date(start).toISOString() as unknown as Date }) },
});

describe("parseDoNotDisrupt", () => {
  it("reads true, positive durations, and names what it ignores in Karpenter's words", () => {
    assert.deepEqual(parseDoNotDisrupt(undefined), { kind: "absent" });
    assert.deepEqual(parseDoNotDisrupt("true"), { kind: "always" });
    assert.deepEqual(parseDoNotDisrupt("1h30m"), { kind: "duration", nanos: 5_400_000_000_000n });
    assert.deepEqual(parseDoNotDisrupt("1.5h"), { kind: "duration", nanos: 5_400_000_000_000n });
    assert.deepEqual(parseDoNotDisrupt("300ms"), { kind: "duration", nanos: 300_000_000n });
    assert.deepEqual(parseDoNotDisrupt("false"), { kind: "invalid", message: 'failed to parse "false" as a duration: time: invalid duration "false"' });
    assert.deepEqual(parseDoNotDisrupt("5"), { kind: "invalid", message: 'failed to parse "5" as a duration: time: missing unit in duration "5"' });
    assert.deepEqual(parseDoNotDisrupt("1d"), { kind: "invalid", message: 'failed to parse "1d" as a duration: time: unknown unit "d" in duration "1d"' });
    assert.deepEqual(parseDoNotDisrupt(""), { kind: "invalid", message: 'failed to parse "" as a duration: time: invalid duration ""' });
    assert.deepEqual(parseDoNotDisrupt("0"), { kind: "invalid", message: 'duration "0" must be positive' });
    assert.deepEqual(parseDoNotDisrupt("-1s"), { kind: "invalid", message: 'duration "-1s" must be positive' });
    assert.deepEqual(parseDoNotDisrupt("True"), { kind: "invalid", message: 'failed to parse "True" as a duration: time: invalid duration "True"' });
  });

  it("on a Node or NodeClaim counts only \"true\"", () => {
    assert.equal(objectDoNotDisrupt({ metadata: { annotations: { "karpenter.sh/do-not-disrupt": "true" } } }), true);
    assert.equal(objectDoNotDisrupt({ metadata: { annotations: { "karpenter.sh/do-not-disrupt": "1h" } } }), false);
    assert.equal(objectDoNotDisrupt({ metadata: {} }), false);
  });
});

describe("podProtection", () => {
  it("protects until startTime + duration, the end itself no longer protected", () => {
    const p = pod("30m");
    const end = start + 30 * 60_000;
    assert.deepEqual(podProtection(p, start + 1000), { active: true, until: end, value: { kind: "duration", nanos: 1_800_000_000_000n } });
    assert.equal(doNotDisruptActive(p, end - 1), true);
    assert.equal(doNotDisruptActive(p, end), false);
    assert.equal(doNotDisruptActive(p, end + 1), false);
  });

  it("protects a pod without a start time (fail safe), for ever with \"true\", never with an invalid value", () => {
    assert.deepEqual(podProtection(pod("30m", { started: false }), start + 365 * 86_400_000), { active: true, value: { kind: "duration", nanos: 1_800_000_000_000n } });
    assert.equal(doNotDisruptActive(pod("true"), start + 365 * 86_400_000), true);
    assert.equal(doNotDisruptActive(pod("soon"), start), false);
    assert.equal(doNotDisruptActive(pod(undefined), start), false);
  });

  it("drives the predicates every reader uses", () => {
    assert.equal(blocksWithDoNotDisrupt(pod("1h"), start + 59 * 60_000), true);
    assert.equal(blocksWithDoNotDisrupt(pod("1h"), start + 61 * 60_000), false);
    assert.equal(blocksWithDoNotDisrupt(pod("1h", { phase: "Succeeded" }), start), false, "a finished pod protects nothing");
    assert.equal(isEvictable(pod("1h"), start + 59 * 60_000), false);
    assert.equal(isEvictable(pod("1h"), start + 61 * 60_000), true);
    assert.equal(isEvictable(pod("maybe"), start), true, "an ignored value does not keep the pod from eviction");
  });

  it("says when the next protection ends", () => {
    const pods = [pod("true"), pod("2h"), pod("45m"), pod("10m"), pod("bad")];
    assert.equal(nextProtectionEnd(pods, start + 20 * 60_000), start + 45 * 60_000, "the ended 10m is past, true never ends");
    assert.equal(nextProtectionEnd([pod("true")], start), undefined);
  });
});

describe("do-not-disrupt events", () => {
  it("are Karpenter's, on the pod", () => {
    const ref = { apiVersion: "v1", kind: "Pod", name: "p", namespace: "ns", uid: "uid-p" };
    assert.deepEqual(doNotDisruptEvents(pod("1h30m"), start + 1000), [
      { involvedObject: ref, type: "Normal", reason: "DoNotDisruptUntil", message: "The karpenter.sh/do-not-disrupt grace period will elapse at 2026-03-01T11:30:00Z", dedupeValues: ["uid-p", "2026-03-01T11:30:00Z"] },
    ]);
    assert.deepEqual(doNotDisruptEvents(pod("1h30m"), start + 2 * 3_600_000), [
      { involvedObject: ref, type: "Normal", reason: "DoNotDisruptGracePeriodElapsed", message: "The karpenter.sh/do-not-disrupt grace period has elapsed, pod is now disruptable", dedupeValues: ["uid-p"] },
    ]);
    const message = 'failed to parse "1x" as a duration: time: unknown unit "x" in duration "1x"';
    assert.deepEqual(doNotDisruptEvents(pod("1x"), start), [
      { involvedObject: ref, type: "Warning", reason: "InvalidDoNotDisruptAnnotation", message: `Invalid karpenter.sh/do-not-disrupt annotation: ${message}, ignoring annotation`, dedupeValues: ["uid-p", message] },
    ]);
  });

  it("are none for \"true\", no annotation, or a duration whose pod has not started", () => {
    assert.deepEqual(doNotDisruptEvents(pod("true"), start), []);
    assert.deepEqual(doNotDisruptEvents(pod(undefined), start), []);
    assert.deepEqual(doNotDisruptEvents(pod("1h", { started: false }), start), []);
    assert.equal(protectionNote(podProtection(pod("1h", { started: false }), start)), undefined);
  });

  it("writes the end in whole seconds, as Go's RFC 3339", () => {
    assert.match(doNotDisruptEvents(pod("1.5s"), start)[0]!.message, /elapse at 2026-03-01T10:00:01Z$/);
  });
});
