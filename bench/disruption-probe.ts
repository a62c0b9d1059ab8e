import { performance } from "node:perf_hooks";
import type { V1Pod } from "@kubernetes/client-node";
import { parseNodePool } from "../src/apis/parse.js";
import { loadCatalogInstanceTypes } from "../src/cloudprovider/aws/catalog.js";
import { solve, allocatable } from "../src/scheduling/index.js";
import type { ExistingNode } from "../src/scheduling/index.js";

const types = loadCatalogInstanceTypes("us-east-1");
console.log("types", types.length);
const pool = parseNodePool({ apiVersion: "karpenter.sh/v1", kind: "NodePool", metadata: { name: "default" }, spec: { template: { spec: { requirements: [{ key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] }, { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] }], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } } });
const m5 = types.find((t) => t.name === "m5.xlarge")!;
const alloc = allocatable(m5);
const labelsOf = (i: number) => {
  const l: Record<string, string> = { "kubernetes.io/hostname": `n${i}`, "karpenter.sh/nodepool": "default", "karpenter.sh/capacity-type": "on-demand", "topology.kubernetes.io/zone": "us-east-1a", "karpenter.sh/initialized": "true" };
  for (const r of m5.requirements) if (r.operator === "In" && r.values?.length === 1) l[r.key] = r.values[0]!;
  return l;
};
const pod = (i: number): V1Pod => ({ metadata: { name: `p${i}`, namespace: "default", uid: `u${i}` }, spec: { containers: [{ name: "c", image: "x", resources: { requests: { cpu: "500m", memory: "1Gi" } } }] } });
for (const N of [100, 1000, 5000]) {
  const nodes: ExistingNode[] = Array.from({ length: N }, (_, i) => ({ name: `n${i}`, nodePool: "default", labels: labelsOf(i), taints: [], allocatable: { ...alloc, cpu: 1000 }, pods: [], inFlight: false }));
  const pods = Array.from({ length: 10 }, (_, i) => pod(i));
  for (const skip of [false, true]) {
    const input = { pods, nodePools: [pool], instanceTypes: new Map([["default", types]]), existingNodes: nodes, daemonSets: [], options: { skipImprovement: skip } };
    solve(input);
    const t = performance.now();
    const R = 5;
    for (let k = 0; k < R; k++) solve(input);
    console.log(N, "skipImprovement", skip, ((performance.now() - t) / R).toFixed(1), "ms");
  }
  const input = { pods, nodePools: [pool], instanceTypes: new Map([["default", types]]), existingNodes: [], daemonSets: [] };
  solve(input);
  const t = performance.now();
  for (let k = 0; k < 5; k++) solve(input);
  console.log("no nodes", ((performance.now() - t) / 5).toFixed(1), "ms");
}
