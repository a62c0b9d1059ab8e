// The cap on pods in one simulation (limits.ts): checked from the counts each workload would add,
// before any pod is built, so `replicas: 100000` costs nothing but the message.
import { MaxPods } from "../simulate/limits.js";
import { ManifestError } from "./errors.js";

export interface PodContribution {
  /** How messages name the object ("Deployment \"shop/web\""). */
  ref: string;
  source: string;
  /** The field that sets the count (spec.replicas, spec.parallelism). */
  field: string;
  pods: number;
}

export function checkPodCap(inputPods: number, contributions: readonly PodContribution[]): void {
  const total = contributions.reduce((n, c) => n + c.pods, inputPods);
  if (total <= MaxPods) return;
  const largest = [...contributions].sort((a, b) => b.pods - a.pods)[0];
  const intro = largest && largest.pods > 0 ? `${largest.source}: ${largest.ref}: ${largest.field}: makes ${largest.pods} pods; ` : "";
  throw new ManifestError(
    `${intro}the input makes ${total} pods in all (${inputPods} given as Pods), and tenon simulate plans at most ${MaxPods} pods in one simulation; ` +
      "lower the replica counts, or simulate the workloads in parts",
  );
}
