// operatorpkg's status-condition and termination families, as Karpenter v1.14 builds them: per kind
// (operator_<kind>_status_condition_*, operator_<kind>_termination_*) with the object labels
// Karpenter adds, and for NodeClaim, NodePool and EC2NodeClass also the older kind-less families
// (operator_status_condition_*, operator_termination_*), labelled with group and kind, that
// Karpenter still emits for dashboards written before the per-kind ones.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { EC2NodeClassLabel, NodeInitializedLabel, NodePoolLabel } from "../../apis/labels.js";
import { registry } from "../../operator/metrics.js";

/** Prometheus's client default buckets (operatorpkg's when a controller asks for none). */
export const defaultBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Karpenter's buckets for its own kinds: 0.5 s doubling to 8192 s. */
export const karpenterStatusBuckets: readonly number[] = Array.from({ length: 15 }, (_, i) => 0.5 * 2 ** i);

/** A kind watched for conditions: what its families are called and which object labels they carry. */
export interface StatusKind {
  /** Lower-cased kind, the families' infix: operator_<kind>_status_condition_count. */
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  /** Object label keys copied onto every series, as operatorpkg's WithLabels. */
  readonly objectLabels: readonly string[];
  readonly buckets: readonly number[];
  /** Also write the kind-less families (operatorpkg's EmitDeprecatedMetrics). */
  readonly deprecated: boolean;
}

/** The kinds Karpenter v1.14 (core and the AWS provider) runs a status controller for. */
export const statusKinds = {
  nodeclaim: { name: "nodeclaim", group: "karpenter.sh", kind: "NodeClaim", objectLabels: [EC2NodeClassLabel, NodePoolLabel], buckets: karpenterStatusBuckets, deprecated: true },
  nodepool: { name: "nodepool", group: "karpenter.sh", kind: "NodePool", objectLabels: [], buckets: karpenterStatusBuckets, deprecated: true },
  node: { name: "node", group: "", kind: "Node", objectLabels: [EC2NodeClassLabel, NodePoolLabel, NodeInitializedLabel], buckets: karpenterStatusBuckets, deprecated: false },
  ec2nodeclass: { name: "ec2nodeclass", group: "karpenter.k8s.aws", kind: "EC2NodeClass", objectLabels: [], buckets: defaultBuckets, deprecated: true },
} as const satisfies Record<string, StatusKind>;

/** operatorpkg's label name for an object label key: karpenter.sh/nodepool → karpenter_sh_nodepool. */
export function promLabel(key: string): string {
  return key.replace(/[/.-]/g, "_");
}

const objectLabels = ["namespace", "name"] as const;
const conditionLabels = ["type", "status", "reason"] as const;

function familySet(registry: Registry, prefix: string, extra: readonly string[], buckets: readonly number[]) {
  const registers = [registry];
  return {
    count: new Gauge({
      name: `${prefix}_status_condition_count`,
      help: "The number of a condition for a given object, type and status. e.g. Alarm := Available=False > 0",
      labelNames: [...objectLabels, ...conditionLabels, ...extra],
      registers,
    }),
    currentStatusSeconds: new Gauge({
      name: `${prefix}_status_condition_current_status_seconds`,
      help: "The current amount of time in seconds that a status condition has been in a specific state. Alarm := P99(Updated=Unknown) > 5 minutes",
      labelNames: [...objectLabels, ...conditionLabels, ...extra],
      registers,
    }),
    transitions: new Counter({
      name: `${prefix}_status_condition_transitions_total`,
      help: "The count of transitions of a given object, type and status.",
      labelNames: [...conditionLabels, ...extra],
      registers,
    }),
    transitionSeconds: new Histogram({
      name: `${prefix}_status_condition_transition_seconds`,
      help: "The amount of time a condition was in a given state before transitioning. e.g. Alarm := P99(Updated=False) > 5 minutes",
      labelNames: ["type", "status", ...extra],
      buckets: [...buckets],
      registers,
    }),
    terminationCurrentSeconds: new Gauge({
      name: `${prefix}_termination_current_time_seconds`,
      help: "The current amount of time in seconds that an object has been in terminating state.",
      labelNames: [...objectLabels, ...extra],
      registers,
    }),
    terminationDuration: new Histogram({
      name: `${prefix}_termination_duration_seconds`,
      help: "The amount of time taken by an object to terminate completely.",
      labelNames: [...extra],
      buckets: [...buckets],
      registers,
    }),
  };
}

export type StatusFamilySet = ReturnType<typeof familySet>;

/** The families one kind writes: its own, and the kind-less ones when it emits those. */
export interface StatusFamilies {
  readonly own: StatusFamilySet;
  readonly deprecated?: StatusFamilySet;
}

export function createStatusFamilies(registry: Registry) {
  const deprecated = familySet(registry, "operator", ["group", "kind"], defaultBuckets);
  const of = (k: StatusKind): StatusFamilies => ({
    own: familySet(registry, `operator_${k.name}`, k.objectLabels.map(promLabel), k.buckets),
    ...(k.deprecated ? { deprecated } : {}),
  });
  return {
    nodeclaim: of(statusKinds.nodeclaim),
    nodepool: of(statusKinds.nodepool),
    node: of(statusKinds.node),
    ec2nodeclass: of(statusKinds.ec2nodeclass),
  };
}

/** The process-wide status families, on the registry /metrics serves. */
export const statusFamilies = createStatusFamilies(registry);
