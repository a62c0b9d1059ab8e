import type { Logger } from "pino";
import type { CloudProvider } from "../../cloudprovider/types.js";
import type { EventRecorder } from "../../operator/events.js";
import type { KubeClients } from "../../operator/kube.js";
import type { Metrics } from "../../operator/metrics.js";
import type { ClusterState } from "../../state/cluster.js";
import type { Clock } from "../runtime/clock.js";
import type { Controller } from "../runtime/controller.js";

/** What every controller needs; main.ts builds one of these and hands it to each constructor. */
export interface ControllerDeps {
  kube: KubeClients;
  state: ClusterState;
  cloudProvider: CloudProvider;
  recorder: EventRecorder;
  logger: Logger;
  clock: Clock;
  /** Defaults to the process-wide `metrics`; tests pass their own registry's. */
  metrics?: Metrics;
}

/**
 * A controller ready to be wired: `watch()` subscribes to the cluster state and enqueues what it
 * already holds (so it may be called before or after `state.start()`); `run()` works the queue(s)
 * until the signal aborts.
 */
export interface ManagedController {
  readonly name: string;
  /** The primary controller (tests enqueue keys on it directly). */
  readonly controller: Controller;
  watch(state: ClusterState): void;
  run(signal: AbortSignal): Promise<void>;
}
