// Which workload each pod in the input already belongs to. When the input holds both a workload
// and some of its pods (kubectl get deploy,pods -o yaml), the workload only adds the pods it is
// still missing, so nothing is counted twice.
import type { V1Job, V1Pod, V1ReplicaSet } from "@kubernetes/client-node";

export const workloadKey = (kind: string, namespace: string | undefined, name: string): string => `${kind}/${namespace ?? "default"}/${name}`;

/** The controlling owner reference of an object (or its only one). */
export function controllerOf(meta: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] } | undefined): { kind: string; name: string } | undefined {
  const refs = meta?.ownerReferences ?? [];
  return refs.find((r) => r.controller === true) ?? (refs.length === 1 ? refs[0] : undefined);
}

/** A pod that has finished holds no resources and needs no node. */
import { isTerminal } from "../../state/predicates.js";

export { isTerminal };

/**
 * The live pods of each top-level workload, keyed by workloadKey: a ReplicaSet's pods count for its
 * Deployment (through the ReplicaSet's owner when the input has it, else through the
 * `<deployment>-<pod-template-hash>` naming every Deployment uses), a Job's for its CronJob.
 */
export function podsByWorkload(pods: readonly V1Pod[], replicaSets: readonly V1ReplicaSet[], jobs: readonly V1Job[]): Map<string, V1Pod[]> {
  const rsOwner = new Map<string, string>();
  for (const rs of replicaSets) {
    const owner = controllerOf(rs.metadata);
    if (owner?.kind === "Deployment") rsOwner.set(workloadKey("ReplicaSet", rs.metadata?.namespace, rs.metadata!.name!), owner.name);
  }
  const jobOwner = new Map<string, string>();
  for (const job of jobs) {
    const owner = controllerOf(job.metadata);
    if (owner?.kind === "CronJob") jobOwner.set(workloadKey("Job", job.metadata?.namespace, job.metadata!.name!), owner.name);
  }
  const out = new Map<string, V1Pod[]>();
  const add = (key: string, pod: V1Pod): void => {
    const list = out.get(key);
    if (list) list.push(pod);
    else out.set(key, [pod]);
  };
  for (const pod of pods) {
    if (isTerminal(pod)) continue;
    const ns = pod.metadata?.namespace;
    const owner = controllerOf(pod.metadata);
    if (!owner) continue;
    add(workloadKey(owner.kind, ns, owner.name), pod);
    if (owner.kind === "ReplicaSet") {
      const hash = pod.metadata?.labels?.["pod-template-hash"];
      const deployment = rsOwner.get(workloadKey("ReplicaSet", ns, owner.name)) ?? (hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : undefined);
      if (deployment) add(workloadKey("Deployment", ns, deployment), pod);
    }
    if (owner.kind === "Job") {
      const cronJob = jobOwner.get(workloadKey("Job", ns, owner.name));
      if (cronJob) add(workloadKey("CronJob", ns, cronJob), pod);
    }
  }
  return out;
}
