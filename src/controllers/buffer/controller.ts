// CapacityBuffers (behind the CapacityBuffer gate): watches them, follows each one's reference to
// its pod template (a PodTemplate, or a Deployment, StatefulSet or ReplicaSet), decides what it asks
// for (resolve.ts, windows.ts) and writes its status; holds the virtual pods of every buffer that
// asks for room, which the provisioner plans for as pending pods and the disruption controller
// counts as needing a place. A buffer that cannot be followed is set aside with a condition and a
// Warning event naming the field; the others carry on. References are re-read every 30 s, as
// Karpenter's controller does, and a scheduled buffer is looked at again when its activity changes.
import { PatchStrategy, type V1Pod, type V1PodTemplateSpec, setHeaderOptions } from "@kubernetes/client-node";
import { type CapacityBuffer, CapacityBufferSchema } from "../../apis/capacitybuffer.js";
import { isNotFound } from "../../operator/kube.js";
import { controllerLogger } from "../../operator/logging.js";
import type { ClusterState } from "../../state/cluster.js";
import { Store } from "../../state/store.js";
import { type ConditionUpdate, sameConditions, setConditions } from "../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import { type Resolution, type Source, provisioningCondition, referenceOf, resolveBuffer } from "./resolve.js";
import { StartupRecord } from "./startup.js";
import { buildVirtualPods } from "./virtualpods.js";
import { type Activity, bufferActivity, holdActivity, nextChange } from "./windows.js";
import type { BufferPlacement } from "./placement.js";
import { buffersForPodTemplate, podTemplateStore } from "./podtemplates.js";

export const CapacityBuffers = { group: "autoscaling.x-k8s.io", version: "v1beta1", plural: "capacitybuffers" } as const;
/** Karpenter re-reads a buffer's references this often (they change without a buffer event). */
export const BUFFER_RESYNC_MS = 30_000;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export interface BufferControllerDeps extends ControllerDeps {
  /** Called when the virtual pods change (the provisioner's trigger). */
  onChange?: () => void;
  /** Start-up time assumed before any node has been measured. */
  defaultStartupMs?: number;
}

const keyOf = (b: { metadata: { name?: string; namespace?: string } }) => `${b.metadata.namespace ?? "default"}/${b.metadata.name ?? ""}`;

export class CapacityBufferController implements Reconciler, ManagedController {
  readonly name = "capacitybuffer";
  readonly controller: Controller;
  readonly store: Store<CapacityBuffer>;
  private readonly podTemplates;
  private readonly log;
  private readonly virtual = new Map<string, V1Pod[]>();
  private readonly placements = new Map<string, BufferPlacement>();
  private readonly replicas = new Map<string, number>();
  private readonly startups = new StartupRecord();
  /** The window each scheduled buffer was switched on for: it stays on until that window closes. */
  private readonly activeFor = new Map<string, Extract<Activity, { kind: "active" }>>();

