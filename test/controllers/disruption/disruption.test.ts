// The disruption controller's orchestration on a real API server: replacements come up before
// anything is tainted or deleted, a consolidation that stops holding during its validation TTL is
// abandoned, and budgets and do-not-disrupt pods hold nodes back. The NodeClaim lifecycle and node
// termination controllers run for real against the in-memory cloud provider.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { installCRDs, useControlPlane } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { type Harness, createNode, createPod, createPool, deleting, podOn, readClaim, startHarness, tainted, wait, waitInitialized, wipe } from "./harness.js";

describe("disruption controller", () => {
  const cluster = useControlPlane();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc);
  });
  after(() => h?.stop());

  it("launches the replacement and waits until it is initialized before tainting and deleting the old node", async () => {
    try {
      await createPool(h, "repl", { budgets: [{ nodes: "100%" }] });
      // Replacements register three seconds after launch; the old node must be untouched meanwhile.
      h.registrationDelayMs.set("repl-", 3000);
      await createNode(h, "big", "repl", "c.8x");
      await createPod(h, podOn("app", "big", { cpu: "1500m" }));
      let replacement: string | undefined;
      let violations = 0;
      let sawWaiting = false;
      const observed = await wait(
        "the old node tainted and its claim deleted",
        () => {
          replacement ??= h.state.nodeClaims.list().find((c) => c.metadata.name?.startsWith("repl-"))?.metadata.name;
          const ready = replacement !== undefined && h.state.nodeClaims.get(replacement)?.status?.conditions?.some((c) => c.type === "Initialized" && c.status === "True");
          const touched = tainted(h, "big") || deleting(h, "big");
          if (touched && !ready) violations++;
          if (replacement && !ready && !touched) sawWaiting = true;
          return touched ? { replacement } : undefined;
        },
        60_000,
      );
      assert.ok(observed.replacement, "a replacement NodeClaim was created");
      assert.equal(violations, 0, "the old node was never tainted or deleted before its replacement was initialized");
      assert.ok(sawWaiting, "the command waited while the replacement came up");
      await waitInitialized(h, observed.replacement!);
      const claim = h.state.nodeClaims.get(observed.replacement!)!;
      const types = claim.spec.requirements.find((r) => r.key === "node.kubernetes.io/instance-type")?.values ?? [];
      assert.ok(types.length > 0 && !types.includes("c.8x") && !types.includes("c.16x"), `only cheaper types: ${types.join(", ")}`);
      await wait("old claim deleting", async () => {
        const c = await readClaim(h, "big");
        return c === undefined || c.metadata.deletionTimestamp ? true : undefined;
      });
      assert.ok(h.events.some((e) => e.reason === "DisruptionLaunching" && e.involvedObject.name === observed.replacement && e.message === "Launching NodeClaim: Underutilized"));
      assert.ok(h.events.some((e) => e.reason === "DisruptionWaitingReadiness" && e.involvedObject.name === observed.replacement));
      assert.ok(h.events.some((e) => e.reason === "DisruptionTerminating" && e.involvedObject.kind === "Node" && e.involvedObject.name === "big"));
      const decisions = await h.registry.getSingleMetricAsString("karpenter_voluntary_disruption_decisions_total");
      assert.match(decisions, /decision="replace",reason="underutilized",consolidation_type="single"\} 1/);
      assert.match(await h.registry.getSingleMetricAsString("karpenter_nodeclaims_created_total"), /reason="underutilized",nodepool="repl"/);
    } finally {
      h.registrationDelayMs.clear();
      await wipe(h);
    }
  });

  it("abandons a consolidation that no longer holds after its validation TTL, and untaints nothing it did not taint", async () => {
    try {
      await createPool(h, "val", { budgets: [{ nodes: "100%" }] });
      await createNode(h, "val-a", "val", "c.4x");
      await createNode(h, "val-b", "val", "c.4x");
      await createPod(h, podOn("pa", "val-a"));
      await createPod(h, podOn("pb", "val-b"));
      // A consolidation of these nodes (a pass that ran between a node and its pod arriving may
      // first find it empty; that command is abandoned once the pod shows, and is not the one meant).
      const waiting = await wait("a consolidation waiting out its TTL", () => {
        const w = h.disruption.reconciler.waiting;
        return (w?.method === "multi" || w?.method === "single") && w.candidates.every((c) => c.name.startsWith("val-")) ? w : undefined;
      });
      const victim = waiting.candidates[0]!.name;
      // Pod churn during the TTL: a pod that must not be disrupted lands on the node chosen.
      await createPod(h, podOn("precious", victim, { cpu: "100m", annotations: { "karpenter.sh/do-not-disrupt": "true" } }));
      await wait("the command abandoned for the do-not-disrupt pod", () => h.events.find((e) => e.reason === "DisruptionAbandoned" && e.involvedObject.name === victim && /do-not-disrupt/.test(e.message)));
      // Karpenter's events beside tenon's: the candidate as validation started, and its rejection for churn.
      const said = h.events.filter((e) => e.reason.startsWith("Consolidation")).map((e) => `${e.reason} ${e.involvedObject.kind}/${e.involvedObject.name}: ${e.message}`);
      assert.ok(h.events.some((e) => e.reason === "ConsolidationCandidate" && e.involvedObject.kind === "Node" && e.involvedObject.name === victim && /^Consolidation candidate: (delete|replace): \[/.test(e.message)), said.join("\n"));
      const rejected = h.events.find((e) => e.reason === "ConsolidationRejected" && e.involvedObject.kind === "NodeClaim" && e.involvedObject.name === victim);
      assert.match(rejected?.message ?? "", /^Consolidation rejected: (delete|replace): \[val-.\].*, reason: churn \(savings: \$\d+\.\d\d\)$/, said.join("\n"));
      assert.ok(!deleting(h, victim));
      assert.ok(!tainted(h, victim));
      // The node keeps saying why it stays.
      await wait("an explanation event on the node", () => h.events.find((e) => e.involvedObject.kind === "Node" && e.involvedObject.name === victim && /default\/precious has the "karpenter.sh\/do-not-disrupt" annotation/.test(e.message)));
      // The other node is consolidated instead: its pod fits on the protected node.
      const other = victim === "val-a" ? "val-b" : "val-a";
      await wait(`${other} disrupted`, () => (deleting(h, other) ? true : undefined), 30_000);
      assert.ok(!deleting(h, victim), "the node with the do-not-disrupt pod stays");
    } finally {
      await wipe(h);
    }
  });

  it("keeps a node while a pod's do-not-disrupt duration runs, consolidates it once it ran out, and says so on the pods", async () => {
    try {
      await createPool(h, "dur", { budgets: [{ nodes: "100%" }] });
      await createNode(h, "dur-big", "dur", "c.8x");
      await createPod(h, podOn("batch", "dur-big", { cpu: "1500m", annotations: { "karpenter.sh/do-not-disrupt": "6s" } }));
      await createPod(h, podOn("typo", "dur-big", { cpu: "100m", annotations: { "karpenter.sh/do-not-disrupt": "6 seconds" } }));
      // As a kubelet would: the pod started now, so it protects its node for six seconds.
      const started = new Date();
      await h.core.patchNamespacedPodStatus({ name: "batch", namespace: "default", body: { status: { phase: "Running", startTime: started } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      const until = await wait("DoNotDisruptUntil on the pod", () => h.events.find((e) => e.reason === "DoNotDisruptUntil" && e.involvedObject.kind === "Pod" && e.involvedObject.name === "batch"));
      assert.equal(until.type, "Normal");
      assert.equal(until.message, `The karpenter.sh/do-not-disrupt grace period will elapse at ${new Date(Math.floor(started.getTime() / 1000) * 1000 + 6000).toISOString().replace(".000Z", "Z")}`);
      const invalid = await wait("InvalidDoNotDisruptAnnotation on the other pod", () => h.events.find((e) => e.reason === "InvalidDoNotDisruptAnnotation" && e.involvedObject.name === "typo"));
      assert.equal(invalid.type, "Warning");
      assert.equal(invalid.message, 'Invalid karpenter.sh/do-not-disrupt annotation: failed to parse "6 seconds" as a duration: time: unknown unit " seconds" in duration "6 seconds", ignoring annotation');
      assert.ok(!tainted(h, "dur-big") && !deleting(h, "dur-big"), "protected while the duration runs");
      // Nothing in the API changes when the protection ends; the controller looks again by itself.
      await wait("dur-big replaced once the protection ended", () => (tainted(h, "dur-big") || deleting(h, "dur-big") ? true : undefined), 60_000);
      assert.ok(Date.now() >= started.getTime() + 5000, "not before the duration ran out");
      await wait("DoNotDisruptGracePeriodElapsed on the pod", () =>
        h.events.find((e) => e.reason === "DoNotDisruptGracePeriodElapsed" && e.involvedObject.name === "batch" && e.message === "The karpenter.sh/do-not-disrupt grace period has elapsed, pod is now disruptable"),
      );
    } finally {
      await wipe(h);
    }
  });

  it("announces a move a Balanced NodePool's score approves (ConsolidationApproved) and the command it starts validating", async () => {
    try {
      await createPool(h, "bal", { consolidationPolicy: "Balanced", budgets: [{ nodes: "100%" }] });
      await createNode(h, "bal-big", "bal", "c.8x");
      await createNode(h, "bal-busy", "bal", "c.4x");
      await createPod(h, podOn("one", "bal-big", { cpu: "1500m" }));
      for (const i of ["1", "2", "3"]) await createPod(h, podOn(`busy-${i}`, "bal-busy", { cpu: "1100m" }));
      const approved = await wait("ConsolidationApproved on bal-big", () => h.events.find((e) => e.reason === "ConsolidationApproved" && e.involvedObject.kind === "Node" && e.involvedObject.name === "bal-big"));
      assert.equal(approved.type, "Normal");
      assert.match(approved.message, /^score \d+\.\d\d >= threshold 0\.50 \(k: 2, savings \d+\.\d%, disruption \d+\.\d%\)$/);
      assert.ok(h.events.some((e) => e.reason === "ConsolidationApproved" && e.involvedObject.kind === "NodeClaim" && e.involvedObject.name === "bal-big"), "and on its NodeClaim");
      await wait("ConsolidationCandidate on bal-big", () => h.events.find((e) => e.reason === "ConsolidationCandidate" && e.involvedObject.name === "bal-big" && /^Consolidation candidate: replace: \[bal-big\] -> \[1 replacement\] \(savings: \$\d+\.\d\d\)$/.test(e.message)));
    } finally {
      await wipe(h);
    }
  });

  it("holds every node while a budget allows no disruption", async () => {
    try {
      await createPool(h, "frozen", { budgets: [{ nodes: "0" }] });
      await createNode(h, "frozen-a", "frozen", "c.4x");
      await createNode(h, "frozen-b", "frozen", "c.4x");
      await wait("a blocked-budget event on the NodePool", () =>
        h.events.find((e) => e.involvedObject.kind === "NodePool" && e.involvedObject.name === "frozen" && e.message === "No allowed disruptions for disruption reason Empty due to blocking budget"),
      );
      await wait("an explanation on the empty node", () => h.events.find((e) => e.involvedObject.name === "frozen-a" && /blocking budget/.test(e.message)));
      const passes = h.disruption.reconciler.passes;
      await wait("three more disruption passes", () => (h.disruption.reconciler.passes >= passes + 3 ? true : undefined));
      assert.ok(!deleting(h, "frozen-a") && !deleting(h, "frozen-b"), "empty nodes stay while the budget is 0");
      assert.equal(h.disruption.reconciler.waiting, undefined);
      assert.match(await h.registry.getSingleMetricAsString("karpenter_nodepools_allowed_disruptions"), /nodepool="frozen",reason="Empty"\} 0/);
    } finally {
      await wipe(h);
    }
  });

  it("keeps a node whose pod says do-not-disrupt, marks consolidatable nodes, and expires claims regardless", async () => {
    try {
      await createPool(h, "dnd", { budgets: [{ nodes: "0" }] });
      await createNode(h, "dnd-a", "dnd", "c.4x");
      await createNode(h, "dnd-b", "dnd", "c.4x");
      await createPod(h, podOn("keep", "dnd-a", { annotations: { "karpenter.sh/do-not-disrupt": "true" } }));
      const e = await wait("an explanation naming the pod", () =>
        h.events.find((x) => x.involvedObject.kind === "NodeClaim" && x.involvedObject.name === "dnd-a" && /pod default\/keep has the "karpenter.sh\/do-not-disrupt" annotation/.test(x.message)),
      );
      assert.equal(e.reason, "Unconsolidatable");
      const consolidatable = await wait("Consolidatable on dnd-b", async () => {
        const c = await readClaim(h, "dnd-b");
        return c?.status?.conditions?.find((x) => x.type === "Consolidatable" && x.status === "True");
      });
      assert.match(consolidatable.message ?? "", /blocking budget/, "the condition says why the node is still there");
      assert.ok(!deleting(h, "dnd-a"));
      // Expiration is forceful: it ignores the zero budget and the do-not-disrupt pod.
      await createNode(h, "dnd-old", "dnd", "c.2x", { expireAfter: "5s" });
      await createPod(h, podOn("keep-too", "dnd-old", { cpu: "100m", annotations: { "karpenter.sh/do-not-disrupt": "true" } }));
      await wait("the expired claim deleted", () => (deleting(h, "dnd-old") ? true : undefined), 30_000);
      assert.match(await h.registry.getSingleMetricAsString("karpenter_nodeclaims_disrupted_total"), /reason="expired",nodepool="dnd"/);
    } finally {
      await wipe(h);
    }
  });
});
