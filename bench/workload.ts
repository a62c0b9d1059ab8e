// The scheduling benchmark's workload, exactly as /work/shared/bench/scheduling-workload.md
// states it (the same workload as Karpenter's own scheduling benchmark, so the two compare):
// 400 synthetic instance types, one NodePool, the "diverse" pod mix and the preference pods.
// Everything random comes from one seeded generator, so every run sees the same pods.
import type { V1Affinity, V1Pod, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import type { NodePool } from "../src/apis/nodepool.js";
import { parseNodePool } from "../src/apis/parse.js";
import { ArchLabel, CapacityTypeLabel, HostnameLabel, InstanceTypeLabel, OSLabel, ZoneLabel } from "../src/apis/labels.js";
import type { InstanceType, Offering } from "../src/cloudprovider/types.js";

const Mi = 2 ** 20;
const Gi = 2 ** 30;

export const Zones = ["test-zone-1", "test-zone-2", "test-zone-3"] as const;
export const LabelValues = ["a", "b", "c", "d", "e", "f", "g"] as const;
/** cpu requests in millicores: 100m, 250m, 500m, 1000m, 1500m. */
export const CPURequests = ["100m", "250m", "500m", "1000m", "1500m"] as const;
export const MemoryRequests = ["100Mi", "256Mi", "512Mi", "1Gi", "2Gi", "4Gi"] as const;
export const DiverseSizes = [1, 50, 100, 500, 1_000, 2_000, 5_000, 10_000, 20_000] as const;
export const PreferencePodCount = 4_000;
export const Seed = 42;
export const NodePoolName = "default";

/** mulberry32: a small, well-distributed 32-bit generator; the same seed gives the same sequence everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** For i = 1 … count: `fake-it-{i-1}` with i cpu, 2i GiB, 10i pods, five equally priced offerings. */
export function makeInstanceTypes(count = 400): InstanceType[] {
  const out: InstanceType[] = [];
  for (let i = 1; i <= count; i++) {
    const name = `fake-it-${i - 1}`;
    const memory = 2 * i * Gi;
    const price = 0.1 * i + (0.1 * memory) / 1e9;
    const offering = (capacityType: Offering["capacityType"], zone: string): Offering => ({ zone, capacityType, price, available: true });
    out.push({
      name,
      requirements: [
        { key: InstanceTypeLabel, operator: "In", values: [name] },
        { key: ArchLabel, operator: "In", values: ["amd64"] },
        { key: OSLabel, operator: "In", values: ["linux", "windows", "darwin"] },
        { key: ZoneLabel, operator: "In", values: [...Zones] },
        { key: CapacityTypeLabel, operator: "In", values: ["spot", "on-demand"] },
      ],
      offerings: [offering("spot", "test-zone-1"), offering("spot", "test-zone-2"), offering("on-demand", "test-zone-1"), offering("on-demand", "test-zone-2"), offering("on-demand", "test-zone-3")],
      capacity: { cpu: i * 1000, memory, pods: 10 * i },
      overhead: { kubeReserved: { cpu: 100, memory: 10 * Mi }, systemReserved: {}, evictionThreshold: {} },
    });
  }
  return out;
}

/** The one request every preference pod has (see PodFactory.preference). */
export const PreferenceRequests = { cpu: "100m", memory: "4096Mi" };

/** One NodePool with default requirements and limits that never bind. */
export function makeNodePool(): NodePool {
  return parseNodePool({
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: NodePoolName },
    spec: {
      template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } },
      limits: { cpu: "10000000", memory: "10000000Gi" },
    },
  });
}

export type Category = "generic" | "zone-spread" | "hostname-spread" | "zone-affinity" | "hostname-anti-affinity";

/** How N pods split into the five categories: equal parts (integer division), remainder to generic. */
export function diverseCounts(n: number): Record<Category, number> {
  const part = Math.floor(n / 5);
  return { generic: part + (n - 5 * part), "zone-spread": part, "hostname-spread": part, "zone-affinity": part, "hostname-anti-affinity": part };
}

