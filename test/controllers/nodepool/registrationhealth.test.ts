// NodeRegistrationHealthy against a real API server: the NodeClaim lifecycle reports registrations
// and registration timeouts, nodepool.status starts the condition over when the NodePool's or its
// EC2NodeClass's spec changes. Nodes are made by the test, as a kubelet would.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { NodePool } from "../../../src/apis/nodepool.js";
import { newNodeClaimLifecycleController } from "../../../src/controllers/nodeclaim/lifecycle/controller.js";
import { RegistrationOutcomes } from "../../../src/controllers/nodepool/registrationoutcomes.js";
import { NodePoolStatusController } from "../../../src/controllers/nodepool/status.js";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, condition as claimCondition, createNodeClaim, nodeClaimManifest, readNodeClaim, startHarness, wait } from "../nodeclaim/harness.js";
import { EC2NodeClassesAPI, NodePoolsAPI, create, ec2NodeClass, get, nodePool } from "./fixtures.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const healthOf = (np: NodePool | undefined) => np?.status?.conditions?.find((c) => c.type === "NodeRegistrationHealthy");

describe("NodePool NodeRegistrationHealthy", () => {
  const cluster = useControlPlane();
  let h: Harness;
  let stop: () => Promise<void>;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
    const outcomes = new RegistrationOutcomes(h.deps.kube, h.deps.clock);
    // Unregistered claims are given up on after 8 s, so the failures come quickly.
    stop = h.run(new NodePoolStatusController(h.deps, outcomes.health), newNodeClaimLifecycleController(h.deps, { registrationTTLMs: 8000, registrationOutcomes: outcomes }));
  });
  after(async () => {
    await stop?.();
    await h?.stop();
  });

  const pool = () => get<NodePool>(h.deps.kube, NodePoolsAPI, "rh");
  const waitHealth = (what: string, status: string, reason?: string) =>
    wait(
      what,
      async () => {
        const np = await pool();
        const c = healthOf(np);
        return c?.status === status && (reason === undefined || c.reason === reason) && c.observedGeneration === np?.metadata.generation ? np : undefined;
      },
      60_000,
    );

  /** A claim of the pool (owned by it, as the provisioner makes them), launched by the fake cloud. */
  async function launchClaim(name: string) {
    const np = await pool();
    const manifest = nodeClaimManifest(name, {}, { "karpenter.sh/nodepool": "rh" });
    manifest.metadata = { ...manifest.metadata, ownerReferences: [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "rh", uid: np!.metadata.uid!, blockOwnerDeletion: true }] };
    await createNodeClaim(h, manifest);
    return wait(`${name} launched`, async () => {
      const c = await readNodeClaim(h, name);
      return claimCondition(c, "Launched")?.status === "True" ? c : undefined;
    });
  }

  async function registerClaim(name: string) {
    const launched = await launchClaim(name);
    await h.core.createNode({ body: { metadata: { name: `${name}-node`, labels: { "kubernetes.io/hostname": `${name}-node` } }, spec: { providerID: launched.status!.providerID!, taints: [{ key: "karpenter.sh/unregistered", effect: "NoExecute" }] } } });
    await wait(`${name} registered`, async () => (claimCondition(await readNodeClaim(h, name), "Registered")?.status === "True" ? true : undefined));
  }

  async function failClaim(name: string) {
    await launchClaim(name);
    await wait(`${name} given up on`, async () => ((await readNodeClaim(h, name)) === undefined ? true : undefined), 60_000);
  }

  it("is Unknown until known, True on a registration, False after failures, and starts over on spec changes; Ready never depends on it", async () => {
    await create(h.deps.kube, EC2NodeClassesAPI, ec2NodeClass("default"));
    await create(h.deps.kube, NodePoolsAPI, nodePool("rh"));
    const unknown = await waitHealth("Unknown at first", "Unknown", "AwaitingReconciliation");
    assert.equal(healthOf(unknown)?.message, "object is awaiting reconciliation");
    const nc = await get<{ metadata: { generation: number } }>(h.deps.kube, EC2NodeClassesAPI, "default");
    assert.equal(unknown.status?.nodeClassObservedGeneration, nc?.metadata.generation);

    await registerClaim("rh-ok");
    const healthy = await waitHealth("True after a registration", "True", "NodeRegistrationHealthy");
    // Karpenter's NodePool Ready summarises ValidationSucceeded and NodeClassReady only.
    assert.doesNotMatch(healthy.status?.conditions?.find((c) => c.type === "Ready")?.message ?? "", /NodeRegistrationHealthy/);

    // One timeout among [ok, fail] is not enough; the second makes half the window failures.
    await failClaim("rh-lost-1");
    assert.equal(healthOf(await pool())?.status, "True");
    await failClaim("rh-lost-2");
    const unhealthy = await waitHealth("False after two registration timeouts", "False", "RegistrationFailed");
    assert.equal(healthOf(unhealthy)?.message, "Failed to register node");
    assert.equal(unhealthy.status?.conditions?.find((c) => c.type === "Ready")?.status, healthy.status?.conditions?.find((c) => c.type === "Ready")?.status);

    // A NodePool spec change (a new generation) resets it.
    await h.deps.kube.customObjects.patchClusterCustomObject({ ...NodePoolsAPI, name: "rh", body: { spec: { limits: { cpu: "1000" } } } }, mergePatch);
    await waitHealth("Unknown after the NodePool's spec changed", "Unknown", "AwaitingReconciliation");

    // Memory was reset too: one registration is enough to say True again.
    await registerClaim("rh-ok-2");
    await waitHealth("True after a registration following the reset", "True");

    // An EC2NodeClass spec change resets it as well.
    await h.deps.kube.customObjects.patchClusterCustomObject({ ...EC2NodeClassesAPI, name: "default", body: { spec: { tags: { team: "other" } } } }, mergePatch);
    const reset = await waitHealth("Unknown after the EC2NodeClass's spec changed", "Unknown");
    const nc2 = await get<{ metadata: { generation: number } }>(h.deps.kube, EC2NodeClassesAPI, "default");
    assert.equal(reset.status?.nodeClassObservedGeneration, nc2?.metadata.generation);
  });
});
