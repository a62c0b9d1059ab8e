// A buffer's virtual pods: copies of its pod template that the provisioner plans for as if they
// were pending and the disruption simulation counts as needing a place, but that never exist in
// the API server. Marked with Karpenter v1.14's annotations, so a virtual pod reads the same in
// tenon as in Karpenter. Pure.
import type { V1Pod, V1PodSpec, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { CapacityBuffer } from "../../apis/capacitybuffer.js";

export const FakePodAnnotation = "karpenter.sh/capacity-buffer-fake-pod";
export const BufferNameAnnotation = "karpenter.sh/capacity-buffer-name";
export const BufferNamespaceAnnotation = "karpenter.sh/capacity-buffer-namespace";
/** The lowest priority: a virtual pod is worth less than any real one. */
export const VirtualPodPriority = -2147483648;

export function isVirtualPod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[FakePodAnnotation] === "true";
}

/** "namespace/name" of the buffer a virtual pod stands for; undefined for a real pod. */
export function bufferOf(pod: V1Pod): string | undefined {
  if (!isVirtualPod(pod)) return undefined;
  const a = pod.metadata?.annotations ?? {};
  return `${a[BufferNamespaceAnnotation] ?? ""}/${a[BufferNameAnnotation] ?? ""}`;
}

/**
 * The template without what a pod that never runs cannot have: a node name, and volumes backed by
 * claims (a virtual pod's claim never exists, so its topology cannot be resolved).
 */
function sanitize(spec: V1PodSpec): V1PodSpec {
  const dropped = new Set((spec.volumes ?? []).filter((v) => v.persistentVolumeClaim || v.ephemeral).map((v) => v.name));
  const strip = <C extends { volumeMounts?: { name: string }[] }>(c: C): C => (c.volumeMounts ? { ...c, volumeMounts: c.volumeMounts.filter((m) => !dropped.has(m.name)) } : c);
  const { nodeName: _nodeName, ...rest } = spec;
  return {
    ...rest,
    containers: (spec.containers ?? []).map(strip),
    ...(spec.initContainers ? { initContainers: spec.initContainers.map(strip) } : {}),
    ...(spec.volumes ? { volumes: spec.volumes.filter((v) => !dropped.has(v.name)) } : {}),
    priority: VirtualPodPriority,
  };
}

/** `count` virtual pods of the template, with names and UIDs derived from the buffer's. */
export function buildVirtualPods(buffer: CapacityBuffer, template: V1PodTemplateSpec, count: number): V1Pod[] {
  const name = buffer.metadata.name ?? "";
  const namespace = buffer.metadata.namespace ?? "default";
  const spec = sanitize(template.spec ?? { containers: [] });
  const out: V1Pod[] = [];
  for (let i = 1; i <= count; i++) {
    out.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `capacity-buffer-${name}-${i}`,
        namespace,
        uid: `${buffer.metadata.uid ?? `${namespace}/${name}`}-${i}`,
        // Labels are kept: topology spread and affinity count the buffer's pods as the workload's.
        ...(template.metadata?.labels ? { labels: { ...template.metadata.labels } } : {}),
        annotations: { [FakePodAnnotation]: "true", [BufferNameAnnotation]: name, [BufferNamespaceAnnotation]: namespace },
      },
      spec,
      // As kube-scheduler leaves a pod it found no node for: every "is it provisionable" check agrees.
      status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] },
    });
  }
  return out;
}
