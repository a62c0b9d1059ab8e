import assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { after, describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { parseNodePool } from "../../apis/index.js";
import { loadCatalogInstanceTypes } from "../../cloudprovider/aws/catalog.js";
import { fakeInstanceType } from "../../cloudprovider/fake/index.js";
import { solve } from "../../scheduling/index.js";
import type { SchedulingInput } from "../../scheduling/types.js";
import { SolveAbandonedError, SolverThread } from "./solverthread.js";

const pool = (name: string) =>
  parseNodePool({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: { template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } },
  });

const cpus = ["100m", "250m", "500m", "1", "1500m"];
const mems = ["100Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"];

/** `n` pods of assorted sizes; every third needs a node of its own (hostname anti-affinity within its app), which makes the solve work. */
function pods(n: number): V1Pod[] {
  return Array.from({ length: n }, (_, i) => {
    const app = `app-${i % 40}`;
    const anti = i % 3 === 0 ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { app } } }] } } : undefined;
    return {
      metadata: { name: `p-${i}`, namespace: "ns", uid: `uid-${i}`, labels: { app } },
      spec: { ...(anti ? { affinity: anti } : {}), containers: [{ name: "c", image: "x", resources: { requests: { cpu: cpus[i % cpus.length]!, memory: mems[(i * 7) % mems.length]! } } }] },
      status: { phase: "Pending" },
    };
  });
}

describe("SolverThread", () => {
  const thread = new SolverThread();
  after(() => thread.stop());

  it("returns the solver's plan over the caller's own pod and instance-type objects", async () => {
    const types = [fakeInstanceType({ name: "fake.large", cpu: 2, memoryMiB: 8192, price: 0.1 }), fakeInstanceType({ name: "fake.xlarge", cpu: 4, memoryMiB: 16384, price: 0.2 })];
    const input: SchedulingInput = { pods: [...pods(30), { ...pods(1)[0]!, metadata: { name: "huge", namespace: "ns", uid: "huge" }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "64" } } }] } }], nodePools: [pool("a"), pool("b")], instanceTypes: new Map([["a", types], ["b", types]]), existingNodes: [], daemonSets: [] };
    const here = solve(input);
    const there = await thread.solve(input);
    // The exact stage reports how long it took, which differs from run to run: everything else is the same plan.
    const untimed = (r: typeof here) => (r.exact ? { ...r, exact: { ...r.exact, milliseconds: 0 } } : r);
    assert.deepEqual(untimed(there), untimed(here));
    const inputPods = new Set(input.pods);
    for (const c of there.nodeClaims) {
      for (const p of c.pods) assert.ok(inputPods.has(p), "a claim's pod is the caller's object");
      for (const t of c.instanceTypes) assert.ok(types.includes(t), "a claim's instance type is the caller's object");
    }
    assert.equal(there.unschedulable.length, 1);
    assert.equal(there.unschedulable[0]!.pod, input.pods.at(-1));
  });

  it("keeps the event loop responsive while it solves: no delay near a second, nor near the solve's length", async () => {
    const input: SchedulingInput = { pods: pods(1_500), nodePools: [pool("default")], instanceTypes: new Map([["default", loadCatalogInstanceTypes("us-east-1")]]), existingNodes: [], daemonSets: [] };
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    const started = performance.now();
    const r = await thread.solve(input);
    const solveMs = performance.now() - started;
    h.disable();
    const maxMs = h.max / 1e6;
    assert.ok(r.nodeClaims.length > 0);
    // What a solve on the main thread would have held the loop for, at least: the whole solve.
    assert.ok(maxMs < 1_000, `event loop held for ${maxMs.toFixed(0)} ms during a ${solveMs.toFixed(0)} ms solve`);
    assert.ok(maxMs < solveMs / 2, `event loop held for ${maxMs.toFixed(0)} ms during a ${solveMs.toFixed(0)} ms solve`);
  });

  it("abandons a solve when its signal aborts, and solves again afterwards", async () => {
    const input: SchedulingInput = { pods: pods(1_500), nodePools: [pool("default")], instanceTypes: new Map([["default", loadCatalogInstanceTypes("us-east-1")]]), existingNodes: [], daemonSets: [] };
    const abort = new AbortController();
    const running = thread.solve(input, abort.signal);
    abort.abort();
    await assert.rejects(running, SolveAbandonedError);
    await assert.rejects(thread.solve(input, abort.signal), SolveAbandonedError);
    const small: SchedulingInput = { ...input, pods: pods(3) };
    assert.equal((await thread.solve(small)).unschedulable.length, 0);
  });
});
