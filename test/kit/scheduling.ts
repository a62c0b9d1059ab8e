// Builders for small synthetic scheduling inputs, and helpers to read plans.
import type {
  V1Affinity,
  V1Container,
  V1DaemonSet,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StorageClass,
  V1Taint,
  V1Toleration,
  V1TopologySpreadConstraint,
  V1Volume,
} from "@kubernetes/client-node";
import type { NodePool } from "../../src/apis/nodepool.js";
import { parseNodePool } from "../../src/apis/parse.js";
import {
  ArchLabel,
  CapacityTypeLabel,
  HostnameLabel,
  InstanceCategoryLabel,
  InstanceCPULabel,
  InstanceFamilyLabel,
  InstanceGenerationLabel,
  InstanceMemoryLabel,
  InstanceSizeLabel,
  InstanceTypeLabel,
  OSLabel,
  ZoneLabel,
} from "../../src/apis/labels.js";
import type { CapacityType } from "../../src/apis/labels.js";
import type { InstanceType, Offering, RequirementSpec, ResourceList } from "../../src/cloudprovider/types.js";
import type { ExistingNode, SchedulingInput, SchedulingResult } from "../../src/scheduling/types.js";

export const Gi = 2 ** 30;
export const Mi = 2 ** 20;
export const Zones = ["zone-a", "zone-b", "zone-c"];

export interface TypeOptions {
  cpu: number;
  memGi: number;
  pods?: number;
  price?: number;
  /** Per-offering prices override; keys "zone/capacityType". */
  prices?: Record<string, number>;
  zones?: string[];
  capacityTypes?: CapacityType[];
  /** "zone/capacityType" offerings that are unavailable. */
  unavailable?: string[];
  arch?: string;
  family?: string;
  extra?: ResourceList;
  labels?: Record<string, string>;
  kubeReserved?: ResourceList;
  reservation?: { id: string; zone: string; capacity: number; price: number };
}

/** An instance type shaped like the AWS provider's: offerings per zone × capacity type, labels as requirements. */
export function instanceType(name: string, o: TypeOptions): InstanceType {
  const zones = o.zones ?? Zones;
  const cts = o.capacityTypes ?? ["on-demand"];
  const base = o.price ?? o.cpu * 0.04 + o.memGi * 0.005;
  const offerings: Offering[] = [];
  for (const zone of zones) {
    for (const ct of cts) {
      const key = `${zone}/${ct}`;
      const price = o.prices?.[key] ?? (ct === "spot" ? base * 0.4 : base);
      offerings.push({ zone, capacityType: ct, price, available: !(o.unavailable ?? []).includes(key) });
    }
  }
  if (o.reservation) {
    offerings.push({ zone: o.reservation.zone, capacityType: "reserved", price: o.reservation.price, available: true, reservationID: o.reservation.id, reservationCapacity: o.reservation.capacity });
  }
  const family = o.family ?? name.split(".")[0]!;
  const reqs: RequirementSpec[] = [
    { key: InstanceTypeLabel, operator: "In", values: [name] },
    { key: ArchLabel, operator: "In", values: [o.arch ?? "amd64"] },
    { key: OSLabel, operator: "In", values: ["linux"] },
    { key: ZoneLabel, operator: "In", values: [...new Set(offerings.map((x) => x.zone))] },
    { key: CapacityTypeLabel, operator: "In", values: [...new Set(offerings.map((x) => x.capacityType))] },
    { key: InstanceFamilyLabel, operator: "In", values: [family] },
    { key: InstanceCategoryLabel, operator: "In", values: [family[0]!] },
    { key: InstanceGenerationLabel, operator: "In", values: [family.replace(/[^0-9]/g, "") || "1"] },
    { key: InstanceSizeLabel, operator: "In", values: [name.split(".")[1] ?? "x"] },
    { key: InstanceCPULabel, operator: "In", values: [String(o.cpu)] },
    { key: InstanceMemoryLabel, operator: "In", values: [String(o.memGi * 1024)] },
  ];
  for (const [k, v] of Object.entries(o.labels ?? {})) reqs.push({ key: k, operator: "In", values: [v] });
  return {
    name,
    requirements: reqs,
    offerings,
    capacity: { cpu: o.cpu * 1000, memory: o.memGi * Gi, pods: o.pods ?? 110, "ephemeral-storage": 100 * Gi, ...(o.extra ?? {}) },
    overhead: { kubeReserved: o.kubeReserved ?? {}, systemReserved: {}, evictionThreshold: {} },
  };
}

