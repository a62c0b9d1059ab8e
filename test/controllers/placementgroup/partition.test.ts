// The placement group registration hook against a real API server (kwok keeps nodes Ready), the
// NodeClaim lifecycle launching through the provider-neutral fake: a claim launched into a
// partition group with the partition left to EC2 carries an empty partition label, and its node
// is not registered (Registered=Unknown, RegistrationHookPending, still tainted unregistered) until
// the cloud tells which partition; then the claim gets the label, and the node gets it in the same
// write that registers it. A claim whose partition is known registers at once.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { V1Node } from "@kubernetes/client-node";
import { placementGroupRegistrationHook } from "../../../src/cloudprovider/aws/registration/placementgroup.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { KWOK_NODE_ANNOTATION, KWOK_NODE_ANNOTATION_VALUE, installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, condition, createNodeClaim, nodeClaimManifest, readNode, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";

const PG = "karpenter.k8s.aws/placement-group-id";
const PART = "karpenter.k8s.aws/placement-group-partition";
const REGISTERED = "karpenter.sh/registered";
const UNREGISTERED = "karpenter.sh/unregistered";

describe("placement group registration hook", () => {
  const cluster = useControlPlane({ kwok: true });
  let h: Harness;
  let stop: () => Promise<void>;
  /** Every version of a node the watch delivered, to check no registered node ever lacked its partition. */
  const seen: V1Node[] = [];

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    h.state.nodes.on((_event, node) => {
      if (node) seen.push(structuredClone(node));
    });
    const hook = placementGroupRegistrationHook((id) => h.deps.cloudProvider.get(id));
    stop = h.run(newNodeClaimLifecycleController(h.deps, { registrationHooks: [hook] }));
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  const createNode = async (name: string, providerID: string) =>
    h.core.createNode({
      body: {
        metadata: { name, annotations: { [KWOK_NODE_ANNOTATION]: KWOK_NODE_ANNOTATION_VALUE }, labels: { "kubernetes.io/hostname": name } },
        spec: { providerID, taints: [{ key: UNREGISTERED, effect: "NoExecute" }] },
      },
    });

  it("holds registration until the cloud reports the partition; the node is registered with it; a known partition does not wait", async () => {
    await createNodeClaim(h, nodeClaimManifest("part-a", {}, { [PG]: "pg-0aaa000000000002", [PART]: "" }));
    await createNodeClaim(h, nodeClaimManifest("part-b", {}, { [PG]: "pg-0aaa000000000002", [PART]: "3" }));
    const providerA = await wait("part-a launched", async () => (await readNodeClaim(h, "part-a"))?.status?.providerID);
    const providerB = await wait("part-b launched", async () => (await readNodeClaim(h, "part-b"))?.status?.providerID);
    await createNode("part-a-node", providerA);
    await createNode("part-b-node", providerB);

    // part-b's partition was chosen at launch: nothing to wait for.
    await wait("part-b registered", async () => (condition(await readNodeClaim(h, "part-b"), "Registered")?.status === "True" ? true : undefined));
    assert.equal((await readNode(h, "part-b-node"))?.metadata?.labels?.[PART], "3");

    // part-a waits on the hook, with Karpenter's reason and the hook's name.
    const pending = await wait("part-a pending on the hook", async () => {
      const c = condition(await readNodeClaim(h, "part-a"), "Registered");
      return c?.reason === "RegistrationHookPending" ? c : undefined;
    });
    assert.deepEqual({ status: pending.status, message: pending.message }, { status: "Unknown", message: "PlacementGroupRegistrationHook" });
    const asked = h.fake.calls.get.filter((p) => p === providerA).length;
    await wait("the hook asked the cloud again about part-a", () => (h.fake.calls.get.filter((p) => p === providerA).length > asked ? true : undefined), 20_000);
    const waiting = await readNode(h, "part-a-node");
    assert.equal(waiting?.metadata?.labels?.[REGISTERED], undefined, "not registered while the partition is unknown");
    assert.ok(waiting?.spec?.taints?.some((t) => t.key === UNREGISTERED), "the unregistered taint stays");
    assert.equal((await readNodeClaim(h, "part-a"))?.metadata.labels?.[PART], "", "EC2 has not said yet");

    // EC2 now reports the partition it chose for the instance.
    const instance = h.fake.instances.get(providerA)!;
    instance.claim = { ...instance.claim, metadata: { ...instance.claim.metadata, labels: { ...instance.claim.metadata.labels, [PART]: "2" } } };
    await wait("part-a registered", async () => (condition(await readNodeClaim(h, "part-a"), "Registered")?.status === "True" ? true : undefined), 90_000);
    assert.equal((await readNodeClaim(h, "part-a"))?.metadata.labels?.[PART], "2");
    const node = await readNode(h, "part-a-node");
    assert.equal(node?.metadata?.labels?.[PART], "2");
    assert.equal(node?.metadata?.labels?.[REGISTERED], "true");
    assert.ok(!node?.spec?.taints?.some((t) => t.key === UNREGISTERED), "registration removed the unregistered taint");
    assert.equal((await readNodeClaim(h, "part-b"))?.metadata.labels?.[PART], "3");

    await wait("the watch delivered part-a-node registered", () => (seen.some((n) => n.metadata?.name === "part-a-node" && n.metadata.labels?.[REGISTERED] === "true") ? true : undefined));
    const registeredWithout = seen.filter((n) => n.metadata?.labels?.[REGISTERED] === "true" && !n.metadata.labels[PART]);
    assert.deepEqual(registeredWithout.map((n) => n.metadata?.name), [], "no node was ever registered without its partition label");
  });
});
