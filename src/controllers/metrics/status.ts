// operatorpkg's status controllers, one per kind Karpenter v1.14 runs them for (NodeClaim, NodePool,
// Node; EC2NodeClass from the AWS provider): each looks at an object whenever its watch changes and
// every 10 s after (so the condition ages move), and writes the status-condition and termination
// families through a StatusObserver. Named as Karpenter's (operatorpkg.<kind>.status), so their
// controller_runtime_* series read the same.
import type { ClusterState } from "../../state/cluster.js";
import { controllerLogger } from "../../operator/logging.js";
import { Controller, type ReconcileResult, type Reconciler } from "../runtime/controller.js";
import type { ControllerDeps, ManagedController } from "../shared/deps.js";
import { type StatusFamilies, type StatusKind, statusFamilies, statusKinds } from "./status-families.js";
import { type ObservedObject, StatusObserver } from "./status-observer.js";

/** The parts of a watch's store a status controller reads (any of ClusterState's stores). */
export interface ObjectSource {
  on(handler: (event: "add" | "update" | "delete", obj: ObservedObject) => void): void;
  list(): ObservedObject[];
  get(name: string): ObservedObject | undefined;
}

/** What a status controller reads: the watches, the clock, and where its Events and logs go. */
export type StatusDeps = Pick<ControllerDeps, "state" | "clock" | "recorder" | "logger">;

/** operatorpkg requeues every object this often, which is how fresh current_status_seconds is. */
export const statusRequeueMs = 10_000;

export class StatusConditionController implements Reconciler, ManagedController {
  readonly name: string;
  readonly controller: Controller;
  private readonly observer: StatusObserver;

  constructor(
    deps: StatusDeps,
    kind: StatusKind,
    families: StatusFamilies,
    private readonly storeOf: (state: ClusterState) => ObjectSource,
  ) {
    this.name = `operatorpkg.${kind.name}.status`;
    this.observer = new StatusObserver(kind, families, () => deps.clock.now(), (e) => deps.recorder.publish(e));
    // operatorpkg's default of 10 workers; a look only reads the cache, so they rarely overlap.
    this.controller = new Controller(this, { clock: deps.clock, logger: controllerLogger(deps.logger, this.name), concurrency: 10 });
    this.state = deps.state;
  }

  private readonly state: ClusterState;

  watch(state: ClusterState): void {
    const store = this.storeOf(state);
    store.on((_event, obj) => this.controller.enqueue(obj.metadata?.name ?? ""));
    for (const obj of store.list()) this.controller.enqueue(obj.metadata?.name ?? "");
  }

  run(signal: AbortSignal): Promise<void> {
    return this.controller.run(signal);
  }

  async reconcile(name: string): Promise<ReconcileResult | undefined> {
    const obj = this.storeOf(this.state).get(name);
    this.observer.observe(name, obj);
    return obj ? { requeueAfterMs: statusRequeueMs } : undefined;
  }
}

/** The four status controllers, on the process-wide families unless a test gives its own. */
export function newStatusConditionControllers(deps: StatusDeps, families = statusFamilies): StatusConditionController[] {
  return [
    new StatusConditionController(deps, statusKinds.nodeclaim, families.nodeclaim, (s) => s.nodeClaims),
    new StatusConditionController(deps, statusKinds.nodepool, families.nodepool, (s) => s.nodePools),
    new StatusConditionController(deps, statusKinds.node, families.node, (s) => s.nodes),
    new StatusConditionController(deps, statusKinds.ec2nodeclass, families.ec2nodeclass, (s) => s.nodeClasses),
  ];
}