/** A small catalog: c (1:2), m (1:4), r (1:8) families, sizes 2–16 cpu, prices roughly AWS-like. */
export function catalog(o: Partial<TypeOptions> = {}): InstanceType[] {
  const out: InstanceType[] = [];
  const fams: [string, number, number][] = [
    ["c5", 2, 0.0425],
    ["m5", 4, 0.048],
    ["r5", 8, 0.063],
  ];
  for (const [fam, ratio, perCpu] of fams) {
    for (const [size, cpu] of [
      ["large", 2],
      ["xlarge", 4],
      ["2xlarge", 8],
      ["4xlarge", 16],
    ] as const) {
      out.push(instanceType(`${fam}.${size}`, { cpu, memGi: cpu * ratio, price: cpu * perCpu, ...o }));
    }
  }
  return out;
}

export interface PoolOptions {
  requirements?: RequirementSpec[];
  labels?: Record<string, string>;
  taints?: V1Taint[];
  startupTaints?: V1Taint[];
  weight?: number;
  limits?: Record<string, string | number>;
}

export function nodePool(name: string, o: PoolOptions = {}): NodePool {
  return parseNodePool({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name },
    spec: {
      weight: o.weight,
      limits: o.limits,
      template: {
        metadata: o.labels ? { labels: o.labels } : undefined,
        spec: {
          requirements: o.requirements ?? [],
          taints: o.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect as "NoSchedule" })),
          startupTaints: o.startupTaints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect as "NoSchedule" })),
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" },
        },
      },
    },
  });
}

export interface PodOptions {
  cpu?: string;
  memory?: string;
  ns?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  affinity?: V1Affinity;
  tolerations?: V1Toleration[];
  spread?: V1TopologySpreadConstraint[];
  hostPorts?: { port: number; protocol?: string; ip?: string }[];
  volumes?: V1Volume[];
  requests?: Record<string, string>;
  initContainers?: V1Container[];
  containers?: V1Container[];
  overhead?: Record<string, string>;
  nodeName?: string;
  phase?: string;
  deleting?: boolean;
}

let uid = 0;

export function pod(name: string, o: PodOptions = {}): V1Pod {
  const requests: Record<string, string> = { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}), ...(o.requests ?? {}) };
  const containers: V1Container[] = o.containers ?? [
    {
      name: "app",
      image: "pause",
      resources: { requests },
      ports: o.hostPorts?.map((p) => ({ containerPort: p.port, hostPort: p.port, protocol: p.protocol, hostIP: p.ip })),
    },
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: o.ns ?? "default", uid: `uid-${name}-${uid++}`, labels: o.labels ?? {}, ...(o.deleting ? { deletionTimestamp: new Date(0) } : {}) },
    spec: {
      containers,
      initContainers: o.initContainers,
      nodeSelector: o.nodeSelector,
      affinity: o.affinity,
      tolerations: o.tolerations,
      topologySpreadConstraints: o.spread,
      volumes: o.volumes,
      overhead: o.overhead,
      nodeName: o.nodeName,
    },
    status: { phase: o.phase ?? "Pending" },
  };
}

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
    options: { ignorePreferences: o.ignorePreferences, maxInstanceTypes: o.maxInstanceTypes },
  };
}

export function daemonSet(name: string, o: { cpu?: string; memory?: string; nodeSelector?: Record<string, string>; tolerations?: V1Toleration[]; affinity?: V1Affinity } = {}): V1DaemonSet {
  return {
    metadata: { name, namespace: "kube-system" },
    spec: {
      selector: { matchLabels: { ds: name } },
      template: {
        metadata: { labels: { ds: name } },
        spec: {
          containers: [{ name: "d", image: "d", resources: { requests: { ...(o.cpu ? { cpu: o.cpu } : {}), ...(o.memory ? { memory: o.memory } : {}) } } }],
          nodeSelector: o.nodeSelector,
          tolerations: o.tolerations,
          affinity: o.affinity,
        },
      },
    },
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
