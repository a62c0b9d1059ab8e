// A buffer's room and disruption: the virtual pods placed on the nodes that have room for them
// read as pods bound there, so emptiness keeps such a node and consolidation must find the room
// elsewhere (or keep it), as the brief's "consolidation never removes that room" asks.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { CapacityBufferSchema } from "../../apis/capacitybuffer.js";
import type { DisruptionInput } from "../../disruption/types.js";
import { T0, clusterInput, managedNode, nodePool, planChecked, pod, standardSizes } from "../../../test/kit/disruption.js";
import { classifyBufferPods, placeVirtualPods, withVirtualPods } from "./placement.js";
import { buildVirtualPods, isVirtualPod } from "./virtualpods.js";

const { c1, c4 } = standardSizes();
const buffer = CapacityBufferSchema.parse({ apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", metadata: { name: "room", namespace: "default", uid: "u1" }, spec: { podTemplateRef: { name: "t" }, replicas: 1 } });
const virtual = (cpu: string, n = 1) => buildVirtualPods(buffer, { metadata: { labels: { app: "room" } }, spec: { containers: [{ name: "c", image: "pause", resources: { requests: { cpu, memory: "128Mi" } } }] } }, n);

/** The input as the disruption controller builds it with the buffers' virtual pods placed. */
function withBuffer(input: DisruptionInput, pods: V1Pod[]): DisruptionInput {
  const index = {
    podsOnNode: (n: string) => input.pods.filter((p) => p.spec?.nodeName === n),
    pendingPods: () => [],
    pod: () => undefined,
  };
  const placed = placeVirtualPods(pods, { nodes: input.nodes, nodeClaims: input.nodeClaims, daemonSets: [], nodePools: input.nodePools, instanceTypes: new Map(input.instanceTypes), index, now: T0 });
  return { ...input, pods: [...input.pods, ...placed.bound, ...placed.pending], index: withVirtualPods(index, placed) };
}

describe("CapacityBuffer room under disruption", () => {
  it("an empty node holding a buffer's room is not empty", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const input = clusterInput({ pools: [np], nodes: [managedNode("a", { pool: np, type: c4 })] });
    assert.equal(planChecked(input, { now: T0 }).command?.method, "emptiness", "without a buffer the node goes");
    const plan = planChecked(withBuffer(input, virtual("3")), { now: T0 });
    assert.notEqual(plan.command?.method, "emptiness");
    // Nor is it swapped for a node too small for the room: a replacement must hold 3 CPUs.
    for (const r of plan.command?.replacements ?? []) for (const t of r.planned.instanceTypes) assert.ok((t.capacity["cpu"] ?? 0) >= 3000, `${t.name} cannot hold the buffer`);
  });

  it("consolidation keeps the room: what a command leaves holds the pods and the room", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const nodes = [managedNode("a", { pool: np, type: c4 }), managedNode("b", { pool: np, type: c4 })];
    const pods = [pod("pa", { node: "a", cpu: "500m" }), pod("pb", { node: "b", cpu: "500m" })];
    const input = clusterInput({ pools: [np], nodes, pods });
    /** Millicores left after the command: the nodes it keeps, plus the least each replacement may be. */
    const left = (plan: ReturnType<typeof planChecked>) => {
      const gone = new Set(plan.command?.candidates.map((c) => c.name) ?? []);
      const kept = nodes.filter((n) => !gone.has(n.node.metadata?.name ?? "")).length * 4000;
      return kept + (plan.command?.replacements ?? []).reduce((s, r) => s + Math.min(...r.planned.instanceTypes.map((t) => t.capacity["cpu"] ?? 0)), 0);
    };
    const bare = planChecked(input, { now: T0 });
    assert.ok(bare.command && left(bare) < 4000, "without a buffer the two nodes shrink below pods + 3 CPUs");
    for (const cpu of ["3", "2", "1"]) {
      const plan = planChecked(withBuffer(input, virtual(cpu)), { now: T0 });
      assert.ok(left(plan) >= 1000 + (cpu.endsWith("m") ? Number.parseFloat(cpu) : Number.parseFloat(cpu) * 1000), `${cpu} of room: ${left(plan)}m left by ${plan.command?.method} ${plan.command?.decision}`);
    }
  });

  it("room that fits on no node stays pending and does not hold back consolidation", () => {
    const np = nodePool("p", { budgets: [{ nodes: "100%" }] });
    const input = clusterInput({ pools: [np], nodes: [managedNode("a", { pool: np, type: c1 })] });
    const index = { podsOnNode: () => [], pendingPods: () => [], pod: () => undefined };
    const placed = placeVirtualPods(virtual("2"), { nodes: input.nodes, nodeClaims: input.nodeClaims, daemonSets: [], nodePools: input.nodePools, instanceTypes: new Map(input.instanceTypes), index, now: T0 });
    assert.equal(placed.bound.length, 0);
    assert.equal(placed.pending.length, 1);
    assert.equal(planChecked(withBuffer(input, virtual("2")), { now: T0 }).command?.method, "emptiness");
  });

  it("virtual pods carry Karpenter's annotations, the lowest priority, and no claim-backed volumes", () => {
    const [p] = buildVirtualPods(buffer, { spec: { nodeName: "x", containers: [{ name: "c", image: "i", volumeMounts: [{ name: "data", mountPath: "/d" }, { name: "cfg", mountPath: "/c" }] }], volumes: [{ name: "data", persistentVolumeClaim: { claimName: "d" } }, { name: "cfg", configMap: { name: "c" } }] } }, 1);
    assert.ok(p && isVirtualPod(p));
    assert.equal(p.metadata?.annotations?.["karpenter.sh/capacity-buffer-name"], "room");
    assert.equal(p.spec?.priority, -2147483648);
    assert.equal(p.spec?.nodeName, undefined);
    assert.deepEqual(p.spec?.volumes?.map((v) => v.name), ["cfg"]);
    assert.deepEqual(p.spec?.containers[0]?.volumeMounts?.map((v) => v.name), ["cfg"]);
  });

  it("classifies where the plan put each buffer's pods", () => {
    const [a, b, c] = virtual("1", 3) as [V1Pod, V1Pod, V1Pod];
    const m = classifyBufferPods({ existingNodes: [{ name: "n", pods: [a] }], nodeClaims: [{ pods: [b] } as never], unschedulable: [{ pod: c, message: "" } as never], totalPricePerHour: 0, lowerBoundPricePerHour: 0, costRatio: 1, rejected: [] });
    assert.deepEqual(m.get("default/room"), { existing: 1, newCapacity: 1, failed: 1 });
  });
});
