import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SleepWindowsAnnotation } from "./annotations.js";
import { localTime, nodePoolAllowed, parseSleepWindows, sleepState } from "./sleep.js";
import { clusterInput, managedNode, nodePool, pod, standardTypes, planChecked } from "../../test/kit/disruption.js";

const at = (iso: string) => Date.parse(iso);
const nightly = (tz: string, schedule = "0 20 * * 1-5", duration = "12h") => nodePool("batch", { annotations: { [SleepWindowsAnnotation]: JSON.stringify([{ schedule, duration, timeZone: tz }]) }, budgets: [{ nodes: "100%" }] });

describe("sleep windows", () => {
  it("reads JSON or YAML and names the entry and field at fault", () => {
    assert.deepEqual(
      parseSleepWindows("- schedule: '0 20 * * 1-5'\n  duration: 12h\n  timeZone: Europe/Paris").map((w) => [w.schedule, w.durationMs, w.timeZone]),
      [["0 20 * * 1-5", 12 * 3_600_000, "Europe/Paris"]],
    );
    assert.equal(parseSleepWindows('{"schedule":"@daily","duration":"1h"}')[0]!.timeZone, "UTC");
    assert.throws(() => parseSleepWindows('[{"schedule":"0 20 * * *","duration":"12h","timeZone":"Mars/Olympus"}]'), /window 0: timeZone "Mars\/Olympus" is not an IANA time zone/);
    assert.throws(() => parseSleepWindows('[{"schedule":"0 25 * * *","duration":"12h"}]'), /window 0: schedule "0 25 \* \* \*"/);
    assert.throws(() => parseSleepWindows('[{"schedule":"0 20 * * *","duration":"soon"}]'), /window 0: duration "soon"/);
    assert.throws(() => parseSleepWindows('[{"schedule":"0 20 * * *","duration":"1h","tz":"UTC"}]'), /unknown field "tz"/);
  });

  it("keeps a NodePool from launching inside a window, in the window's time zone", () => {
    const np = nightly("Europe/Paris");
    // Monday 2026-01-05: 20:00 in Paris is 19:00 UTC; the window ends Tuesday 08:00 Paris (07:00 UTC).
    assert.equal(nodePoolAllowed(np, at("2026-01-05T18:59:00Z")), true);
    const inside = nodePoolAllowed(np, at("2026-01-05T19:00:00Z"));
    assert.notEqual(inside, true);
    assert.match((inside as { reason: string }).reason, /^asleep until 2026-01-06 08:00 Europe\/Paris \(sleep window "0 20 \* \* 1-5" for 12h, tenon.sh\/sleep-windows\)$/);
    assert.notEqual(nodePoolAllowed(np, at("2026-01-06T06:59:00Z")), true);
    assert.equal(nodePoolAllowed(np, at("2026-01-06T07:00:00Z")), true, "provisioning resumes when the window closes");
    assert.equal(nodePoolAllowed(np, at("2026-01-10T20:00:00Z")), true, "not on Saturday");
    assert.equal(nodePoolAllowed(nodePool("plain"), at("2026-01-05T19:00:00Z")), true, "a pool without windows is always allowed");
  });

  it("follows the local clock across daylight saving changes", () => {
    const np = nightly("Europe/Paris", "0 20 * * *");
    // Before the change (CET, UTC+1) the window opens 19:00 UTC; after it (CEST, UTC+2) 18:00 UTC.
    assert.equal(sleepState(np, at("2026-03-28T19:00:00Z")).asleep, true);
    assert.equal(sleepState(np, at("2026-03-29T18:30:00Z")).asleep, true, "20:30 CEST");
    assert.equal(sleepState(np, at("2026-03-29T17:59:00Z")).asleep, false, "19:59 CEST");
    // A window at 02:30, which does not exist on 2026-03-29 in Paris, opens at the first valid time after the gap.
    const gap = nightly("Europe/Paris", "30 2 * * *", "1h");
    assert.equal(sleepState(gap, at("2026-03-29T01:30:00Z")).asleep, true, "03:30 CEST, right after the gap");
    // 01:30 happens twice on 2026-11-01 in New York: the window opens once, at the first.
    const twice = nightly("America/New_York", "30 1 * * *", "30m");
    const s = sleepState(twice, at("2026-11-01T05:45:00Z"));
    assert.equal(s.asleep, true, "01:45 EDT");
    assert.equal(sleepState(twice, at("2026-11-01T06:45:00Z")).asleep, false, "01:45 EST, the second 01:45: no second window");
    assert.equal(localTime(at("2026-03-29T01:30:00Z"), "Europe/Paris"), "2026-03-29 03:30 Europe/Paris");
  });

  it("never sleeps on windows it cannot read, and says so", () => {
    const np = nodePool("bad", { annotations: { [SleepWindowsAnnotation]: "[{schedule: nope}]" } });
    assert.equal(nodePoolAllowed(np, at("2026-01-05T20:00:00Z")), true);
    const plan = planChecked(clusterInput({ pools: [np] }), { now: at("2026-01-05T20:00:00Z") });
    assert.match(plan.warnings[0]?.message ?? "", /^annotation tenon.sh\/sleep-windows: window 0: duration/);
  });

  it("drains a sleeping pool within its budgets, leaving do-not-disrupt pods alone", () => {
    const types = standardTypes();
    const np = nodePool("batch", { annotations: { [SleepWindowsAnnotation]: '[{"schedule":"0 20 * * *","duration":"12h","timeZone":"UTC"}]' }, budgets: [{ nodes: "2" }] });
    const awake = nodePool("web");
    const nodes = ["b1", "b2", "b3", "b4"].map((n) => managedNode(n, { pool: np, type: types[2]! }));
    nodes.push(managedNode("w1", { pool: awake, type: types[3]! }));
    const pods = [
      pod("job-1", { node: "b1", cpu: "1" }),
      pod("job-2", { node: "b2", cpu: "1" }),
      pod("keep", { node: "b3", cpu: "1", annotations: { "karpenter.sh/do-not-disrupt": "true" } }),
      pod("job-4", { node: "b4", cpu: "1" }),
      pod("web", { node: "w1", cpu: "1" }),
    ];
    const now = at("2026-01-05T21:00:00Z");
    const plan = planChecked(clusterInput({ pools: [np, awake], nodes, pods }), { now });
    assert.equal(plan.command?.method, "sleep");
    assert.equal(plan.command?.decision, "delete");
    assert.equal(plan.command?.replacements.length, 0, "a sleeping pool launches nothing");
    assert.deepEqual(plan.command?.candidates.map((c) => c.name).sort(), ["b1", "b2"], "two at a time, as the budget says");
    const keep = plan.explanations.find((e) => e.node === "b3")!;
    assert.equal(keep.kind, "PodDoNotDisrupt");
    assert.match(keep.message, /left alone while NodePool "batch" is asleep until 2026-01-06 08:00 UTC.*pod default\/keep has the "karpenter.sh\/do-not-disrupt" annotation/);
    assert.equal(plan.explanations.find((e) => e.node === "b4")?.kind, "Budget");
    // Once the window closes nothing is removed for sleeping.
    const morning = planChecked(clusterInput({ pools: [np, awake], nodes, pods }), { now: at("2026-01-06T09:00:00Z"), methods: ["sleep"] });
    assert.equal(morning.command, undefined);
  });
});
