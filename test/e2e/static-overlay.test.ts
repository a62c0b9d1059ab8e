// Static NodePools and NodeOverlays end to end on the local cluster (moto, kwok, the kubelet bridge,
// the controller process with the StaticCapacity and NodeOverlay gates on):
// - a static pool of 3 replicas holds 3 nodes with no pods at all, and the real kubectl's
//   `kubectl scale nodepool --replicas 5` (the scale subresource) grows it to 5;
// - the same pending pod launches c5.large (EC2's cheapest of the two allowed) until a NodeOverlay
//   halves the m5 family's price; then it launches m5.large, on the claim and in EC2 alike.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Deployment } from "@kubernetes/client-node";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment } from "./fixtures.js";
import { instanceIDOf, instances, isRunning, note, seconds, until, useE2E, type E2E } from "./harness.js";

const poolOf = (c: NodeClaim) => c.metadata.labels?.["karpenter.sh/nodepool"] ?? "";
const typeOf = (c: NodeClaim) => c.metadata.labels?.["node.kubernetes.io/instance-type"] ?? "";
const live = (c: NodeClaim) => c.metadata.deletionTimestamp === undefined;
const isTrue = (o: { status?: { conditions?: { type: string; status: string }[] } }, type: string) => (o.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/** A pool whose nodes only its own pods use (tainted, labelled), so the two scenarios never mix. */
function pool(name: string, extra: { replicas?: number; types: string[] }): Record<string, unknown> {
  return {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: {
      ...(extra.replicas !== undefined ? { replicas: extra.replicas } : {}),
      template: {
        metadata: { labels: { pool: name } },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
          requirements: [
            { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
            { key: "node.kubernetes.io/instance-type", operator: "In", values: extra.types },
          ],
          taints: [{ key: "pool", value: name, effect: "NoSchedule" }],
          expireAfter: "720h",
        },
      },
      // Nothing here is consolidated: the scenarios watch launches only.
      disruption: { consolidationPolicy: "WhenEmpty", consolidateAfter: "Never" },
    },
  };
}

function workload(name: string, pool: string, replicas: number): V1Deployment {
  const d = deployment({ name, namespace: "default", replicas, cpu: "1200m", memory: "1Gi", nodeSelector: { pool } });
  d.spec!.template.spec!.tolerations = [{ key: "pool", operator: "Equal", value: pool, effect: "NoSchedule" }];
  return d;
}

async function claimsOf(e: E2E, name: string): Promise<NodeClaim[]> {
  return (await e.reader.nodeClaims()).filter((c) => poolOf(c) === name && live(c));
}

/** The pool's nodes that are Ready, once exactly n claims of it are initialized. */
async function readyNodes(e: E2E, name: string, n: number, controller: ControllerProcess): Promise<NodeClaim[]> {
  return until(
    `${n} initialized NodeClaims with Ready nodes in nodepool ${name}`,
    async () => {
      const claims = await claimsOf(e, name);
      const nodes = (await e.reader.tenonNodes()).filter((x) => x.metadata?.labels?.["karpenter.sh/nodepool"] === name && (x.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"));
      note(`${name}: ${claims.length} claims, ${claims.filter((c) => isTrue(c, "Initialized")).length} initialized, ${nodes.length} ready nodes`);
      return claims.length === n && nodes.length === n && claims.every((c) => isTrue(c, "Initialized")) ? claims : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500, controllers: [controller] },
  );
}

describe("static NodePools and NodeOverlays end to end", { timeout: 900_000 }, () => {
  const env = useE2E();
  let controller: ControllerProcess;

  it("a static pool of 3 holds 3 nodes with no pods; `kubectl scale nodepool --replicas 5` grows it to 5", async () => {
    const e = env();
    controller = await e.start("controller", { FEATURE_GATES: "StaticCapacity=true,NodeOverlay=true" });
    const t0 = Date.now();
    e.apply(pool("static", { replicas: 3, types: ["m5.large"] }));
    await readyNodes(e, "static", 3, controller);
    const held = Date.now() - t0;
    const pods = (await e.reader.core.listPodForAllNamespaces({ fieldSelector: "status.phase!=Succeeded" })).items.filter((p) => p.spec?.nodeName && p.metadata?.namespace === "default");
    assert.equal(pods.length, 0, "no pod asked for these nodes");

    const t1 = Date.now();
    e.dev.kubectl(["scale", "nodepool", "static", "--replicas", "5"]);
    const claims = await readyNodes(e, "static", 5, controller);
    const grown = Date.now() - t1;
    const inEC2 = (await instances(e.ec2)).filter((i) => i.State?.Name === "running");
    for (const c of claims) assert.ok(inEC2.some((i) => i.InstanceId === instanceIDOf(c.status?.providerID)), `claim ${c.metadata.name}'s instance is running in EC2`);
    const np = (await e.reader.custom.getClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodepools", name: "static" })) as { spec: { replicas?: number }; status?: { nodes?: number } };
    assert.equal(np.spec.replicas, 5);
    await until("NodePool static status.nodes = 5", async () => {
      const got = (await e.reader.custom.getClusterCustomObject({ group: "karpenter.sh", version: "v1", plural: "nodepools", name: "static" })) as { status?: { nodes?: number } };
      return got.status?.nodes === 5 ? true : undefined;
    }, { controllers: [controller] });
    console.log(`    static pool: 3 nodes Ready ${seconds(held)} after apply; 5 Ready ${seconds(grown)} after kubectl scale`);
  });

  it("a NodeOverlay halving m5's price changes what the same pending pod launches: c5.large before, m5.large after", async () => {
    const e = env();
    e.apply(pool("priced", { types: ["c5.large", "m5.large"] }));
    const t0 = Date.now();
    e.apply(workload("priced", "priced", 1));
    const [before] = await readyNodes(e, "priced", 1, controller);
    const firstLaunch = Date.now() - t0;
    assert.equal(typeOf(before!), "c5.large", "without an overlay the cheaper c5.large is launched");
    assert.equal(before!.metadata.annotations?.["karpenter.sh/price-overlay-applied"], undefined);

    e.apply({
      apiVersion: "karpenter.sh/v1alpha1",
      kind: "NodeOverlay",
      metadata: { name: "m5-half-price" },
      spec: { requirements: [{ key: "karpenter.k8s.aws/instance-family", operator: "In", values: ["m5"] }, { key: "karpenter.sh/nodepool", operator: "In", values: ["priced"] }], priceAdjustment: "-50%" },
    });
    await until("NodeOverlay m5-half-price Ready", async () => {
      const o = (await e.reader.custom.getClusterCustomObject({ group: "karpenter.sh", version: "v1alpha1", plural: "nodeoverlays", name: "m5-half-price" })) as { status?: { conditions?: { type: string; status: string }[] } };
      return isTrue(o, "Ready") ? true : undefined;
    }, { controllers: [controller] });

    // A second replica: the same pod again, which does not fit beside the first on a large.
    const t1 = Date.now();
    e.dev.kubectl(["scale", "deployment", "priced", "--replicas", "2"]);
    const claims = await readyNodes(e, "priced", 2, controller);
    const secondLaunch = Date.now() - t1;
    const after = claims.find((c) => c.metadata.name !== before!.metadata.name)!;
    assert.equal(typeOf(after), "m5.large", "with m5 at half price the m5.large is launched");
    assert.equal(after.metadata.annotations?.["karpenter.sh/price-overlay-applied"], "true");
    const instance = (await instances(e.ec2)).find((i) => i.InstanceId === instanceIDOf(after.status?.providerID));
    assert.equal(instance?.InstanceType, "m5.large", "EC2 launched the type the solver chose");
    await until("both replicas Running", async () => ((await e.reader.pods("app=priced")).filter(isRunning).length === 2 ? true : undefined), { controllers: [controller] });
    console.log(`    overlay: c5.large Ready ${seconds(firstLaunch)} after the pod; m5.large Ready ${seconds(secondLaunch)} after the overlay's pod`);
  });
});
