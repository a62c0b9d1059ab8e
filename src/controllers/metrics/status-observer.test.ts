import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Registry } from "prom-client";
import type { Event } from "../../operator/events.js";
import { FakeClock } from "../runtime/clock.js";
import { createStatusFamilies, karpenterStatusBuckets, statusKinds } from "./status-families.js";
import { type ObservedObject, StatusObserver } from "./status-observer.js";

type Value = { value: number; labels: Record<string, string | number>; metricName?: string };
async function series(reg: Registry, name: string): Promise<Value[]> {
  return ((await reg.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []) as Value[];
}
const pick = (vs: Value[], labels: Record<string, string>, metricName?: string) =>
  vs.filter((v) => (metricName === undefined || v.metricName === metricName) && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));

function setup(kind: keyof ReturnType<typeof createStatusFamilies>) {
  const reg = new Registry();
  const families = createStatusFamilies(reg);
  const clock = new FakeClock(Date.parse("2026-01-01T00:10:00Z"));
  const events: Event[] = [];
  const observer = new StatusObserver(statusKinds[kind], families[kind], () => clock.now(), (e) => events.push(e));
  return { reg, clock, events, observer };
}

const claim = (ready: { status: string; reason: string; at: string }, extra: Partial<ObservedObject["metadata"]> = {}): ObservedObject => ({
  metadata: { name: "default-abcde", uid: "u1", labels: { "karpenter.sh/nodepool": "default", "karpenter.k8s.aws/ec2nodeclass": "default" }, finalizers: ["karpenter.sh/termination"], ...extra },
  status: {
    conditions: [
      { type: "Launched", status: "True", reason: "Launched", lastTransitionTime: "2026-01-01T00:00:00Z" },
      { type: "Ready", status: ready.status, reason: ready.reason, lastTransitionTime: ready.at },
    ],
  },
});

