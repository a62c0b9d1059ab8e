// operatorpkg's status controller for Nodes against a real API server: the watch's objects, their
// condition transitions and their termination, as the families and Events show them.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, type V1NodeCondition } from "@kubernetes/client-node";
import { pino } from "pino";
import { Registry } from "prom-client";
import { newStatusConditionControllers } from "../../../src/controllers/metrics/status.js";
import { createStatusFamilies } from "../../../src/controllers/metrics/status-families.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { type Event, EventRecorder } from "../../../src/operator/events.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";

type Value = { value: number; labels: Record<string, string | number>; metricName?: string };
async function series(reg: Registry, name: string): Promise<Value[]> {
  return ((await reg.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []) as Value[];
}
const pick = (vs: Value[], labels: Record<string, string>, metricName?: string) =>
  vs.filter((v) => (metricName === undefined || v.metricName === metricName) && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));

describe("status-condition metrics from the watches", () => {
  const cluster = useControlPlane();
  let state: ClusterState;
  let core: CoreV1Api;
  const reg = new Registry();
  const events: Event[] = [];
  const stop = new AbortController();
  let running: Promise<unknown> | undefined;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    core = kc.makeApiClient(CoreV1Api);
    state = new ClusterState(kc);
    const recorder = new EventRecorder({ sink: async (e) => void events.push(e) });
    const controllers = newStatusConditionControllers({ state, clock: realClock, recorder, logger: pino({ level: "silent" }) }, createStatusFamilies(reg));
    for (const c of controllers) c.watch(state);
    await state.start();
    running = Promise.all(controllers.map((c) => c.run(stop.signal)));
  });
  after(async () => {
    stop.abort();
    await running;
    await state?.stop();
  });

  const setReady = async (status: "True" | "False", at: string) => {
    const node = await core.readNode({ name: "observed-1" });
    const ready: V1NodeCondition = { type: "Ready", status, reason: status === "True" ? "KubeletReady" : "KubeletNotReady", lastTransitionTime: new Date(at), lastHeartbeatTime: new Date(at) };
    node.status = { ...node.status, conditions: [ready] };
    await core.replaceNodeStatus({ name: "observed-1", body: node });
  };

  it("counts a Node's Ready transition, times the status it left, and publishes operatorpkg's Event", async () => {
    await core.createNode({ body: { metadata: { name: "observed-1", labels: { "karpenter.sh/nodepool": "default" }, finalizers: ["karpenter.sh/termination"] } } });
    const t0 = new Date(Date.now() - 60_000).toISOString();
    await setReady("False", t0);
    await waitFor("Ready=False seen", async () => pick(await series(reg, "operator_node_status_condition_count"), { name: "observed-1", type: "Ready", status: "False" }).length === 1 || undefined, { timeoutMs: 30_000 });
    const t1 = new Date(Date.parse(t0) + 42_000).toISOString();
    await setReady("True", t1);
    const lasted = await waitFor(
      "the transition timed",
      async () => pick(await series(reg, "operator_node_status_condition_transition_seconds"), { type: "Ready", status: "False", karpenter_sh_nodepool: "default" }, "operator_node_status_condition_transition_seconds_sum")[0],
      { timeoutMs: 30_000 },
    );
    assert.equal(lasted.value, 42);
    const count = pick(await series(reg, "operator_node_status_condition_count"), { name: "observed-1", type: "Ready" });
    assert.deepEqual(count.map((v) => v.labels.status), ["True"], "the False series is gone");
    assert.equal(pick(await series(reg, "operator_node_status_condition_transitions_total"), { type: "Ready", status: "True", reason: "KubeletReady" })[0]?.value, 1);
    await waitFor("the transition Event", async () => events.find((e) => e.reason === "Ready" && e.involvedObject.name === "observed-1" && /Status: False -> True, Reason: KubeletReady/.test(e.message)), { timeoutMs: 30_000 });
    assert.equal((await series(reg, "operator_status_condition_count")).length, 0, "no kind-less families for Nodes, as Karpenter");
  });

  it("times a Node's termination while it is held by its finalizer and once it is gone", async () => {
    await core.deleteNode({ name: "observed-1" });
    await waitFor("terminating seen", async () => pick(await series(reg, "operator_node_termination_current_time_seconds"), { name: "observed-1" })[0], { timeoutMs: 30_000 });
    await core.patchNode({ name: "observed-1", body: [{ op: "remove", path: "/metadata/finalizers" }] });
    const took = await waitFor("termination timed", async () => pick(await series(reg, "operator_node_termination_duration_seconds"), { karpenter_sh_nodepool: "default" }, "operator_node_termination_duration_seconds_count")[0], { timeoutMs: 30_000 });
    assert.equal(took.value, 1);
    assert.equal((await series(reg, "operator_node_termination_current_time_seconds")).length, 0);
    assert.equal((await series(reg, "operator_node_status_condition_count")).length, 0);
    await waitFor("Finalized", async () => events.find((e) => e.reason === "Finalized" && e.message === "Finalized karpenter.sh/termination"), { timeoutMs: 30_000 });
  });
});
