// Drift on a real API server, with the real NodeClaim lifecycle and the in-memory cloud provider
// standing in for the instance's view: the cloud provider is asked only about initialized claims,
// its "drifted" is believed only once a second look agrees, a Drifted condition goes as soon as
// the drift does, and a drift command looks again before launching replacements and before
// tainting — so a stale view never replaces a node.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { NodeClaim } from "../../../src/apis/nodeclaim.js";
import type { DriftReason } from "../../../src/cloudprovider/types.js";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, createNode, createPod, createPool, deleting, podOn, readClaim, startHarness, tainted, wait, wipe } from "./harness.js";

const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");
const driftedCondition = async (h: Harness, name: string) => (await readClaim(h, name))?.status?.conditions?.find((c) => c.type === "Drifted" && c.status === "True");

describe("disruption controller: drift from a fresh, settled view", () => {
  const cluster = useControlPlane();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
  });
  after(() => h?.stop());

  /** Answers isDrifted with `answer`, recording each question. */
  function cloudSays(answer: (claim: NodeClaim) => DriftReason | undefined): { name: string; initialized: boolean }[] {
    const asked: { name: string; initialized: boolean }[] = [];
    h.fake.isDrifted = async (claim) => {
      asked.push({ name: claim.metadata.name ?? "", initialized: initialized(claim) });
      return answer(claim);
    };
    return asked;
  }
  const restore = () => {
    delete (h.fake as { isDrifted?: unknown }).isDrifted;
  };

  it("asks only about initialized claims, reports drift on a second look, and clears it as soon as it is gone", async () => {
    try {
      // A Drifted budget of 0: the condition is written, nothing is disrupted.
      await createPool(h, "late", { budgets: [{ nodes: "0" }], consolidateAfter: "Never" });
      h.registrationDelayMs.set("late-", 2000);
      let drifting = true;
      const asked = cloudSays((c) => (c.metadata.name === "late-a" && drifting ? "SecurityGroupDrift" : undefined));
      await createNode(h, "late-a", "late", "c.4x");
      const drifted = await wait("Drifted on late-a", () => driftedCondition(h, "late-a"));
      assert.equal(drifted.reason, "SecurityGroupDrift");
      const mine = asked.filter((a) => a.name === "late-a");
      assert.ok(mine.every((a) => a.initialized), "never asked before the claim was initialized");
      assert.ok(mine.length >= 2, `drift believed only once a second look agreed (${mine.length} looks)`);

      // The instance is right again: the condition goes within a few polling periods (not after the 5-minute TTL).
      drifting = false;
      await wait("Drifted gone from late-a", async () => ((await driftedCondition(h, "late-a")) === undefined ? true : undefined), 15_000);
    } finally {
      restore();
      h.registrationDelayMs.clear();
      await wipe(h);
    }
  });

  it("launches no replacement when a fresh look before starting says the drift is gone", async () => {
    try {
      await createPool(h, "fresh", { budgets: [{ nodes: "100%" }], consolidateAfter: "Never" });
      // Drifted for the passes' two looks, not for the command's own look right before it starts.
      // (The pod is bound first, so the command has a replacement to launch.)
      let looks = 0;
      cloudSays((c) => (c.metadata.name === "fresh-a" && ++looks <= 2 ? "AMIDrift" : undefined));
      await createPod(h, podOn("tenant", "fresh-a", { cpu: "1" }));
      await createNode(h, "fresh-a", "fresh", "c.4x");
      const event = await wait("the drift command not started", () => h.events.find((e) => e.reason === "DisruptionAbandoned" && e.involvedObject.name === "fresh-a"));
      assert.match(event.message, /nodeclaim\/fresh-a is no longer drifted/);
      assert.deepEqual(
        h.state.nodeClaims.list().map((c) => c.metadata.name).filter((n) => n !== "fresh-a"),
        [],
        "no replacement NodeClaim",
      );
      assert.ok(!deleting(h, "fresh-a") && !tainted(h, "fresh-a"));
      assert.doesNotMatch(await h.registry.getSingleMetricAsString("karpenter_nodeclaims_created_total"), /reason="drifted"/);
    } finally {
      restore();
      await wipe(h);
    }
  });

  it("keeps the old node when its drift is gone by the time the replacement is up", async () => {
    try {
      await createPool(h, "vanish", { budgets: [{ nodes: "100%" }], consolidateAfter: "Never" });
      let drifting = true;
      cloudSays((c) => (c.metadata.name === "old-v" && drifting ? "AMIDrift" : undefined));
      // Replacements register after 3 s; the drift goes away meanwhile.
      h.registrationDelayMs.set("vanish-", 3000);
      await createPod(h, podOn("stays", "old-v", { cpu: "1" }));
      await createNode(h, "old-v", "vanish", "c.4x");
      await wait("a replacement NodeClaim", () => h.state.nodeClaims.list().find((c) => c.metadata.name?.startsWith("vanish-")));
      drifting = false;
      const event = await wait("the command abandoned", () => h.events.find((e) => e.reason === "DisruptionAbandoned" && e.involvedObject.name === "old-v"), 30_000);
      assert.match(event.message, /no longer drifted/);
      assert.ok(!deleting(h, "old-v"), "the old node stays");
      assert.ok(!tainted(h, "old-v"), "and is not tainted");
    } finally {
      restore();
      h.registrationDelayMs.clear();
      await wipe(h);
    }
  });
});