/** Draws pods' random parts in a fixed order (labels first, then cpu, then memory) from one generator. */
class PodFactory {
  private count = 0;
  constructor(
    private readonly rand: () => number,
    private readonly prefix: string,
  ) {}

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.rand() * values.length)]!;
  }

  pod(labels: Record<string, string>, extra: { affinity?: V1Affinity; topologySpreadConstraints?: V1TopologySpreadConstraint[] } = {}, requests?: { cpu: string; memory: string }): V1Pod {
    const n = this.count++;
    const cpu = requests?.cpu ?? this.pick(CPURequests);
    const memory = requests?.memory ?? this.pick(MemoryRequests);
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${this.prefix}-${n}`,
        namespace: "default",
        // Unique per pod and per workload; a counter keeps it deterministic.
        uid: `00000000-0000-4000-8000-${this.prefix === "diverse" ? "0" : "1"}${n.toString(16).padStart(11, "0")}`,
        labels,
      },
      spec: { containers: [{ name: "app", image: "registry.k8s.io/pause:3.9", resources: { requests: { cpu, memory } } }], ...extra },
      status: { phase: "Pending" },
    };
  }

  generic(count: number): V1Pod[] {
    return Array.from({ length: count }, () => this.pod({ "my-label": this.pick(LabelValues) }));
  }

  spread(count: number, topologyKey: string): V1Pod[] {
    return Array.from({ length: count }, () => {
      const labels = { "my-label": this.pick(LabelValues) };
      const selected = this.pick(LabelValues);
      return this.pod(labels, { topologySpreadConstraints: [{ maxSkew: 1, topologyKey, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "my-label": selected } } }] });
    });
  }

  selfAffinity(count: number, topologyKey: string): V1Pod[] {
    return Array.from({ length: count }, () => {
      // The label key's spelling ("affininity") is the reference workload's; kept so the two match.
      const labels = { "my-affininity": this.pick(LabelValues) };
      return this.pod(labels, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { ...labels } }, topologyKey }] } } });
    });
  }

  antiAffinity(count: number, topologyKey: string): V1Pod[] {
    return Array.from({ length: count }, () =>
      this.pod({ app: "nginx" }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "nginx" } }, topologyKey }] } } }),
    );
  }

  /**
   * Karpenter's preference pods share one request, drawn once when its benchmark builds the pod
   * options (randomCPU() and randomMemory() are called once, not per pod): 100m and 4096Mi in its runs.
   */
  preference(count: number, requests = PreferenceRequests): V1Pod[] {
    return Array.from({ length: count }, () =>
      this.pod(
        { app: "nginx" },
        {
          affinity: {
            nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: ZoneLabel, operator: "In", values: ["test-zone-1"] }] } }] },
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 10, podAffinityTerm: { labelSelector: { matchLabels: { app: "nginx" } }, topologyKey: ZoneLabel } },
                { weight: 1, podAffinityTerm: { labelSelector: { matchLabels: { app: "nginx" } }, topologyKey: HostnameLabel } },
              ],
            },
          },
        },
        requests,
      ),
    );
  }
}

/** The "diverse" mix of n pods, in the reference order: the five categories, then the remainder as generic pods. */
export function makeDiversePods(n: number, seed = Seed): V1Pod[] {
  const f = new PodFactory(seededRandom(seed), "diverse");
  const part = Math.floor(n / 5);
  const pods = [
    ...f.generic(part),
    ...f.spread(part, ZoneLabel),
    ...f.spread(part, HostnameLabel),
    ...f.selfAffinity(part, ZoneLabel),
    ...f.antiAffinity(part, HostnameLabel),
  ];
  pods.push(...f.generic(n - pods.length));
  return pods;
}

/** The preference pods: all `app=nginx`, preferring zone test-zone-1 and to avoid each other by zone and by host. */
export function makePreferencePods(n = PreferencePodCount, seed = Seed): V1Pod[] {
  return new PodFactory(seededRandom(seed), "preference").preference(n);
}