describe("operatorpkg's status-condition metrics", () => {
  it("use Karpenter's buckets for its kinds and the client default for EC2NodeClass and the kind-less families", async () => {
    const { reg } = setup("nodeclaim");
    assert.deepEqual(karpenterStatusBuckets, [0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]);
    const les = async (name: string) => (await series(reg, name)).map((v) => v.labels.le);
    assert.deepEqual(await les("operator_nodeclaim_status_condition_transition_seconds"), [], "no series before a transition");
    assert.equal(statusKinds.ec2nodeclass.buckets.length, 11);
    assert.equal(statusKinds.node.deprecated, false, "Karpenter emits no kind-less families for Node");
  });

  it("set a count and an age per condition, with the object labels (per kind) or group and kind (kind-less), refreshed on each look", async () => {
    const { reg, clock, observer } = setup("nodeclaim");
    observer.observe("default-abcde", claim({ status: "Unknown", reason: "AwaitingReconciliation", at: "2026-01-01T00:00:00Z" }));
    const own = { name: "default-abcde", type: "Ready", status: "Unknown", reason: "AwaitingReconciliation", karpenter_sh_nodepool: "default", karpenter_k8s_aws_ec2nodeclass: "default" };
    assert.equal(pick(await series(reg, "operator_nodeclaim_status_condition_count"), own)[0]?.value, 1);
    assert.equal(pick(await series(reg, "operator_nodeclaim_status_condition_current_status_seconds"), own)[0]?.value, 600);
    const old = { name: "default-abcde", type: "Ready", status: "Unknown", group: "karpenter.sh", kind: "NodeClaim" };
    assert.equal(pick(await series(reg, "operator_status_condition_current_status_seconds"), old)[0]?.value, 600);
    clock.advance(10_000);
    observer.observe("default-abcde", claim({ status: "Unknown", reason: "AwaitingReconciliation", at: "2026-01-01T00:00:00Z" }));
    assert.equal(pick(await series(reg, "operator_nodeclaim_status_condition_current_status_seconds"), own)[0]?.value, 610);
  });

  it("count a transition, observe how long the previous status lasted, drop the old status's gauges and publish operatorpkg's Event", async () => {
    const { reg, events, observer } = setup("nodeclaim");
    observer.observe("default-abcde", claim({ status: "Unknown", reason: "AwaitingReconciliation", at: "2026-01-01T00:00:00Z" }));
    const first = await series(reg, "operator_nodeclaim_status_condition_transitions_total");
    assert.equal(pick(first, { type: "Ready", status: "Unknown" })[0]?.value, 1, "first sight is a transition, as in operatorpkg");
    assert.equal(events.length, 0, "no Event without a previous status");
    observer.observe("default-abcde", claim({ status: "True", reason: "Ready", at: "2026-01-01T00:01:30Z" }));
    const total = await series(reg, "operator_nodeclaim_status_condition_transitions_total");
    assert.equal(pick(total, { type: "Ready", status: "True", reason: "Ready", karpenter_sh_nodepool: "default" })[0]?.value, 1);
    assert.equal(pick(total, { type: "Launched" })[0]?.value, 1, "an unchanged condition is not a transition again");
    const lasted = await series(reg, "operator_nodeclaim_status_condition_transition_seconds");
    assert.equal(pick(lasted, { type: "Ready", status: "Unknown" }, "operator_nodeclaim_status_condition_transition_seconds_sum")[0]?.value, 90);
    assert.equal(pick(lasted, { type: "Ready", status: "Unknown", le: "128" }, "operator_nodeclaim_status_condition_transition_seconds_bucket")[0]?.value, 1);
    assert.equal(pick(await series(reg, "operator_status_condition_transition_seconds"), { type: "Ready", kind: "NodeClaim" }, "operator_status_condition_transition_seconds_sum")[0]?.value, 90);
    const count = await series(reg, "operator_nodeclaim_status_condition_count");
    assert.deepEqual(pick(count, { type: "Ready" }).map((v) => v.labels.status), ["True"], "the Unknown series is gone");
    assert.deepEqual(pick(await series(reg, "operator_status_condition_count"), { type: "Ready" }).map((v) => v.labels.status), ["True"]);
    assert.deepEqual(events, [
      {
        involvedObject: { apiVersion: "karpenter.sh/v1", kind: "NodeClaim", name: "default-abcde", uid: "u1" },
        type: "Normal",
        reason: "Ready",
        message: "Status condition transitioned, Type: Ready, Status: Unknown -> True, Reason: Ready",
      },
    ]);
  });

  it("replace the gauges when the object's labels change, in both family sets", async () => {
    const { reg, observer } = setup("nodeclaim");
    const ready = { status: "True", reason: "Ready", at: "2026-01-01T00:00:00Z" };
    observer.observe("default-abcde", claim(ready));
    observer.observe("default-abcde", claim(ready, { labels: { "karpenter.sh/nodepool": "other" } }));
    const own = pick(await series(reg, "operator_nodeclaim_status_condition_count"), { type: "Ready" });
    assert.deepEqual(own.map((v) => v.labels.karpenter_sh_nodepool), ["other"]);
    assert.equal(pick(await series(reg, "operator_status_condition_count"), { type: "Ready" }).length, 1, "the kind-less series stays");
  });

  it("time a termination while it runs and once the object is gone, drop its gauges, and publish Finalized per finalizer", async () => {
    const { reg, clock, events, observer } = setup("nodeclaim");
    const ready = { status: "True", reason: "Ready", at: "2026-01-01T00:00:00Z" };
    observer.observe("default-abcde", claim(ready, { deletionTimestamp: "2026-01-01T00:09:00Z", finalizers: ["karpenter.sh/termination", "example.com/x"] }));
    assert.equal(pick(await series(reg, "operator_nodeclaim_termination_current_time_seconds"), { name: "default-abcde", karpenter_sh_nodepool: "default" })[0]?.value, 60);
    assert.equal(pick(await series(reg, "operator_termination_current_time_seconds"), { name: "default-abcde", kind: "NodeClaim" })[0]?.value, 60);
    clock.advance(5_000);
    observer.observe("default-abcde", claim(ready, { deletionTimestamp: "2026-01-01T00:09:00Z", finalizers: ["karpenter.sh/termination"] }));
    assert.deepEqual(events.map((e) => `${e.reason}: ${e.message}`), ["Finalized: Finalized example.com/x"]);
    clock.advance(10_000);
    observer.observe("default-abcde", undefined);
    const took = await series(reg, "operator_nodeclaim_termination_duration_seconds");
    assert.equal(pick(took, { karpenter_sh_nodepool: "default" }, "operator_nodeclaim_termination_duration_seconds_sum")[0]?.value, 75);
    assert.equal(pick(await series(reg, "operator_termination_duration_seconds"), { kind: "NodeClaim" }, "operator_termination_duration_seconds_sum")[0]?.value, 75);
    assert.equal((await series(reg, "operator_nodeclaim_termination_current_time_seconds")).length, 0);
    assert.equal((await series(reg, "operator_nodeclaim_status_condition_count")).length, 0);
    assert.equal((await series(reg, "operator_status_condition_count")).length, 0);
    assert.deepEqual(events.map((e) => e.message).slice(1), ["Finalized karpenter.sh/termination"]);
    assert.deepEqual(observer.names(), []);
  });

  it("read a Node's conditions with client-node's Date times, under the node families only", async () => {
    const { reg, observer } = setup("node");
    observer.observe("ip-10-0-0-1", {
      metadata: { name: "ip-10-0-0-1", labels: { "karpenter.sh/nodepool": "default", "karpenter.sh/initialized": "true" } },
      status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", lastTransitionTime: new Date("2026-01-01T00:09:30Z") }] },
    });
    const got = pick(await series(reg, "operator_node_status_condition_current_status_seconds"), { name: "ip-10-0-0-1", type: "Ready" });
    assert.deepEqual(got.map((v) => [v.value, v.labels.karpenter_sh_initialized, v.labels.karpenter_k8s_aws_ec2nodeclass]), [[30, "true", ""]]);
    assert.equal((await series(reg, "operator_status_condition_count")).length, 0);
  });
});
