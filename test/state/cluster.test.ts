// The cluster-state cache against a real API server: it lists, follows watches, indexes pods by
// node, and parses our CRDs through the zod schemas (defaults included).
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CoreV1Api, CustomObjectsApi, type V1Node } from "@kubernetes/client-node";
import { createLogger } from "../../src/operator/logging.js";
import { ClusterState } from "../../src/state/cluster.js";
import { Store } from "../../src/state/store.js";
import { installCRDs, useControlPlane, waitFor } from "../env/index.js";
import { repoRoot } from "../env/paths.js";

describe("ClusterState", () => {
  const cluster = useControlPlane();
  let state: ClusterState;
  let core: CoreV1Api;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    core = kc.makeApiClient(CoreV1Api);
    // Something exists before the cache starts, so the initial list is exercised too.
    await core.createNode({ body: { metadata: { name: "early", labels: { a: "b" } }, spec: { providerID: "aws:///us-east-1a/i-early" } } });
    state = new ClusterState(kc);
    await state.start();
  });
  after(() => state?.stop());

  it("holds what was there before it started", () => {
    assert.equal(state.synced, true);
    assert.equal(state.nodes.get("early")?.metadata?.labels?.a, "b");
    assert.equal(state.nodeByProviderID("aws:///us-east-1a/i-early")?.metadata?.name, "early");
    // Timestamps are plain strings whether they came from the list or a watch.
    assert.equal(typeof state.nodes.get("early")?.metadata?.creationTimestamp, "string");
  });

  it("follows creates, updates and deletes, and indexes pods by node", async () => {
    await core.createNamespace({ body: { metadata: { name: "state-test" } } });
    const pod = { metadata: { name: "p", namespace: "state-test" }, spec: { nodeName: "early", containers: [{ name: "c", image: "x" }] } };
    await core.createNamespacedPod({ namespace: "state-test", body: pod });
    await waitFor("the pod indexed on its node", async () => state.podsOnNode("early").length === 1 || undefined, { timeoutMs: 60_000 });
    await core.deleteNamespacedPod({ namespace: "state-test", name: "p", gracePeriodSeconds: 0 });
    await waitFor("the pod gone", async () => (state.podsOnNode("early").length === 0 && state.pods.get("p", "state-test") === undefined) || undefined, { timeoutMs: 60_000 });
  });

  it("survives an API server restart: what changed while it was down is there after it relists", async () => {
    await cluster().restartApiServer(1000);
    // Written after the restart: the old watches are gone, so only a new watch (or relist) sees it.
    await core.createNode({ body: { metadata: { name: "after-restart" } } });
    await core.deleteNode({ name: "early" });
    await waitFor("the cache to follow the restarted server", async () => (state.nodes.get("after-restart") && !state.nodes.get("early")) || undefined, { timeoutMs: 60_000 });
  });

  it("backs off exponentially up to a cap while the API server is away, resyncs when it returns, and starts over once healthy", async () => {
    const lines: { path?: string; attempt?: number; retryInMs?: number }[] = [];
    const logger = createLogger({ level: "warn", destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const policy = { baseMs: 50, maxMs: 400, factor: 2, jitter: "equal" as const };
    // The top of the jitter range, so each delay is its ceiling: base × 2^(attempt−1), capped.
    const store = new Store<V1Node>({ kc: cluster().kubeConfig(), path: "/api/v1/nodes", list: () => core.listNode(), logger, backoff: policy, random: () => 1, healthyAfterMs: 200 });
    await store.start();
    try {
      await waitFor("a healthy watch", async () => (store.failures === 0 ? true : undefined), { timeoutMs: 60_000 });
      await cluster().restartApiServer(() => waitFor("eight failed attempts in a row", async () => (store.failures >= 8 ? true : undefined), { timeoutMs: 30_000, intervalMs: 20 }));
      const retries = lines.filter((l) => l.retryInMs !== undefined);
      const byAttempt = new Map(retries.map((l) => [l.attempt!, l.retryInMs!]));
      assert.deepEqual(
        [1, 2, 3, 4, 5, 6, 7, 8].map((n) => byAttempt.get(n)),
        [50, 100, 200, 400, 400, 400, 400, 400],
        `delays by attempt: ${JSON.stringify(retries.map((l) => [l.attempt, l.retryInMs]))}`,
      );
      for (const l of retries) assert.ok(l.retryInMs! <= policy.maxMs, "capped");

      // Back: what changed after the restart reaches the store, and a healthy watch resets the backoff.
      await core.createNode({ body: { metadata: { name: "after-backoff" } } });
      await waitFor("the store to resync", async () => store.get("after-backoff"), { timeoutMs: 60_000 });
      await waitFor("the backoff to reset", async () => (store.failures === 0 ? true : undefined), { timeoutMs: 60_000 });
    } finally {
      await store.stop();
    }
  });

  it("parses NodePools with Karpenter's defaults", async () => {
    const custom = cluster().kubeConfig().makeApiClient(CustomObjectsApi);
    await custom.createClusterCustomObject({
      group: "karpenter.sh",
      version: "v1",
      plural: "nodepools",
      body: {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: "default" },
        spec: { template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } },
      },
    });
    await waitFor("the NodePool", async () => state.nodePools.get("default"), { timeoutMs: 60_000 });
    assert.equal(state.nodePools.get("default")!.spec.disruption.budgets[0]!.nodes, "10%");
  });
});