  constructor(private readonly deps: BufferControllerDeps) {
    this.log = controllerLogger(deps.logger, this.name);
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log });
    const custom = deps.kube.customObjects;
    this.store = new Store<CapacityBuffer>({
      kc: deps.kube.kubeConfig,
      path: `/apis/${CapacityBuffers.group}/${CapacityBuffers.version}/${CapacityBuffers.plural}`,
      list: async () => (await custom.listCustomObjectForAllNamespaces({ ...CapacityBuffers })) as { items: unknown[] },
      // The API server's schema and CEL rules are tenon's: a buffer it stored that tenon cannot read is only logged.
      convert: (raw) => {
        const parsed = CapacityBufferSchema.safeParse(raw);
        if (parsed.success) return parsed.data;
        const m = (raw as { metadata?: { name?: string; namespace?: string } }).metadata;
        this.log.warn({ CapacityBuffer: { name: m?.name, namespace: m?.namespace }, problem: parsed.error.issues[0]?.message }, "ignoring unreadable capacitybuffer");
        return undefined;
      },
      logger: deps.logger,
    });
    this.podTemplates = podTemplateStore(deps.kube, deps.logger);
  }

  /** Every virtual pod of every buffer that asks for room now. */
  virtualPods(): V1Pod[] {
    return [...this.virtual.values()].flat();
  }

  /** Whether the buffers have been listed (no decision from a partial view of them). */
  get synced(): boolean {
    return this.store.synced && this.store.list().every((b) => this.replicas.has(keyOf(b)));
  }

  /** The provisioner's word on where each buffer's virtual pods went: the Provisioning condition. */
  placed(byBuffer: ReadonlyMap<string, BufferPlacement>): void {
    for (const [key, p] of byBuffer) {
      const before = this.placements.get(key);
      this.placements.set(key, p);
      if (!before || before.existing !== p.existing || before.newCapacity !== p.newCapacity || before.failed !== p.failed) this.controller.enqueue(key);
    }
  }

  watch(state: ClusterState): void {
    this.store.on((_event, b) => this.controller.enqueue(keyOf(b)));
    this.podTemplates.on((_event, t) => {
      for (const key of buffersForPodTemplate(this.store.list(), t.metadata?.namespace, t.metadata?.name)) this.controller.enqueue(key);
    });
    state.nodeClaims.on((event, c) => {
      if (event !== "delete") this.startups.observe(c);
    });
    for (const c of state.nodeClaims.list()) this.startups.observe(c);
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.store.start(), this.podTemplates.start()]);
    for (const b of this.store.list()) this.controller.enqueue(keyOf(b));
    signal.addEventListener("abort", () => void Promise.all([this.store.stop(), this.podTemplates.stop()]), { once: true });
    await this.controller.run(signal);
  }

  /** Follows the buffer's reference. Throws on errors other than "not found" (retried). */
  private async source(buffer: CapacityBuffer): Promise<Source> {
    const ref = referenceOf(buffer);
    if (ref.kind === "unresolved") return ref;
    const namespace = buffer.metadata.namespace ?? "default";
    const { core, apps } = this.deps.kube;
    try {
      if (ref.kind === "podTemplate") {
        const pt = await core.readNamespacedPodTemplate({ name: ref.name, namespace });
        const template: V1PodTemplateSpec = pt.template ?? {};
        if (!template.spec?.containers?.length) return { kind: "unresolved", reason: "ResolutionFailed", field: "spec.podTemplateRef.name", message: `PodTemplate "${namespace}/${ref.name}" has no containers` };
        return { kind: "podTemplate", name: ref.name, ...(pt.metadata?.generation !== undefined ? { generation: pt.metadata.generation } : {}), template };
      }
      const read = { name: ref.name, namespace };
      const w = ref.resource === "Deployment" ? await apps.readNamespacedDeployment(read) : ref.resource === "StatefulSet" ? await apps.readNamespacedStatefulSet(read) : await apps.readNamespacedReplicaSet(read);
      return { kind: "scalable", template: w.spec?.template ?? {}, replicas: w.spec?.replicas ?? 1 };
    } catch (err) {
      if (!isNotFound(err)) throw err;
      return ref.kind === "podTemplate"
        ? { kind: "unresolved", reason: "PodTemplateNotFound", field: "spec.podTemplateRef.name", message: `PodTemplate "${ref.name}" not found in namespace "${namespace}"` }
        : { kind: "unresolved", reason: "ScalableRefNotFound", field: "spec.scalableRef.name", message: `${ref.resource} "${ref.name}" not found in namespace "${namespace}"` };
    }
  }

  async reconcile(key: string): Promise<ReconcileResult | undefined> {
    const slash = key.indexOf("/");
    const buffer = this.store.get(key.slice(slash + 1), key.slice(0, slash));
    if (!buffer) {
      this.activeFor.delete(key);
      this.placements.delete(key);
      this.replicas.delete(key);
      if (this.virtual.delete(key)) this.deps.onChange?.();
      return undefined;
    }
    const now = this.deps.clock.now();
    for (const c of this.deps.state.nodeClaims.list()) this.startups.observe(c);
    const { leadMs } = this.startups.lead(this.deps.defaultStartupMs);
    const activity = holdActivity(this.activeFor.get(key), bufferActivity(buffer, now, leadMs), now);
    if (activity.kind === "active") this.activeFor.set(key, activity);
    else this.activeFor.delete(key);
    const r = resolveBuffer(buffer, await this.source(buffer), activity, leadMs, now);
    this.report(buffer, r);
    await this.writeStatus(buffer, r, now);
    this.setVirtual(key, buffer, r);
    const change = nextChange(activity);
    const wait = change === undefined ? BUFFER_RESYNC_MS : Math.min(BUFFER_RESYNC_MS, Math.max(1000, change - now + 1000));
    return { requeueAfterMs: wait };
  }

  private report(buffer: CapacityBuffer, r: Resolution): void {
    if (!r.problem) return;
    const { name, namespace, uid } = buffer.metadata;
    this.log.warn({ CapacityBuffer: { name, namespace }, field: r.problem.field, problem: r.problem.message }, "capacitybuffer set aside");
    this.deps.recorder.publish({
      involvedObject: { apiVersion: "autoscaling.x-k8s.io/v1beta1", kind: "CapacityBuffer", name: name ?? "", namespace: namespace ?? "default", ...(uid ? { uid } : {}) },
      type: "Warning",
      reason: r.problem.reason,
      message: `CapacityBuffer ${namespace}/${name}: ${r.problem.message}`,
    });
  }

  private async writeStatus(buffer: CapacityBuffer, r: Resolution, now: number): Promise<void> {
    let status = r.status;
    const placed = this.placements.get(keyOf(buffer));
    // The provisioner's placement speaks for the replicas it saw; a changed count waits for its next pass.
    const cond: ConditionUpdate | undefined = placed && r.replicas > 0 && this.replicas.get(keyOf(buffer)) === r.replicas ? provisioningCondition(placed, r.replicas) : undefined;
    if (cond) status = { ...status, conditions: setConditions(status.conditions, [cond], buffer.metadata.generation, now) };
    const old = buffer.status ?? {};
    const same =
      sameConditions(old.conditions, status.conditions) &&
      old.replicas === status.replicas &&
      old.podTemplateRef?.name === status.podTemplateRef?.name &&
      old.podTemplateGeneration === status.podTemplateGeneration &&
      old.provisioningStrategy === status.provisioningStrategy;
    if (same) return;
    const body = {
      metadata: { resourceVersion: buffer.metadata.resourceVersion },
      // Merge patch: null removes what no longer applies (a podTemplateRef after switching to scalableRef).
      status: { ...status, podTemplateRef: status.podTemplateRef ?? null, podTemplateGeneration: status.podTemplateGeneration ?? null },
    };
    try {
      await this.deps.kube.customObjects.patchNamespacedCustomObjectStatus(
        { ...CapacityBuffers, namespace: buffer.metadata.namespace ?? "default", name: buffer.metadata.name ?? "", body },
        mergePatch,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private setVirtual(key: string, buffer: CapacityBuffer, r: Resolution): void {
    const before = this.virtual.get(key);
    const pods = r.template && r.replicas > 0 ? buildVirtualPods(buffer, r.template, r.replicas) : [];
    this.replicas.set(key, r.replicas);
    if (pods.length === 0) {
      if (this.virtual.delete(key)) this.deps.onChange?.();
      return;
    }
    this.virtual.set(key, pods);
    if (!before || JSON.stringify(before) !== JSON.stringify(pods)) this.deps.onChange?.();
  }
}
