// Assembles what the solver needs from the validated manifests: the pods waiting for a node
// (pending pods from the input plus the pods of its workloads), the existing nodes with the pods
// already bound to them, the DaemonSets, and the volume topology.
import type { V1CronJob, V1Node, V1PersistentVolumeClaim, V1Pod, V1Taint } from "@kubernetes/client-node";
import { DisruptedTaintKey, HostnameLabel, NodeInitializedLabel, NodePoolLabel } from "../../apis/labels.js";
import type { ResourceList } from "../../cloudprovider/types.js";
import { type ExistingNode, type SchedulingInput, parseResourceList } from "../../scheduling/index.js";
import { type ManifestSet, objectRef } from "./classify.js";
import { isTerminal, podsByWorkload, workloadKey } from "./ownership.js";
import { podRef, withPodDefaults } from "./pod-defaults.js";
import {
  cronJobPodCount,
  deploymentPodCount,
  expandCronJob,
  expandDeployment,
  expandJob,
  expandReplicaSet,
  expandStatefulSet,
  isDaemonSetPod,
  jobPodCount,
  replicaSetPodCount,
  statefulSetPodCount,
} from "./workloads.js";
import { type PodContribution, checkPodCap } from "./pod-cap.js";

export interface SimulatedCluster {
  pendingPods: V1Pod[];
  existingNodes: ExistingNode[];
  daemonSets: SchedulingInput["daemonSets"];
  volumes: NonNullable<SchedulingInput["volumes"]>;
  /** What each NodePool's nodes already hold, so its limits count them. */
  nodePoolUsage: Map<string, ResourceList>;
  warnings: string[];
}

const ns = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? "default";

/**
 * A Karpenter node that has not finished initializing is still in flight: the solver may count on
 * it, and on its NodePool's startup taints being gone by the time pods bind.
 */
function toExistingNode(node: V1Node, pods: V1Pod[], startupTaints: (pool: string) => V1Taint[], warnings: string[]): ExistingNode {
  const name = node.metadata!.name!;
  const labels: Record<string, string> = { [HostnameLabel]: name, ...(node.metadata?.labels ?? {}) };
  const taints: V1Taint[] = node.spec?.taints ?? [];
  let allocatable = node.status?.allocatable ?? node.status?.capacity;
  if (!allocatable) {
    warnings.push(`Node "${name}" has no status.allocatable or status.capacity; planning as if it had no room`);
    allocatable = {};
  }
  const nodePool = labels[NodePoolLabel];
  const inFlight = nodePool !== undefined && labels[NodeInitializedLabel] !== "true";
  return {
    name,
    ...(nodePool ? { nodePool } : {}),
    labels,
    taints,
    allocatable: parseResourceList(allocatable),
    pods,
    inFlight,
    ...(inFlight ? { startupTaints: startupTaints(nodePool) } : {}),
    // Being deleted, or being disrupted by Karpenter: its pods are about to need new homes.
    markedForDeletion: Boolean(node.metadata?.deletionTimestamp) || taints.some((t) => t.key === DisruptedTaintKey),
  };
}

function addUsage(usage: Map<string, ResourceList>, pool: string, resources: ResourceList): void {
  const total = usage.get(pool) ?? {};
  for (const [k, v] of Object.entries(resources)) total[k] = (total[k] ?? 0) + v;
  usage.set(pool, total);
}

