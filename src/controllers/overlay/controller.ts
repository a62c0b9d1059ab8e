// NodeOverlays (behind the NodeOverlay gate): watches them, hands them to every place instance
// types are priced or sized (through OverlaidCloudProvider, so provisioning and disruption see the
// same overlaid types), and reports on each overlay: ValidationSucceeded False with reason Conflict
// when another of the same weight sets the same field of a type it selects, and Ready.
import type { NodeOverlay } from "../../apis/nodeoverlay.js";
import { NodeOverlaySchema } from "../../apis/nodeoverlay.js";
import type { NodePool } from "../../apis/nodepool.js";
import { ConditionReady, ConditionValidationSucceeded } from "../../apis/labels.js";
import { applyOverlays, type OverlayConflict } from "../../cloudprovider/overlay.js";
import type { CloudProvider, InstanceType } from "../../cloudprovider/types.js";
import { controllerLogger } from "../../operator/logging.js";
import type { ClusterState } from "../../state/cluster.js";
import { Store } from "../../state/store.js";
import { type ConditionUpdate, sameConditions, setConditions } from "../shared/conditions.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { patchStatus } from "../shared/kube.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";

export const NodeOverlays = { group: "karpenter.sh", version: "v1alpha1", plural: "nodeoverlays" } as const;
/** Conflicts depend on the catalog, which changes without an overlay event: look again this often. */
export const OVERLAY_RESYNC_MS = 60_000;

/** Every place that reads instance types reads them through this when the gate is on. */
export class OverlaidCloudProvider implements CloudProvider {
  readonly name: string;
  constructor(
    private readonly inner: CloudProvider,
    private readonly overlays: NodeOverlayController,
  ) {
    this.name = inner.name;
  }
  create: CloudProvider["create"] = (c) => this.inner.create(c);
  delete: CloudProvider["delete"] = (c) => this.inner.delete(c);
  get: CloudProvider["get"] = (id) => this.inner.get(id);
  list: CloudProvider["list"] = () => this.inner.list();
  isDrifted: CloudProvider["isDrifted"] = (c) => this.inner.isDrifted(c);
  getSupportedNodeClasses: CloudProvider["getSupportedNodeClasses"] = () => this.inner.getSupportedNodeClasses();

  async getInstanceTypes(nodePool: NodePool): Promise<InstanceType[]> {
    const types = await this.inner.getInstanceTypes(nodePool);
    // Never price from a partial list of overlays: wait for the first full one.
    await this.overlays.ready();
    return applyOverlays(types, this.overlays.list(), nodePool).types;
  }
}

export class NodeOverlayController implements Reconciler, ManagedController {
  readonly name = "nodeoverlay";
  readonly controller: Controller;
  readonly store: Store<NodeOverlay>;
  private readonly log;
  private started?: Promise<void>;

  constructor(private readonly deps: ControllerDeps) {
    this.log = controllerLogger(deps.logger, this.name);
    this.controller = new Controller(this, { clock: deps.clock, logger: this.log });
    const custom = deps.kube.customObjects;
    this.store = new Store<NodeOverlay>({
      kc: deps.kube.kubeConfig,
      path: `/apis/${NodeOverlays.group}/${NodeOverlays.version}/${NodeOverlays.plural}`,
      list: async () => (await custom.listClusterCustomObject({ ...NodeOverlays })) as { items: unknown[] },
      // An overlay tenon cannot read is left out (never half-applied), and the log says which.
      convert: (raw) => {
        const parsed = NodeOverlaySchema.safeParse(raw);
        if (parsed.success) return parsed.data;
        this.log.warn({ NodeOverlay: { name: (raw as { metadata?: { name?: string } }).metadata?.name }, problem: parsed.error.issues[0]?.message }, "ignoring invalid nodeoverlay");
        return undefined;
      },
      logger: deps.logger,
    });
  }

  /** Resolves once the overlays have been listed. */
  ready(): Promise<void> {
    if (!this.started) this.started = this.store.start();
    return this.started;
  }

  list(): NodeOverlay[] {
    return this.store.list();
  }

  /** The types as the named NodePool's overlays make them (unchanged when the pool is unknown). */
  async overlaid(nodePoolName: string, types: InstanceType[]): Promise<InstanceType[]> {
    await this.ready();
    const pool = this.deps.state.nodePools.get(nodePoolName);
    return pool ? applyOverlays(types, this.list(), pool).types : types;
  }

  watch(state: ClusterState): void {
    this.store.on((event, o) => {
      if (event !== "delete") this.controller.enqueue(o.metadata.name ?? "");
      // Another overlay's change may end or start a conflict with this one.
      for (const other of this.store.list()) this.controller.enqueue(other.metadata.name ?? "");
    });
    state.nodePools.on(() => {
      for (const o of this.store.list()) this.controller.enqueue(o.metadata.name ?? "");
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.ready();
    for (const o of this.store.list()) this.controller.enqueue(o.metadata.name ?? "");
    signal.addEventListener("abort", () => void this.store.stop(), { once: true });
    await this.controller.run(signal);
  }

  /** Conflicts of the overlays over every pool's instance types. */
  async conflicts(): Promise<OverlayConflict[]> {
    const out: OverlayConflict[] = [];
    for (const np of this.deps.state.nodePools.list()) {
      let types: InstanceType[];
      try {
        types = await this.deps.cloudProvider.getInstanceTypes(np);
      } catch {
        continue; // the pool's own status says why its types cannot be read
      }
      out.push(...applyOverlays(types, this.list(), np).conflicts);
    }
    return out;
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const overlay = this.store.get(name);
    if (!overlay) return undefined;
    const mine = (await this.conflicts()).filter((c) => c.overlay === name);
    const first = mine[0];
    const validation: ConditionUpdate = first
      ? {
          type: ConditionValidationSucceeded,
          status: "False",
          reason: "Conflict",
          message: `conflicts with NodeOverlay "${first.winner}" of the same weight on ${first.field} of ${first.instanceType}${mine.length > 1 ? ` (and ${mine.length - 1} more)` : ""}; "${first.winner}" is applied`,
        }
      : { type: ConditionValidationSucceeded, status: "True", reason: ConditionValidationSucceeded, message: "" };
    const ready: ConditionUpdate = first ? { type: ConditionReady, status: "False", reason: "Conflict", message: validation.message } : { type: ConditionReady, status: "True", reason: ConditionReady, message: "" };
    const now = this.deps.clock.now();
    const conditions = setConditions(overlay.status?.conditions, [validation, ready], overlay.metadata.generation, now);
    if (!sameConditions(overlay.status?.conditions, conditions)) {
      await patchStatus(this.deps.kube, NodeOverlays, name, overlay.metadata.resourceVersion, { conditions });
    }
    return { requeueAfterMs: OVERLAY_RESYNC_MS };
  }
}
