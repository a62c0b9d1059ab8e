// Assembles what the solver needs from the validated manifests: the pods waiting for a node
// (pending pods from the input plus the pods of its workloads), and the cluster they meet — the
// one cluster model (src/state/model.ts), built from the snapshot's Nodes, NodeClaims, bound pods
// and DaemonSets exactly as the controller builds it from its watches.
import type { V1CronJob, V1PersistentVolumeClaim, V1Pod } from "@kubernetes/client-node";
import type { InstanceType, ResourceList } from "../../cloudprovider/types.js";
import type { ExistingNode, SchedulingInput } from "../../scheduling/index.js";
import { ClusterModel } from "../../state/model.js";
import { existingNode } from "../../state/solverinput.js";
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
  /** The cluster the pending pods meet. */
  model: ClusterModel;
  existingNodes: ExistingNode[];
  daemonSets: SchedulingInput["daemonSets"];
  volumes: NonNullable<SchedulingInput["volumes"]>;
  /** What each NodePool's nodes already hold, so its limits count them. */
  nodePoolUsage: Map<string, ResourceList>;
  warnings: string[];
}

const ns = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? "default";

export interface ClusterOptions {
  now?: number;
  /** Instance types by NodePool: to size NodeClaims that have not launched yet. */
  instanceTypes?: ReadonlyMap<string, readonly InstanceType[]>;
}

export function buildCluster(set: ManifestSet, opts: ClusterOptions = {}): SimulatedCluster {
  const warnings: string[] = [];
  const inputPods = set.pods.filter((p) => !isTerminal(p)).map(withPodDefaults);
  const owned = podsByWorkload(inputPods, set.replicaSets, set.jobs);
  const ownedBy = (kind: string, o: { metadata?: { name?: string; namespace?: string } }) => owned.get(workloadKey(kind, ns(o), o.metadata!.name!)) ?? [];

  // Pods already bound stay where they are; the rest wait for a node.
  const nodeNames = new Set(set.nodes.map((n) => n.metadata!.name!));
  const bound: V1Pod[] = [];
  const pendingPods: V1Pod[] = [];
  for (const pod of inputPods) {
    const nodeName = pod.spec?.nodeName;
    if (nodeName) {
      if (!nodeNames.has(nodeName)) warnings.push(`pod ${podRef(pod)} is bound to node "${nodeName}", which is not in the input; ignored`);
      else bound.push(pod);
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

  for (const n of set.nodes) {
    if (!n.status?.allocatable && !n.status?.capacity) warnings.push(`Node "${n.metadata!.name!}" has no status.allocatable or status.capacity; planning as if it had no room`);
  }
  const model = ClusterModel.build(
    { nodes: set.nodes, nodeClaims: set.nodeClaims, pods: bound, daemonSets: set.daemonSets, nodePools: set.nodePools },
    { now: opts.now ?? Date.now(), ...(opts.instanceTypes ? { instanceTypes: opts.instanceTypes } : {}) },
  );
  const nodePoolUsage: Map<string, ResourceList> = model.nodePoolUsage();

  return {
    pendingPods,
    model,
    existingNodes: model.stateNodes.map(existingNode),
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