export function buildCluster(set: ManifestSet): SimulatedCluster {
  const warnings: string[] = [];
  const inputPods = set.pods.filter((p) => !isTerminal(p)).map(withPodDefaults);
  const owned = podsByWorkload(inputPods, set.replicaSets, set.jobs);
  const ownedBy = (kind: string, o: { metadata?: { name?: string; namespace?: string } }) => owned.get(workloadKey(kind, ns(o), o.metadata!.name!)) ?? [];

  // Pods already bound stay where they are; the rest wait for a node.
  const nodeNames = new Set(set.nodes.map((n) => n.metadata!.name!));
  const bound = new Map<string, V1Pod[]>();
  const pendingPods: V1Pod[] = [];
  for (const pod of inputPods) {
    const nodeName = pod.spec?.nodeName;
    if (nodeName) {
      if (!nodeNames.has(nodeName)) warnings.push(`pod ${podRef(pod)} is bound to node "${nodeName}", which is not in the input; ignored`);
      else bound.set(nodeName, [...(bound.get(nodeName) ?? []), pod]);
    } else if (isDaemonSetPod(pod)) {
      // The DaemonSet controller places these on their node; tenon only reserves room for them.
      warnings.push(`pod ${podRef(pod)} belongs to a DaemonSet; DaemonSet pods are not planned, only their room on each node`);
    } else {
      pendingPods.push(pod);
    }
  }

  // Workloads: only the pods they are still missing. A ReplicaSet run by a Deployment in the input is the Deployment's business.
  const deployments = new Set(set.deployments.map((d) => workloadKey("Deployment", ns(d), d.metadata!.name!)));
  const replicaSets = set.replicaSets.filter((rs) => {
    const owner = rs.metadata?.ownerReferences?.find((r) => r.kind === "Deployment");
    return !(owner && deployments.has(workloadKey("Deployment", ns(rs), owner.name)));
  });
  const jobsOfCronJobs = new Set(
    set.jobs.flatMap((j) => (j.metadata?.ownerReferences ?? []).filter((r) => r.kind === "CronJob").map((r) => workloadKey("CronJob", ns(j), r.name))),
  );
  const hasActiveJob = (cj: V1CronJob) => jobsOfCronJobs.has(workloadKey("CronJob", ns(cj), cj.metadata!.name!));
  const contribution = (kind: string, obj: object, field: string, pods: number): PodContribution => ({ ref: objectRef(kind, obj), source: set.sources.get(obj) ?? "input", field, pods });
  checkPodCap(inputPods.length, [
    ...set.deployments.map((d) => contribution("Deployment", d, "spec.replicas", deploymentPodCount(d, ownedBy("Deployment", d)))),
    ...replicaSets.map((rs) => contribution("ReplicaSet", rs, "spec.replicas", replicaSetPodCount(rs, ownedBy("ReplicaSet", rs)))),
    ...set.statefulSets.map((sts) => contribution("StatefulSet", sts, "spec.replicas", statefulSetPodCount(sts, ownedBy("StatefulSet", sts)))),
    ...set.jobs.map((j) => contribution("Job", j, "spec.parallelism", jobPodCount(j, ownedBy("Job", j)))),
    ...set.cronJobs.map((cj) => contribution("CronJob", cj, "spec.jobTemplate.spec.parallelism", cronJobPodCount(cj, hasActiveJob(cj)))),
  ]);

  const claimNames = new Set(set.claims.map((c) => `${ns(c)}/${c.metadata!.name!}`));
  const generatedClaims: V1PersistentVolumeClaim[] = [];
  const generated: V1Pod[] = [];
  for (const d of set.deployments) generated.push(...expandDeployment(d, ownedBy("Deployment", d)));
  for (const rs of replicaSets) generated.push(...expandReplicaSet(rs, ownedBy("ReplicaSet", rs)));
  for (const sts of set.statefulSets) {
    const { pods, claims } = expandStatefulSet(sts, ownedBy("StatefulSet", sts), (namespace, name) => claimNames.has(`${namespace}/${name}`));
    generated.push(...pods);
    generatedClaims.push(...claims);
  }
  for (const job of set.jobs) generated.push(...expandJob(job, ownedBy("Job", job)));
  for (const cj of set.cronJobs) generated.push(...expandCronJob(cj, hasActiveJob(cj)));
  pendingPods.push(...generated.map(withPodDefaults));

  const pools = new Map(set.nodePools.map((np) => [np.metadata.name ?? "", np]));
  // The API's taint keeps timeAdded as text; the client model's is a Date, and startup taints never carry one.
  const startupTaints = (pool: string): V1Taint[] =>
    (pools.get(pool)?.spec.template.spec.startupTaints ?? []).map(({ key, value, effect }) => ({ key, effect, ...(value !== undefined ? { value } : {}) }));
  const existingNodes = set.nodes.map((n) => toExistingNode(n, bound.get(n.metadata!.name!) ?? [], startupTaints, warnings));
  const nodePoolUsage = new Map<string, ResourceList>();
  for (const n of set.nodes) {
    const pool = n.metadata?.labels?.[NodePoolLabel];
    if (pool) addUsage(nodePoolUsage, pool, parseResourceList(n.status?.capacity ?? n.status?.allocatable));
  }

  return {
    pendingPods,
    existingNodes,
    daemonSets: set.daemonSets,
    volumes: {
      claims: [...set.claims, ...generatedClaims],
      volumes: set.volumes,
      storageClasses: set.storageClasses,
    },
    nodePoolUsage,
    warnings,
  };
}
