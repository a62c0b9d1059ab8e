// Where a buffer's virtual pods sit. For the Provisioning condition: how many the provisioner's
// plan put on existing capacity, how many needed new NodeClaims and how many found no place. For
// disruption: the virtual pods placed on the existing nodes (by the same solver, launching
// nothing), so each node's share of the buffer's room reads as pods bound to it — a node holding
// them is not empty, and consolidating it must find them another place, as it must for real pods.
// Pure.
import type { V1DaemonSet, V1Node, V1Pod } from "@kubernetes/client-node";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import type { NodePool } from "../../apis/nodepool.js";
import type { InstanceType } from "../../cloudprovider/types.js";
import { solve } from "../../scheduling/index.js";
import type { SchedulingResult } from "../../scheduling/types.js";
import type { ModelIndex } from "../../state/model.js";
import { buildSchedulingInput } from "../provisioning/input.js";
import { bufferOf, isVirtualPod } from "./virtualpods.js";

export interface BufferPlacement {
  existing: number;
  newCapacity: number;
  failed: number;
}

/** Per buffer ("namespace/name"), where the plan put its virtual pods; `refused` are pods of claims the limits refused. */
export function classifyBufferPods(result: SchedulingResult, refused: readonly V1Pod[] = []): Map<string, BufferPlacement> {
  const out = new Map<string, BufferPlacement>();
  const count = (pods: readonly V1Pod[], field: keyof BufferPlacement) => {
    for (const p of pods) {
      const key = bufferOf(p);
      if (key === undefined) continue;
      const s = out.get(key) ?? { existing: 0, newCapacity: 0, failed: 0 };
      s[field] += 1;
      out.set(key, s);
    }
  };
  const refusedSet = new Set(refused);
  count(result.existingNodes.flatMap((e) => e.pods), "existing");
  count(result.nodeClaims.flatMap((c) => c.pods).filter((p) => !refusedSet.has(p)), "newCapacity");
  count([...result.unschedulable.map((u) => u.pod), ...refused], "failed");
  return out;
}

export interface ClusterSnapshot {
  nodes: readonly V1Node[];
  nodeClaims: readonly NodeClaim[];
  daemonSets: readonly V1DaemonSet[];
  nodePools: readonly NodePool[];
  instanceTypes: Map<string, InstanceType[]>;
  index: ModelIndex;
  now: number;
}

/**
 * The virtual pods that fit on Nodes as they are, bound there (spec.nodeName set), and the rest
 * (which fit nowhere yet, or only on NodeClaims still without a Node), left pending.
 */
export function placeVirtualPods(virtual: readonly V1Pod[], c: ClusterSnapshot): { bound: V1Pod[]; pending: V1Pod[] } {
  if (virtual.length === 0) return { bound: [], pending: [] };
  const index: ModelIndex = { podsOnNode: (n) => c.index.podsOnNode(n), pendingPods: () => virtual, pod: (k) => c.index.pod(k) };
  const built = buildSchedulingInput(
    { pods: virtual, nodes: c.nodes, nodeClaims: c.nodeClaims, daemonSets: c.daemonSets, nodePools: c.nodePools, index },
    { nodePools: [], instanceTypes: c.instanceTypes, nominations: new Map(), now: c.now },
  );
  const input = { ...built.input, pods: built.input.pods.filter(isVirtualPod), options: { ...built.input.options, skipImprovement: true } };
  const result = solve(input);
  const placed = new Map<V1Pod, string>();
  for (const e of result.existingNodes) {
    if (built.claimsWithoutNode.has(e.name)) continue;
    for (const p of e.pods) placed.set(p, e.name);
  }
  const bound: V1Pod[] = [];
  const pending: V1Pod[] = [];
  for (const p of virtual) {
    const node = placed.get(p);
    if (node === undefined) pending.push(p);
    else bound.push({ ...p, spec: { ...p.spec!, nodeName: node }, status: { phase: "Running" } });
  }
  return { bound, pending };
}

/** `index` with the virtual pods added: bound ones on their nodes, the others pending. */
export function withVirtualPods(index: ModelIndex, placed: { bound: readonly V1Pod[]; pending: readonly V1Pod[] }): ModelIndex {
  if (placed.bound.length === 0 && placed.pending.length === 0) return index;
  const byNode = new Map<string, V1Pod[]>();
  const byKey = new Map<string, V1Pod>();
  for (const p of placed.bound) {
    const n = p.spec?.nodeName ?? "";
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  for (const p of [...placed.bound, ...placed.pending]) byKey.set(`${p.metadata?.namespace}/${p.metadata?.name}`, p);
  return {
    podsOnNode: (n) => {
      const extra = byNode.get(n);
      return extra ? [...index.podsOnNode(n), ...extra] : index.podsOnNode(n);
    },
    pendingPods: () => [...index.pendingPods(), ...placed.pending],
    pod: (k) => index.pod(k) ?? byKey.get(k),
  };
}
