// How many chunks a CapacityBuffer asks for, as SIG Autoscaling's controllers compute it (Karpenter
// v1.14 and Cluster Autoscaler): replicas and percentage (of the scalable object's replicas, rounded
// up, at least 1 when both are positive) combine by taking the larger — the CRD's description says
// the smaller; the controllers' code, which decides what users get, takes the larger — and limits
// cap the result at the number of chunks whose requests fit; with neither replicas nor percentage,
// limits alone decide. Pure; the controller that resolves templates and feeds the provisioner
// virtual pods is not written yet.
import type { V1PodSpec } from "@kubernetes/client-node";
import type { CapacityBufferSpec } from "../../apis/capacitybuffer.js";
import { parseQuantity } from "../../core/quantity.js";

/** Requests of a pod spec: containers summed, each init container's taken when larger, per resource. */
export function specRequests(spec: V1PodSpec): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const c of spec.containers ?? []) for (const [k, v] of Object.entries(c.resources?.requests ?? {})) sum[k] = (sum[k] ?? 0) + parseQuantity(v, k);
  for (const c of spec.initContainers ?? []) for (const [k, v] of Object.entries(c.resources?.requests ?? {})) sum[k] = Math.max(sum[k] ?? 0, parseQuantity(v, k));
  return sum;
}

/** Chunks that fit in the limits (the tightest resource decides), or undefined when no limit names a requested resource. */
export function limitReplicas(limits: Record<string, string | number>, spec: V1PodSpec): number | undefined {
  const requests = specRequests(spec);
  let out: number | undefined;
  for (const [k, v] of Object.entries(limits)) {
    const r = requests[k];
    if (!r) continue;
    const n = Math.floor(parseQuantity(v, k) / r);
    out = out === undefined ? n : Math.min(out, n);
  }
  return out;
}

export function percentageReplicas(scalableReplicas: number, percentage: number): number {
  const n = Math.ceil((scalableReplicas * percentage) / 100);
  return n < 1 && percentage > 0 && scalableReplicas > 0 ? 1 : n;
}

/** The buffer's chunk count; `scalableReplicas` is the scalable object's current replicas, when it has one. */
export function bufferReplicas(spec: CapacityBufferSpec, podSpec: V1PodSpec | undefined, scalableReplicas?: number): number {
  const sizes: number[] = [];
  if (spec.percentage !== undefined && scalableReplicas !== undefined) sizes.push(percentageReplicas(scalableReplicas, spec.percentage));
  if (spec.replicas !== undefined) sizes.push(spec.replicas);
  const desired = sizes.length > 0 ? Math.max(...sizes) : 0;
  const byLimits = spec.limits && podSpec ? limitReplicas(spec.limits, podSpec) : undefined;
  if (byLimits === undefined) return desired;
  return sizes.length > 0 ? Math.min(desired, byLimits) : byLimits;
}
