// The placement group partition controller against a real API server (kwok keeps nodes Ready),
// the NodeClaim lifecycle launching through the provider-neutral fake: a claim launched into a
// partition group with the partition left to EC2 carries an empty partition label until the cloud
// tells which partition; then the claim and its registered node get it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { newPartitionLabelController } from "../../../src/cloudprovider/aws/controllers/partition/controller.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, condition, createNodeClaim, nodeClaimManifest, readNode, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const PG = "karpenter.k8s.aws/placement-group-id";
const PART = "karpenter.k8s.aws/placement-group-partition";

describe("placement group partition controller", () => {
  const cluster = useControlPlane({ kwok: true });
  let h: Harness;
  let stop: () => Promise<void>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    stop = h.run(newNodeClaimLifecycleController(h.deps), newPartitionLabelController(h.deps));
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  it("labels the claim and its node with the partition once the cloud reports it; a known partition is left alone", async () => {
    await createNodeClaim(h, nodeClaimManifest("part-a", {}, { [PG]: "pg-0aaa000000000002", [PART]: "" }));
    await createNodeClaim(h, nodeClaimManifest("part-b", {}, { [PG]: "pg-0aaa000000000002", [PART]: "3" }));
    const providerID = await wait("part-a launched", async () => (await readNodeClaim(h, "part-a"))?.status?.providerID);
    const nodeName = "part-a-node";
    await h.core.createNode({
      body: {
        metadata: { name: nodeName, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE }, labels: { "kubernetes.io/hostname": nodeName } },
        spec: { providerID, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] },
      },
    });
    await wait("part-a registered", async () => (condition(await readNodeClaim(h, "part-a"), "Registered")?.status === "True" ? true : undefined));
    await wait("its node in the cluster state", () => (h.state.nodeByProviderID(providerID) ? true : undefined));
    assert.equal((await readNodeClaim(h, "part-a"))?.metadata.labels?.[PART], "", "EC2 has not said yet");
    const asked = h.fake.calls.get.filter((p) => p === providerID).length;
    await wait("the controller asked the cloud about part-a", () => (h.fake.calls.get.filter((p) => p === providerID).length > asked ? true : undefined), 20_000);

    // EC2 now reports the partition it chose for the instance.
    const instance = h.fake.instances.get(providerID)!;
    instance.claim = { ...instance.claim, metadata: { ...instance.claim.metadata, labels: { ...instance.claim.metadata.labels, [PART]: "2" } } };
    await wait("part-a labelled with partition 2", async () => ((await readNodeClaim(h, "part-a"))?.metadata.labels?.[PART] === "2" ? true : undefined), 20_000);
    await wait("its node labelled too", async () => ((await readNode(h, nodeName))?.metadata?.labels?.[PART] === "2" ? true : undefined), 20_000);
    assert.equal((await readNodeClaim(h, "part-b"))?.metadata.labels?.[PART], "3");
  });
});
