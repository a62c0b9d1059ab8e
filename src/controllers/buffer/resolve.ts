// What a CapacityBuffer asks for, and the status that says so, from the objects it refers to (the
// controller fetches them; this decides). As SIG Autoscaling defines it and Karpenter v1.14 writes
// it: ReadyForProvisioning True (Resolved) with status.replicas, status.podTemplateRef and
// podTemplateGeneration for a podTemplateRef buffer; False with PodTemplateNotFound,
// ScalableRefNotFound or ResolutionFailed otherwise; status.provisioningStrategy copied from the
// spec. Scheduled headroom (windows.ts) adds nothing to the schema: outside its windows a buffer
// asks for zero replicas and its Provisioning condition says why. Pure.
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { ActiveCapacityStrategy, type CapacityBuffer, type CapacityBufferStatus } from "../../apis/capacitybuffer.js";
import { type ConditionUpdate, setConditions } from "../shared/conditions.js";
import { bufferReplicas } from "./replicas.js";
import { type Activity, describeActivity } from "./windows.js";

export const ReadyForProvisioning = "ReadyForProvisioning";
export const Provisioning = "Provisioning";
export const ScalableKinds = ["Deployment", "StatefulSet", "ReplicaSet"] as const;

/** What the buffer's reference led to. */
export type Source =
  | { kind: "podTemplate"; name: string; generation?: number; template: V1PodTemplateSpec }
  | { kind: "scalable"; template: V1PodTemplateSpec; replicas: number }
  /** The reference cannot be followed: the reason (upstream's words), the field at fault and why. */
  | { kind: "unresolved"; reason: "PodTemplateNotFound" | "ScalableRefNotFound" | "ResolutionFailed"; field: string; message: string };

export interface Resolution {
  status: CapacityBufferStatus;
  /** Replicas to provision now (0 outside its windows or when unresolved). */
  replicas: number;
  template?: V1PodTemplateSpec;
  /** The field at fault, when the buffer is set aside (for its Warning event). */
  problem?: { reason: string; field: string; message: string };
}

/** Which API request finds the buffer's pod template, or why none can. */
export function referenceOf(buffer: CapacityBuffer): { kind: "podTemplate"; name: string } | { kind: "scalable"; group: string; resource: (typeof ScalableKinds)[number]; name: string } | Extract<Source, { kind: "unresolved" }> {
  const { podTemplateRef, scalableRef } = buffer.spec;
  if (podTemplateRef) return { kind: "podTemplate", name: podTemplateRef.name };
  if (!scalableRef) return { kind: "unresolved", reason: "ResolutionFailed", field: "spec", message: "neither spec.podTemplateRef nor spec.scalableRef is set" };
  const group = scalableRef.apiGroup || "apps";
  if (group !== "apps") return { kind: "unresolved", reason: "ResolutionFailed", field: "spec.scalableRef.apiGroup", message: `unsupported API group "${scalableRef.apiGroup}": tenon follows apps Deployments, StatefulSets and ReplicaSets` };
  const kind = ScalableKinds.find((k) => k === scalableRef.kind);
  if (!kind) return { kind: "unresolved", reason: "ResolutionFailed", field: "spec.scalableRef.kind", message: `unsupported kind "${scalableRef.kind}" (one of ${ScalableKinds.join(", ")})` };
  return { kind: "scalable", group, resource: kind, name: scalableRef.name };
}

export function resolveBuffer(buffer: CapacityBuffer, source: Source, activity: Activity, leadMs: number, now: number): Resolution {
  const strategy = buffer.spec.provisioningStrategy || ActiveCapacityStrategy;
  const generation = buffer.metadata.generation;
  const base: CapacityBufferStatus = { ...(buffer.status ?? {}), provisioningStrategy: strategy };
  const write = (updates: ConditionUpdate[], status: CapacityBufferStatus): CapacityBufferStatus => ({ ...status, conditions: setConditions(buffer.status?.conditions, updates, generation, now) });

  if (source.kind === "unresolved") {
    const message = `${source.field}: ${source.message}`;
    const status = write(
      [
        { type: ReadyForProvisioning, status: "False", reason: source.reason, message },
        { type: Provisioning, status: "False", reason: "NotReadyForProvisioning", message: "Buffer is not ReadyForProvisioning" },
      ],
      base,
    );
    return { status, replicas: 0, problem: { reason: source.reason, field: source.field, message } };
  }
  if (strategy !== ActiveCapacityStrategy) {
    const message = `spec.provisioningStrategy: "${strategy}" is not a strategy tenon provisions for (only ${ActiveCapacityStrategy})`;
    const status = write([{ type: ReadyForProvisioning, status: "False", reason: "ResolutionFailed", message }], base);
    return { status, replicas: 0, problem: { reason: "ResolutionFailed", field: "spec.provisioningStrategy", message } };
  }
  if (activity.kind === "invalid") {
    const message = describeActivity(activity, leadMs);
    const status = write([{ type: ReadyForProvisioning, status: "False", reason: "InvalidActiveWindows", message }], base);
    return { status, replicas: 0, problem: { reason: "InvalidActiveWindows", field: activity.field, message } };
  }

  const scalable = source.kind === "scalable" ? source.replicas : undefined;
  const replicas = bufferReplicas(buffer.spec, source.template.spec, scalable);
  const active = activity.kind === "always" || activity.kind === "active";
  const want = active ? replicas : 0;
  const status: CapacityBufferStatus = { ...base, replicas: want };
  if (source.kind === "podTemplate") {
    status.podTemplateRef = { name: source.name };
    if (source.generation !== undefined) status.podTemplateGeneration = source.generation;
  } else {
    delete status.podTemplateRef;
    delete status.podTemplateGeneration;
  }
  const updates: ConditionUpdate[] = [{ type: ReadyForProvisioning, status: "True", reason: "Resolved", message: "Pod template resolved successfully" }];
  if (!active) updates.push({ type: Provisioning, status: "False", reason: "OutsideActiveWindow", message: describeActivity(activity, leadMs) });
  else if (want === 0) updates.push({ type: Provisioning, status: "False", reason: "BufferEmpty", message: "Buffer has zero desired replicas" });
  return { status: write(updates, status), replicas: want, template: source.template };
}

/** The Provisioning condition from where the provisioner placed the buffer's virtual pods. */
export function provisioningCondition(placed: { existing: number; newCapacity: number; failed: number }, replicas: number): ConditionUpdate | undefined {
  if (replicas === 0) return undefined;
  if (placed.newCapacity > 0 || placed.failed > 0) {
    return { type: Provisioning, status: "False", reason: "RequiresNewCapacity", message: `${placed.newCapacity}/${replicas} virtual pods required new capacity, ${placed.failed} failed` };
  }
  if (placed.existing >= replicas) return { type: Provisioning, status: "True", reason: "FitsExistingCapacity", message: `All ${replicas} virtual pods fit on existing capacity` };
  return undefined;
}
