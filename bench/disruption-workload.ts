// The disruption benchmark's cluster: synthetic but shaped like a real one. Three NodePools
// (general on-demand, spot, and a tainted memory pool), nodes of common EC2 types from the bundled
// us-east-1 catalog, ten pods per node on average filling a quarter to three fifths of each node
// (an under-utilised cluster, where consolidation has work), two DaemonSets on every node,
// PodDisruptionBudgets on a fifth of the apps (a few allowing nothing), a few do-not-disrupt
// pods and some apps spread across zones. One seeded generator: every run sees the same cluster.
import type { V1DaemonSet, V1Pod, V1PodDisruptionBudget, V1Toleration, V1TopologySpreadConstraint } from "@kubernetes/client-node";
import type { NodePool } from "../src/apis/nodepool.js";
import { loadCatalogInstanceTypes } from "../src/cloudprovider/aws/catalog.js";
import type { InstanceType } from "../src/cloudprovider/types.js";
import type { DisruptionInput } from "../src/disruption/index.js";
import { T0, managedNode, nodePool, pod } from "../test/kit/disruption.js";
import { allocatable } from "../src/scheduling/instancetypes.js";
import { seededRandom } from "./workload.js";

const Mi = 2 ** 20;
const CPUs = [50, 100, 100, 250, 250, 500, 1000];
const Mems = [64, 128, 256, 256, 512, 1024, 2048];
const Zones = ["us-east-1a", "us-east-1b", "us-east-1c"];

const memoryTaint = { key: "workload", value: "memory", effect: "NoSchedule" };
const memoryToleration: V1Toleration = { key: "workload", operator: "Equal", value: "memory", effect: "NoSchedule" };

