// nodeclaim.consistency against a real API server: a registered, initialized node whose capacity is
// far below what its NodeClaim expected turns ConsistentStateFound False with a Warning event;
// once the node is what was expected, the next scan turns it True again.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { newNodeClaimConsistencyController } from "../../../src/controllers/nodeclaim/consistency/controller.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, condition, createNodeClaim, nodeClaimManifest, readNodeClaim, startHarness, wait } from "./harness.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("NodeClaim consistency", () => {
  const cluster = useControlPlane();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
  });
  after(() => h?.stop());

  async function nodeStatus(name: string, memory: string) {
    const now = new Date();
    await h.core.patchNodeStatus(
      {
        name,
        body: {
          status: {
            conditions: [{ type: "Ready", status: "True", reason: "KubeletReady", message: "kubelet is posting ready status", lastHeartbeatTime: now, lastTransitionTime: now }],
            capacity: { cpu: "2", memory, pods: "29" },
            allocatable: { cpu: "1930m", memory, pods: "29" },
          },
        },
      },
      mergePatch,
    );
  }

  it("finds a node smaller than expected (False, FailedConsistencyCheck), and consistent again after a scan period", async () => {
    // A 3 s scan period stands in for Karpenter's 10 min.
    const stop = h.run(newNodeClaimLifecycleController(h.deps), newNodeClaimConsistencyController(h.deps, { scanPeriodMs: 3000 }));
    try {
      await createNodeClaim(h, nodeClaimManifest("cs-a", { resources: { requests: { cpu: "1", memory: "1Gi" } } }));
      const launched = await wait("cs-a launched", async () => {
        const c = await readNodeClaim(h, "cs-a");
        return condition(c, "Launched")?.status === "True" ? c : undefined;
      });
      const expected = String(launched.status!.capacity!.memory!);
      await h.core.createNode({ body: { metadata: { name: "cs-a-node", labels: { "kubernetes.io/hostname": "cs-a-node" } }, spec: { providerID: launched.status!.providerID!, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] } } });
      // Half the memory the instance type promised.
      await nodeStatus("cs-a-node", "4Gi");
      await wait("cs-a registered", async () => (condition(await readNodeClaim(h, "cs-a"), "Registered")?.status === "True" ? true : undefined));
      // As the node lifecycle controller would for a Ready node: the admission's not-ready taint goes.
      await h.core.patchNode({ name: "cs-a-node", body: [{ op: "replace", path: "/spec/taints", value: [] }] });
      const inconsistent = await wait("cs-a ConsistentStateFound=False", async () => {
        const c = await readNodeClaim(h, "cs-a");
        return condition(c, "ConsistentStateFound")?.status === "False" ? c : undefined;
      });
      const cond = condition(inconsistent, "ConsistentStateFound")!;
      assert.equal(cond.reason, "ConsistencyCheckFailed");
      assert.equal(cond.message, "Consistency Check Failed");
      assert.equal(condition(inconsistent, "Initialized")?.status, "True");
      const event = await wait("a FailedConsistencyCheck event", () => h.events.find((e) => e.involvedObject.name === "cs-a" && e.reason === "FailedConsistencyCheck"));
      assert.equal(event.type, "Warning");
      assert.match(event.message, new RegExp(`^expected ${expected} of resource memory, but found 4Gi \\(50\\.0% of expected\\)$`));
      assert.ok(!h.events.some((e) => e.involvedObject.name === "cs-a" && e.reason === "FailedConsistencyCheck" && /resource cpu/.test(e.message)), "cpu is as expected");

      await nodeStatus("cs-a-node", expected);
      const fixed = await wait("cs-a ConsistentStateFound=True after the next scan", async () => {
        const c = await readNodeClaim(h, "cs-a");
        return condition(c, "ConsistentStateFound")?.status === "True" ? c : undefined;
      });
      assert.equal(condition(fixed, "ConsistentStateFound")?.reason, "ConsistentStateFound");
      // Karpenter's NodeClaim Ready summarises Launched, Registered and Initialized only.
      assert.equal(condition(inconsistent, "Ready")?.status, "True");
    } finally {
      await stop();
    }
  });
});
