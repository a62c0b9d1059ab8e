// The eviction queue against a real API server: a pod that two PodDisruptionBudgets select gets
// HTTP 500 from the Eviction API (it supports one PDB per pod). The queue backs off exponentially
// up to its cap, says why on the node in a FailedDraining Event, counts the answers by code, and
// evicts the pod once only one PDB (that allows it) is left.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, PatchStrategy, PolicyV1Api, type V1Pod, setHeaderOptions } from "@kubernetes/client-node";
import { EvictionQueue } from "../../../src/controllers/node/termination/eviction.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { type Event, EventRecorder } from "../../../src/operator/events.js";
import { makeClients } from "../../../src/operator/kube.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { ClusterState } from "../../../src/state/cluster.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";

const ns = "evict";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("eviction queue", () => {
  const cluster = useControlPlane();
  let state: ClusterState;
  let core: CoreV1Api;
  let policy: PolicyV1Api;
  const events: Event[] = [];
  const lines: { msg?: string; message?: string; attempt?: number; retryInMs?: number; Pod?: { name: string } }[] = [];
  const registry = new Registry();
  let queue: EvictionQueue;
  const stop = new AbortController();
  let running: Promise<void> | undefined;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    core = kc.makeApiClient(CoreV1Api);
    policy = kc.makeApiClient(PolicyV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await core.createNode({ body: { metadata: { name: "evict-node" } } });
    state = new ClusterState(kc);
    await state.start();
    const logger = createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const recorder = new EventRecorder({ sink: async (event) => void events.push(event), dedupeTimeoutMs: 1 });
    // The top of the jitter range, so each delay is its ceiling: base × 2^(attempt−1), capped.
    queue = new EvictionQueue(
      { kube: makeClients(kc), state, recorder, logger, clock: realClock, metrics: createMetrics(registry) },
      { baseMs: 100, maxMs: 800, random: () => 1 },
    );
    running = queue.controller.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    await state?.stop();
  });

  /** A pod the API server sees running (no kubelet here: its status is written directly). */
  async function runningPod(name: string, labels: Record<string, string>): Promise<V1Pod> {
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name, namespace: ns, labels }, spec: { nodeName: "evict-node", containers: [{ name: "c", image: "registry.k8s.io/pause:3.10" }] } } });
    await core.patchNamespacedPodStatus({ name, namespace: ns, body: { status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }] } } }, mergePatch);
    return waitFor(`${name} running in the cache`, async () => (state.pods.get(name, ns)?.status?.phase === "Running" ? state.pods.get(name, ns) : undefined), { timeoutMs: 10_000 });
  }

  const pdb = (name: string, app: string) => policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: { app } } } } });
  const evictionRequests = async (code: string) => (await registry.getSingleMetric("karpenter_pods_eviction_requests_total")!.get()).values.find((v) => v.labels.code === code)?.value ?? 0;

  it("backs off a pod that several PDBs select (HTTP 500), emits FailedDraining on its node, and evicts it once one PDB is left", async () => {
    const pod = await runningPod("multi", { app: "multi" });
    await pdb("multi-a", "multi");
    await pdb("multi-b", "multi");
    queue.add([pod]);

    await waitFor("six refused evictions", async () => (queue.attempts(pod) >= 6 ? true : undefined), { timeoutMs: 30_000, intervalMs: 20 });
    const retries = lines.filter((l) => l.Pod?.name === "multi" && l.retryInMs !== undefined);
    assert.deepEqual(
      retries.slice(0, 6).map((l) => [l.attempt, l.retryInMs]),
      [
        [1, 100],
        [2, 200],
        [3, 400],
        [4, 800],
        [5, 800],
        [6, 800],
      ],
      "exponential from the base, capped",
    );
    assert.match(retries[0]!.msg ?? retries[0]!.message ?? "", /more than one PodDisruptionBudget/);
    assert.ok((await evictionRequests("500")) >= 6, "the 500s are counted");
    const warning = events.find((e) => e.reason === "FailedDraining" && e.involvedObject.name === "evict-node");
    assert.ok(warning, "a FailedDraining Event on the node");
    assert.equal(warning.type, "Warning");
    assert.equal(warning.message, "Failed to drain node, evicting pod evict/multi is not supported: more than one PodDisruptionBudget selects it");
    assert.ok(state.pods.get("multi", ns) && !state.pods.get("multi", ns)!.metadata?.deletionTimestamp, "not evicted meanwhile");

    // One PDB left, allowing a disruption (no disruption controller runs here: its status is written directly).
    await policy.deleteNamespacedPodDisruptionBudget({ name: "multi-b", namespace: ns });
    await policy.patchNamespacedPodDisruptionBudgetStatus(
      { name: "multi-a", namespace: ns, body: { status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 1, desiredHealthy: 0, expectedPods: 1 } } },
      mergePatch,
    );
    await waitFor("the pod evicted", async () => (state.pods.get("multi", ns)?.metadata?.deletionTimestamp ? true : undefined), { timeoutMs: 30_000 });
    await waitFor("the queue done with it", async () => (queue.has(pod) ? undefined : true), { timeoutMs: 10_000 });
    assert.ok(events.some((e) => e.reason === "Evicted" && e.involvedObject.name === "multi"));
    assert.equal(await evictionRequests("200"), 1);
  });
});