export function benchPools(): NodePool[] {
  const base = [
    { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
    { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["4"] },
  ];
  return [
    nodePool("general", { consolidateAfter: "30s", requirements: [...base, { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }, { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m"] }] }),
    nodePool("spot", { consolidateAfter: "30s", requirements: [...base, { key: "karpenter.sh/capacity-type", operator: "In", values: ["spot"] }, { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] }] }),
    nodePool("memory", {
      consolidateAfter: "30s",
      labels: { workload: "memory" },
      requirements: [...base, { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }, { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["r"] }],
    }),
  ];
}

const nodeTypes: Record<string, string[]> = {
  general: ["m5.xlarge", "m5.2xlarge", "c5.2xlarge", "m6i.xlarge", "m6i.2xlarge", "c6i.xlarge", "c6i.2xlarge"],
  spot: ["m5.2xlarge", "c5.2xlarge", "m6i.2xlarge", "r5.xlarge"],
  memory: ["r5.xlarge", "r5.2xlarge", "r6i.xlarge"],
};

export interface BenchCluster {
  input: DisruptionInput;
  nodes: number;
  pods: number;
}

export interface BenchOptions {
  seed?: number;
  /** The share of each node's cpu and memory its pods ask for, drawn uniformly from [min, max]. */
  fill?: [number, number];
}

export function benchCluster(nodeCount: number, o: BenchOptions = {}): BenchCluster {
  const seed = o.seed ?? 7;
  const [fillMin, fillMax] = o.fill ?? [0.25, 0.6];
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const pools = benchPools();
  const catalog = loadCatalogInstanceTypes("us-east-1");
  const byName = new Map(catalog.map((t) => [t.name, t]));
  const instanceTypes = new Map<string, InstanceType[]>(pools.map((p) => [p.metadata.name ?? "", catalog]));
  const daemonSets: V1DaemonSet[] = [
    { metadata: { name: "kube-proxy", namespace: "kube-system", uid: "ds-kube-proxy" }, spec: { selector: { matchLabels: { app: "kube-proxy" } }, template: { metadata: { labels: { app: "kube-proxy" } }, spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] } } } },
    { metadata: { name: "log-agent", namespace: "kube-system", uid: "ds-log-agent" }, spec: { selector: { matchLabels: { app: "log-agent" } }, template: { metadata: { labels: { app: "log-agent" } }, spec: { tolerations: [{ operator: "Exists" }], containers: [{ name: "c", image: "x", resources: { requests: { cpu: "100m", memory: "200Mi" } } }] } } } },
  ];
  const nodes: ReturnType<typeof managedNode>[] = [];
  const pods: V1Pod[] = [];
  const pdbs: V1PodDisruptionBudget[] = [];
  const appCount = Math.max(20, Math.floor(nodeCount / 2));
  const apps = Array.from({ length: appCount }, (_, i) => ({
    name: `app-${i}`,
    cpu: pick(CPUs),
    mem: pick(Mems),
    spread: rnd() < 0.05,
    pdb: rnd() < 0.2 ? (rnd() < 0.1 ? 0 : 1) : -1,
    memory: rnd() < 0.15,
  }));
  for (const a of apps) if (a.pdb >= 0) pdbs.push({ metadata: { name: a.name, namespace: "default" }, spec: { selector: { matchLabels: { app: a.name } }, maxUnavailable: 1 }, status: { disruptionsAllowed: a.pdb, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 } });

  let podSeq = 0;
  for (let i = 0; i < nodeCount; i++) {
    const r = rnd();
    const poolName = r < 0.6 ? "general" : r < 0.85 ? "spot" : "memory";
    const pool = pools.find((p) => p.metadata.name === poolName)!;
    const type = byName.get(pick(nodeTypes[poolName]!))!;
    const name = `node-${i}`;
    const n = managedNode(name, {
      pool,
      type,
      zone: pick(Zones),
      capacityType: poolName === "spot" ? "spot" : "on-demand",
      created: T0 - (1 + rnd() * 20) * 86_400_000,
      lastPodEventTime: T0 - 3_600_000,
      ...(poolName === "memory" ? { taints: [memoryTaint] } : {}),
    });
    nodes.push(n);
    const alloc = allocatable(type);
    for (const ds of daemonSets) {
      pods.push(pod(`${ds.metadata!.name}-${i}`, { node: name, namespace: "kube-system", owner: "DaemonSet", cpu: ds.metadata!.name === "kube-proxy" ? "100m" : "100m", memory: ds.metadata!.name === "kube-proxy" ? "128Mi" : "200Mi", labels: { app: ds.metadata!.name! } }));
    }
    const target = fillMin + rnd() * (fillMax - fillMin);
    let cpu = 200;
    let mem = 328 * Mi;
    const candidatesApps = apps.filter((a) => a.memory === (poolName === "memory"));
    for (let k = 0; k < 60; k++) {
      const a = pick(candidatesApps);
      if (cpu + a.cpu > target * alloc["cpu"]! || mem + a.mem * Mi > target * alloc["memory"]!) {
        if (k > 25) break;
        continue;
      }
      cpu += a.cpu;
      mem += a.mem * Mi;
      const spread: V1TopologySpreadConstraint[] = a.spread ? [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: a.name } } }] : [];
      pods.push(
        pod(`${a.name}-${podSeq++}`, {
          node: name,
          cpu: `${a.cpu}m`,
          memory: `${a.mem}Mi`,
          labels: { app: a.name },
          ...(rnd() < 0.01 ? { annotations: { "karpenter.sh/do-not-disrupt": "true" } } : {}),
          ...(a.memory ? { nodeSelector: { workload: "memory" } } : {}),
          spec: {
            ...(a.memory ? { tolerations: [memoryToleration] } : {}),
            ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
          },
        }),
      );
    }
  }
  return {
    input: { nodePools: pools, nodeClaims: nodes.map((n) => n.claim), nodes: nodes.map((n) => n.node), pods, pdbs, daemonSets, instanceTypes },
    nodes: nodes.length,
    pods: pods.length,
  };
}
