// Stability end to end on the local cluster: a Deployment scaled to a few hundred small pods brings
// up tens of nodes, and then, while nothing changes, tenon disrupts nothing at all — no NodeClaim
// deleted, no pod evicted, no Drifted condition — over a window of disruption passes (counted from
// the controller's own metrics, not a fixed sleep). Before the fix, the kubelet bridge attaching
// a node's security group shortly before registration made tenon judge instances it saw too early
// as SecurityGroupDrift, and the replacements drifted in turn.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../src/apis/nodeclaim.js";
import type { ControllerProcess } from "../env/devcluster.js";
import { deployment } from "./fixtures.js";
import { type E2E, isRunning, logged, note, seconds, until, useE2E } from "./harness.js";

const REPLICAS = 320;
/** Disruption passes that must go by, every node initialized, before the window closes. */
const PASSES = 6;

const live = (c: NodeClaim) => c.metadata.deletionTimestamp === undefined;
const drifted = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Drifted" && x.status === "True");
const initialized = (c: NodeClaim) => (c.status?.conditions ?? []).some((x) => x.type === "Initialized" && x.status === "True");

/** The sum of a metric's samples whose labels include every given pair (0 when absent). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const set = m[2] ?? "";
    if (Object.entries(labels).some(([k, v]) => !set.includes(`${k}="${v}"`))) continue;
    sum += Number(m[3]);
  }
  return sum;
}

/** Completed disruption passes: every pass evaluates drift once and records how long it took. */
const passes = async (c: ControllerProcess): Promise<number> =>
  metricSum(await c.metrics(), "karpenter_voluntary_disruption_decision_evaluation_duration_seconds_count", { reason: "drifted" });

describe("stability end to end", { timeout: 1_800_000 }, () => {
  const env = useE2E();

  it(`scales to ${REPLICAS} pods on tens of nodes, then disrupts nothing while nothing changes`, async () => {
    const e: E2E = env();
    // Up to 8 vCPUs a node: a few hundred 1-CPU pods need tens of nodes.
    e.nodePool({ maxCPU: 8 });
    const controller = await e.start("controller");
    const opts = (timeoutMs: number) => ({ timeoutMs, intervalMs: 2000, controllers: [controller] });
    await e.reader.core.createNamespace({ body: { metadata: { name: "steady" } } });
    const started = Date.now();
    e.apply(deployment({ name: "steady", namespace: "steady", replicas: REPLICAS, cpu: "1", memory: "128Mi" }));

    const settled = await until(
      `${REPLICAS} pods running on initialized nodes`,
      async () => {
        const p = await e.reader.progress("app=steady", "steady");
        note(`steady: ${p.running}/${REPLICAS} running, ${p.pending} pending, ${p.nodeClaims} nodeclaims (${p.initialized} initialized)`);
        const claims = p.claims.filter(live);
        return p.running === REPLICAS && p.pods.length === REPLICAS && claims.length > 0 && claims.every(initialized) ? p : undefined;
      },
      opts(1_200_000),
    );
    const scaledIn = Date.now() - started;
    const claims = settled.claims.filter(live);
    assert.ok(claims.length >= 20, `tens of nodes for ${REPLICAS} 1-CPU pods on nodes of up to 8 vCPUs (got ${claims.length})`);

    // The window: PASSES disruption passes after every node was initialized and every pod ran.
    const claimUIDs = new Map(claims.map((c) => [c.metadata.name ?? "", c.metadata.uid ?? ""]));
    const podUIDs = new Set(settled.pods.map((p) => p.metadata?.uid ?? ""));
    const from = await passes(controller);
    const windowStart = Date.now();
    await until(
      `${PASSES} disruption passes`,
      async () => {
        const n = (await passes(controller)) - from;
        note(`steady: ${n}/${PASSES} passes in the window`);
        return n >= PASSES ? true : undefined;
      },
      opts(600_000),
    );
    const window = Date.now() - windowStart;

    const after = await e.reader.progress("app=steady", "steady");
    const metrics = await controller.metrics();
    const nowClaims = after.claims;
    assert.deepEqual(
      nowClaims.filter((c) => !live(c) || claimUIDs.get(c.metadata.name ?? "") !== c.metadata.uid).map((c) => c.metadata.name),
      [],
      "no NodeClaim deleted or replaced",
    );
    assert.deepEqual([...claimUIDs.keys()].filter((n) => !nowClaims.some((c) => c.metadata.name === n)), [], "every NodeClaim still there");
    assert.deepEqual(nowClaims.filter(drifted).map((c) => c.metadata.name), [], "no Drifted condition");
    assert.equal(after.running, REPLICAS, "every pod still running");
    assert.deepEqual(after.pods.filter((p) => !podUIDs.has(p.metadata?.uid ?? "")).map((p) => p.metadata?.name), [], "no pod evicted and replaced");
    // From the start of the scale-up, not just the window: nothing was ever disrupted.
    assert.equal(metricSum(metrics, "karpenter_voluntary_disruption_decisions_total"), 0, "no disruption decision");
    assert.equal(metricSum(metrics, "karpenter_nodeclaims_disrupted_total"), 0, "no NodeClaim disrupted");
    const created = metricSum(metrics, "karpenter_nodeclaims_created_total");
    assert.equal(created, claims.length, "every NodeClaim ever created is still there (none was a replacement)");
    assert.ok(after.pods.every(isRunning));
    assert.deepEqual(logged(controller, /^nodeclaim drifted/).map((l) => (l.NodeClaim as { name?: string } | undefined)?.name), [], "no NodeClaim was ever found drifted");
    console.log(`    ${REPLICAS} pods on ${claims.length} nodes in ${seconds(scaledIn)}; then ${PASSES} disruption passes in ${seconds(window)}: nothing disrupted`);
  });
});
