// One offline scheduling pass: manifests in, the solver's plan out. No I/O beyond reading the
// bundled catalog, so the command and tests share it.
import type { ManifestSet } from "../manifests/classify.js";
import { buildCluster } from "../manifests/cluster.js";
import { type SchedulingInput, type SchedulingResult, solve } from "../../scheduling/index.js";
import { schedulingInput } from "../../state/solverinput.js";
import { type BufferOutcome, type OverlayChange, bufferOutcomes, overlayChanges, planBuffers } from "./buffers.js";
import { instanceTypesFor } from "./instance-types.js";

export interface SimulationOptions {
  region: string;
  ignorePreferences?: boolean;
  exactTimeBudgetMs?: number;
  /** The simulated time (buffers' active windows); now by default. */
  now?: number;
}

export interface Simulation {
  input: SchedulingInput;
  result: SchedulingResult;
  /** Things the user should know that do not make the input invalid. */
  warnings: string[];
  /** Each CapacityBuffer of the input and where its room went. */
  buffers: BufferOutcome[];
  /** What the NodeOverlays of the input changed. */
  overlays: OverlayChange[];
}

export function simulate(set: ManifestSet, opts: SimulationOptions): Simulation {
  const types = instanceTypesFor(set.nodePools, set.nodeClasses, opts.region, set.sources, set.nodeOverlays);
  const cluster = buildCluster(set, { instanceTypes: types.byNodePool });
  const warnings = [...set.warnings, ...types.warnings, ...cluster.warnings];
  const buffers = planBuffers(set, opts.now ?? Date.now());
  for (const b of buffers) if (b.setAside) warnings.push(`CapacityBuffer "${b.buffer}" ${b.state}`);
  const virtual = buffers.flatMap((b) => b.pods);
  const overlays = set.nodeOverlays.length > 0 ? overlayChanges(instanceTypesFor(set.nodePools, set.nodeClasses, opts.region, set.sources).byNodePool, types.byNodePool) : [];
  if (set.nodePools.length === 0 && cluster.pendingPods.length > 0) warnings.push("the input has no NodePool, so no new nodes can be planned");
  // The same input the provisioner builds from the live cluster: the pending pods, and the pods of
  // nodes on their way out, against every node and NodeClaim of the snapshot.
  const input: SchedulingInput = schedulingInput(cluster.model, {
    // A buffer's room is planned as the provisioner plans it: its virtual pods with the pending ones.
    pods: [...cluster.pendingPods, ...cluster.model.deletingPods, ...virtual],
    nodePools: set.nodePools,
    instanceTypes: types.byNodePool,
    volumes: cluster.volumes,
    options: { ignorePreferences: opts.ignorePreferences === true, exactTimeBudgetMs: opts.exactTimeBudgetMs ?? 0 },
  });
  const result = solve(input);
  return { input, result, warnings, buffers: bufferOutcomes(buffers, result), overlays };
}
