// Builders for small synthetic scheduling inputs, and helpers to read plans. Pods are pending and
// ask for nothing unless told (the shared builder's defaults).
import type { V1DaemonSet, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod, V1StorageClass, V1Taint } from "@kubernetes/client-node";
import type { NodePool } from "../../src/apis/nodepool.js";
import { ArchLabel, HostnameLabel, OSLabel, ZoneLabel } from "../../src/apis/labels.js";
import type { InstanceType, ResourceList } from "../../src/cloudprovider/types.js";
import type { ExistingNode, SchedulingInput, SchedulingResult } from "../../src/scheduling/types.js";
import { Gi, type PodOptions, nodePool, pod } from "./builders.js";
import { catalog } from "./instancetypes.js";

export { Gi, Mi, daemonSet, nodePool, pod, type PodOptions, type PoolOptions } from "./builders.js";
export { Zones, catalog, instanceType, type TypeOptions } from "./instancetypes.js";

/** n identical pods named prefix-0 … */
export function pods(n: number, prefix: string, o: PodOptions = {}): V1Pod[] {
  return Array.from({ length: n }, (_, i) => pod(`${prefix}-${i}`, o));
}

export function existingNode(name: string, o: { labels?: Record<string, string>; taints?: V1Taint[]; cpu?: number; memGi?: number; pods?: V1Pod[]; inFlight?: boolean; nodePool?: string; markedForDeletion?: boolean; startupTaints?: V1Taint[]; maxPods?: number; extra?: ResourceList } = {}): ExistingNode {
  return {
    name,
    nodePool: o.nodePool,
    labels: { [HostnameLabel]: name, [ZoneLabel]: "zone-a", [ArchLabel]: "amd64", [OSLabel]: "linux", ...(o.labels ?? {}) },
    taints: o.taints ?? [],
    allocatable: { cpu: (o.cpu ?? 4) * 1000, memory: (o.memGi ?? 16) * Gi, pods: o.maxPods ?? 110, ...(o.extra ?? {}) },
    pods: (o.pods ?? []).map((p) => ({ ...p, spec: { ...p.spec!, nodeName: name }, status: { phase: p.status?.phase === "Pending" ? "Running" : p.status?.phase } })),
    inFlight: o.inFlight ?? false,
    markedForDeletion: o.markedForDeletion,
    startupTaints: o.startupTaints,
  };
}

export interface InputOptions {
  pods: V1Pod[];
  pools?: NodePool[];
  types?: InstanceType[] | Record<string, InstanceType[]>;
  nodes?: ExistingNode[];
  daemonSets?: V1DaemonSet[];
  volumes?: { claims?: V1PersistentVolumeClaim[]; volumes?: V1PersistentVolume[]; storageClasses?: V1StorageClass[] };
  usage?: Record<string, ResourceList>;
  ignorePreferences?: boolean;
  minValuesPolicy?: "Strict" | "BestEffort";
  maxInstanceTypes?: number;
  namespaces?: Record<string, Record<string, string>>;
}

export function input(o: InputOptions): SchedulingInput {
  // The default pool allows every capacity type; a pool that names none buys on-demand only (see nodepools.test.ts).
  const pools = o.pools ?? [nodePool("default", { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["reserved", "spot", "on-demand"] }] })];
  const types = o.types ?? catalog();
  const byPool = new Map<string, InstanceType[]>();
  for (const p of pools) byPool.set(p.metadata.name!, Array.isArray(types) ? types : (types[p.metadata.name!] ?? []));
  return {
    pods: o.pods,
    nodePools: pools,
    instanceTypes: byPool,
    existingNodes: o.nodes ?? [],
    daemonSets: o.daemonSets ?? [],
    volumes: o.volumes ? { claims: o.volumes.claims ?? [], volumes: o.volumes.volumes ?? [], storageClasses: o.volumes.storageClasses ?? [] } : undefined,
    nodePoolUsage: o.usage ? new Map(Object.entries(o.usage)) : undefined,
    namespaces: o.namespaces ? Object.entries(o.namespaces).map(([name, labels]) => ({ metadata: { name, labels } })) : undefined,
    options: { ignorePreferences: o.ignorePreferences, maxInstanceTypes: o.maxInstanceTypes, ...(o.minValuesPolicy ? { minValuesPolicy: o.minValuesPolicy } : {}) },
  };
}

/** Where each pod went: "claim:<index>", "node:<name>" or "unschedulable". */
export function placements(r: SchedulingResult): Map<string, string> {
  const out = new Map<string, string>();
  r.nodeClaims.forEach((c, i) => c.pods.forEach((p) => out.set(p.metadata!.name!, `claim:${i}`)));
  for (const n of r.existingNodes) for (const p of n.pods) out.set(p.metadata!.name!, `node:${n.name}`);
  for (const u of r.unschedulable) out.set(u.pod.metadata!.name!, "unschedulable");
  return out;
}

/** The claim (or existing node) a pod landed on. */
export function whereIs(r: SchedulingResult, name: string): string | undefined {
  return placements(r).get(name);
}

export function claimOf(r: SchedulingResult, podName: string) {
  return r.nodeClaims.find((c) => c.pods.some((p) => p.metadata!.name === podName));
}

/** The value a claim will have for a label: from its labels or single-valued requirement. */
export function claimLabel(c: SchedulingResult["nodeClaims"][number], key: string): string | undefined {
  if (key === HostnameLabel) return c.hostname;
  if (c.labels[key] !== undefined) return c.labels[key];
  const r = c.requirements.find((x) => x.key === key && x.operator === "In");
  return r?.values?.length === 1 ? r.values[0] : undefined;
}

/** A scenario: inputs and what must come out. */
export interface Scenario {
  name: string;
  input: () => SchedulingInput;
  expect: (r: SchedulingResult) => void;
}

/** Pods grouped by the hostname they landed on (claims and existing nodes). */
export function podsByHost(r: SchedulingResult): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of r.nodeClaims) out.set(c.hostname, c.pods.map((p) => p.metadata!.name!));
  for (const n of r.existingNodes) out.set(n.name, n.pods.map((p) => p.metadata!.name!));
  return out;
}

/** Count of placed pods matching `labels` per value of `key` on their node (claims and existing nodes). */
export function countBy(r: SchedulingResult, inp: SchedulingInput, key: string, match: (p: V1Pod) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of r.nodeClaims) {
    const d = claimLabel(c, key);
    for (const p of c.pods) if (match(p) && d !== undefined) out.set(d, (out.get(d) ?? 0) + 1);
  }
  for (const n of r.existingNodes) {
    const node = inp.existingNodes.find((x) => x.name === n.name)!;
    const d = node.labels[key];
    for (const p of n.pods) if (match(p) && d !== undefined) out.set(d, (out.get(d) ?? 0) + 1);
  }
  return out;
}

export { solveChecked } from "./check.js";
