// Pods from files never went through an API server, so they may lack what it would have given
// them. The solver keys topology bookkeeping by uid and names pods by namespace, so both are
// filled in here. (Requests defaulted from limits are the solver's own business: podRequests.)
import type { V1Pod } from "@kubernetes/client-node";
import { stableUID } from "./ids.js";

/** A copy of the pod with its namespace (default "default") and a uid. */
export function withPodDefaults(pod: V1Pod): V1Pod {
  const namespace = pod.metadata?.namespace ?? "default";
  const name = pod.metadata?.name ?? "";
  return { ...pod, metadata: { ...pod.metadata, namespace, uid: pod.metadata?.uid ?? stableUID("Pod", namespace, name) } };
}

/** "namespace/name", how plans and messages name a pod. */
export const podRef = (pod: V1Pod): string => `${pod.metadata?.namespace ?? "default"}/${pod.metadata?.name ?? ""}`;
