// Static NodePools on a real API server: the static controller keeps spec.replicas NodeClaims,
// `kubectl scale nodepool` (the real kubectl, through the scale subresource) grows and shrinks the
// pool, limits.nodes caps it, and the pod-driven provisioner leaves the pool alone. The nodeclass
// and NodePool controllers make the pool Ready; nothing launches (the claims are the count).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import type { NodePool } from "../../../src/apis/index.js";
import { fakeInstanceType } from "../../../src/cloudprovider/fake/index.js";
import { StaticNodePoolController } from "../../../src/controllers/static/controller.js";
import { realClock } from "../../../src/controllers/runtime/clock.js";
import { createLogger } from "../../../src/operator/logging.js";
import { Registry, createMetrics } from "../../../src/operator/metrics.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { bin, repoRoot } from "../../env/paths.js";
import { EC2NodeClassesAPI, type Harness, NodePoolsAPI, create, ec2NodeClass, events, listNodeClaims, nodePool, startHarness, waitForCondition } from "../nodepool/fixtures.js";

const NS = "static";

describe("static NodePools", () => {
  const cluster = useControlPlane({ scheduler: true });
  let h: Harness;
  let stopStatic: () => Promise<void>;
  let controller: StaticNodePoolController;
  // The controller's own registry: the harness's already holds the provisioner's metrics.
  const registry = new Registry();

  const kubectl = (...args: string[]) => {
    const r = spawnSync(bin.kubectl, ["--kubeconfig", cluster().kubeconfigPath, ...args], { encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  /** Claims of the pool not being deleted (a claim without a finalizer is gone at once). */
  const live = async (pool: string) => (await listNodeClaims(h.kube, pool)).filter((c) => !c.metadata.deletionTimestamp);
  const count = (pool: string, n: number) =>
    waitFor(`${n} nodeclaims in nodepool ${pool}`, async () => ((await live(pool)).length === n ? true : undefined), { timeoutMs: 30_000, intervalMs: 100 });

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, {
      instanceTypes: [fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1 }), fakeInstanceType({ name: "fake.xlarge", cpu: 4, memoryMiB: 16384, price: 0.2 })],
    });
    controller = new StaticNodePoolController({
      kube: h.kube,
      state: h.state,
      cloudProvider: h.cloudProvider,
      recorder: h.recorder,
      logger: createLogger({ level: "silent" }),
      clock: realClock,
      metrics: createMetrics(registry),
    });
    controller.watch(h.state);
    const abort = new AbortController();
    const running = controller.run(abort.signal);
    stopStatic = async () => {
      abort.abort();
      await running;
    };
    await h.kube.core.createNamespace({ body: { metadata: { name: NS } } });
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("default"));
  });
  after(async () => {
    await stopStatic?.();
    await h?.stop();
  });

  it("holds 3 nodeclaims with no pods, from the pool's template, and kubectl scale grows it to 5", async () => {
    await create(
      h.kube,
      NodePoolsAPI,
      nodePool("fixed", { replicas: 3 }, { metadata: { labels: { team: "fixed" } }, spec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }] } }),
    );
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "fixed", "Ready", "True", 30_000);
    await count("fixed", 3);
    const claims = await live("fixed");
    for (const c of claims) {
      assert.match(c.metadata.name ?? "", /^fixed-[a-z0-9]{5}$/);
      assert.equal(c.metadata.labels?.team, "fixed");
      assert.equal(c.metadata.ownerReferences?.[0]?.name, "fixed");
      assert.deepEqual(
        c.spec.requirements.find((r) => r.key === "karpenter.sh/capacity-type"),
        { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
      );
      // The cloud provider picks the type: the claim does not list them.
      assert.equal(c.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type"), undefined);
    }
    assert.match(await registry.getSingleMetricAsString("karpenter_nodeclaims_created_total"), /reason="provisioned",nodepool="fixed",capacity_type="on-demand",min_values_relaxed="false"\} 3$/m);

    const scaled = kubectl("scale", "nodepool", "fixed", "--replicas", "5");
    assert.equal(scaled.code, 0, scaled.err);
    await count("fixed", 5);
    // The names of the first three stay: growing adds, it does not replace.
    const names = new Set((await live("fixed")).map((c) => c.metadata.name));
    for (const c of claims) assert.ok(names.has(c.metadata.name), `${c.metadata.name} kept`);
  });

  it("replaces a nodeclaim that is deleted", async () => {
    const [victim] = await live("fixed");
    await h.kube.customObjects.deleteClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodeclaims", name: victim!.metadata.name! });
    await waitFor("a replacement", async () => {
      const cs = await live("fixed");
      return cs.length === 5 && !cs.some((c) => c.metadata.name === victim!.metadata.name) ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100 });
  });

  it("kubectl scale down deletes the surplus, and status.nodes backs the scale subresource", async () => {
    const scaled = kubectl("scale", "nodepool", "fixed", "--replicas", "2");
    assert.equal(scaled.code, 0, scaled.err);
    await count("fixed", 2);
    const scale = kubectl("get", "--raw", "/apis/karpenter.sh/v1/nodepools/fixed/scale");
    assert.equal((JSON.parse(scale.out) as { spec: { replicas: number } }).spec.replicas, 2);
  });

  it("honours limits.nodes: a pool of 6 with a limit of 4 holds 4", async () => {
    await create(h.kube, NodePoolsAPI, nodePool("capped", { replicas: 6, limits: { nodes: "4" } }, { metadata: { labels: { team: "capped" } } }));
    await waitForCondition<NodePool>(h.kube, NodePoolsAPI, "capped", "Ready", "True", 30_000);
    await count("capped", 4);
    // Each pass re-derives the count: several more passes, and still 4.
    const passes = controller.passes;
    controller.controller.enqueue("capped");
    await waitFor(
      "two more passes",
      async () => {
        if (controller.passes >= passes + 2) return true;
        controller.controller.enqueue("capped");
        return undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    assert.equal((await live("capped")).length, 4);
  });

  it("the pod-driven provisioner launches nothing for a static pool and says why", async () => {
    const pod: V1Pod = {
      metadata: { name: "wants-fixed", namespace: NS },
      spec: {
        nodeSelector: { team: "fixed" },
        containers: [{ name: "c", image: "registry.k8s.io/pause:3.10", resources: { requests: { cpu: "100m" } } }],
        terminationGracePeriodSeconds: 0,
      },
    };
    await h.kube.core.createNamespacedPod({ namespace: NS, body: pod });
    const e = await waitFor(
      "FailedScheduling from tenon",
      async () => (await events(h.kube, NS, "wants-fixed")).find((ev) => ev.reportingComponent === "karpenter" && ev.reason === "FailedScheduling"),
      { timeoutMs: 30_000 },
    );
    assert.match(e.message ?? "", /nodepool "fixed": static \(spec.replicas\)/);
    assert.equal((await live("fixed")).length, 2);
  });
});
