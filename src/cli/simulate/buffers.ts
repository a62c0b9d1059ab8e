// CapacityBuffers and NodeOverlays in `tenon simulate`: each buffer of the input resolved as the
// controller resolves it (its PodTemplate or workload from the same input, its active windows at
// the simulated time, the start-up lead from the input's NodeClaims), its virtual pods planned with
// the pending pods; and what each overlay changed in the catalog (prices and capacities). Pure.
import type { V1Pod, V1PodTemplateSpec } from "@kubernetes/client-node";
import type { InstanceType } from "../../cloudprovider/types.js";
import type { CapacityBuffer } from "../../apis/capacitybuffer.js";
import { type Source, referenceOf, resolveBuffer } from "../../controllers/buffer/resolve.js";
import { startupLeadMs } from "../../controllers/buffer/startup.js";
import { bufferOf, buildVirtualPods } from "../../controllers/buffer/virtualpods.js";
import { bufferActivity, describeActivity } from "../../controllers/buffer/windows.js";
import type { SchedulingResult } from "../../scheduling/index.js";
import type { ManifestSet } from "../manifests/classify.js";

export interface BufferPlan {
  /** "namespace/name". */
  buffer: string;
  replicas: number;
  /** Active or not and why, or why it was set aside. */
  state: string;
  setAside: boolean;
  pods: V1Pod[];
}

const ns = (o: { metadata?: { namespace?: string } }) => o.metadata?.namespace || "default";

function sourceOf(set: ManifestSet, b: CapacityBuffer): Source {
  const ref = referenceOf(b);
  if (ref.kind === "unresolved") return ref;
  const namespace = ns(b);
  const found = <T extends { metadata?: { name?: string; namespace?: string } }>(list: readonly T[]) => list.find((o) => o.metadata?.name === ref.name && ns(o) === namespace);
  if (ref.kind === "podTemplate") {
    const pt = found(set.podTemplates);
    return pt
      ? { kind: "podTemplate", name: ref.name, template: (pt.template ?? {}) as V1PodTemplateSpec }
      : { kind: "unresolved", reason: "PodTemplateNotFound", field: "spec.podTemplateRef.name", message: `PodTemplate "${ref.name}" not found in namespace "${namespace}" in the input` };
  }
  const w = ref.resource === "Deployment" ? found(set.deployments) : ref.resource === "StatefulSet" ? found(set.statefulSets) : found(set.replicaSets);
  return w
    ? { kind: "scalable", template: (w.spec?.template ?? {}) as V1PodTemplateSpec, replicas: w.spec?.replicas ?? 1 }
    : { kind: "unresolved", reason: "ScalableRefNotFound", field: "spec.scalableRef.name", message: `${ref.resource} "${ref.name}" not found in namespace "${namespace}" in the input` };
}

export function planBuffers(set: ManifestSet, now: number): BufferPlan[] {
  const { leadMs } = startupLeadMs(set.nodeClaims);
  return set.capacityBuffers.map((b) => {
    const activity = bufferActivity(b, now, leadMs);
    const r = resolveBuffer(b, sourceOf(set, b), activity, leadMs, now);
    const state = r.problem ? `set aside: ${r.problem.message}` : describeActivity(activity, leadMs);
    return { buffer: `${ns(b)}/${b.metadata.name ?? ""}`, replicas: r.replicas, state, setAside: r.problem !== undefined, pods: r.template ? buildVirtualPods(b, r.template, r.replicas) : [] };
  });
}

export interface BufferOutcome {
  buffer: string;
  replicas: number;
  state: string;
  /** Indexes into the plan's nodeClaims that hold room for the buffer, with how many of its pods. */
  nodeClaims: { index: number; pods: number }[];
  existingNodes: { name: string; pods: number }[];
  unschedulable: number;
}

export function bufferOutcomes(plans: readonly BufferPlan[], result: SchedulingResult): BufferOutcome[] {
  const count = (pods: readonly V1Pod[], key: string) => pods.filter((p) => bufferOf(p) === key).length;
  return plans.map((b) => ({
    buffer: b.buffer,
    replicas: b.replicas,
    state: b.state,
    nodeClaims: result.nodeClaims.map((c, index) => ({ index, pods: count(c.pods, b.buffer) })).filter((x) => x.pods > 0),
    existingNodes: result.existingNodes.map((n) => ({ name: n.name, pods: count(n.pods, b.buffer) })).filter((x) => x.pods > 0),
    unschedulable: count(result.unschedulable.map((u) => u.pod), b.buffer),
  }));
}

export interface OverlayChange {
  nodePool: string;
  instanceType: string;
  /** Cheapest offering before and after, when the price changed. */
  price?: { from: number; to: number };
  /** Capacities the overlays added or changed. */
  capacity?: Record<string, { from?: number; to: number }>;
}

const cheapest = (it: InstanceType) => Math.min(...it.offerings.map((o) => o.price));

/** What the overlays changed, pool by pool and type by type (types they left alone are not listed). */
export function overlayChanges(base: ReadonlyMap<string, InstanceType[]>, overlaid: ReadonlyMap<string, InstanceType[]>): OverlayChange[] {
  const out: OverlayChange[] = [];
  for (const [pool, types] of overlaid) {
    const before = new Map((base.get(pool) ?? []).map((t) => [t.name, t]));
    for (const t of types) {
      const b = before.get(t.name);
      if (!b || b === t) continue;
      const change: OverlayChange = { nodePool: pool, instanceType: t.name };
      const [from, to] = [cheapest(b), cheapest(t)];
      if (Number.isFinite(from) && Number.isFinite(to) && Math.abs(from - to) > 1e-12) change.price = { from, to };
      const cap: NonNullable<OverlayChange["capacity"]> = {};
      for (const [k, v] of Object.entries(t.capacity)) if (b.capacity[k] !== v) cap[k] = { ...(b.capacity[k] !== undefined ? { from: b.capacity[k] } : {}), to: v };
      if (Object.keys(cap).length > 0) change.capacity = cap;
      if (change.price || change.capacity) out.push(change);
    }
  }
  return out.sort((a, b) => a.nodePool.localeCompare(b.nodePool) || a.instanceType.localeCompare(b.instanceType));
}
