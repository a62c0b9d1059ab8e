import type {
  V1DaemonSet,
  V1Namespace,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1StorageClass,
  V1Taint,
} from "@kubernetes/client-node";
import type { NodePool } from "../apis/nodepool.js";
import type { InstanceType, RequirementSpec, ResourceList } from "../cloudprovider/types.js";

export interface SchedulingInput {
  /** Pods to place (pending, or being moved off nodes a simulation removes). */
  pods: V1Pod[];
  /** Parsed and defaulted NodePools (src/apis). */
  nodePools: NodePool[];
  /** Instance types each NodePool can launch, by NodePool name. */
  instanceTypes: Map<string, InstanceType[]>;
  /** Real nodes and in-flight NodeClaims, with the pods bound to them. */
  existingNodes: ExistingNode[];
  daemonSets: V1DaemonSet[];
  volumes?: { claims: V1PersistentVolumeClaim[]; volumes: V1PersistentVolume[]; storageClasses: V1StorageClass[] };
  /** Resources and a "nodes" count already used per NodePool (existing and in-flight capacity). */
  nodePoolUsage?: Map<string, ResourceList>;
  /** Namespaces with their labels, for pod affinity terms that select namespaces by label. */
  namespaces?: V1Namespace[];
  options?: {
    /** Treat every preference as absent (Karpenter's PREFERENCE_POLICY=Ignore). */
    ignorePreferences?: boolean;
    /**
     * Karpenter's MIN_VALUES_POLICY: Strict (default) makes no claim whose instance types cannot meet
     * a minValues; BestEffort makes it with the values there are and says so (minValuesRelaxed).
     */
    minValuesPolicy?: MinValuesPolicy;
    /** How many instance types a planned NodeClaim lists for launch fallback (default 60). */
    maxInstanceTypes?: number;
    /** Skip the improvement pass after the greedy packing (faster, a little costlier). */
    skipImprovement?: boolean;
    /**
     * Time budget of the exact stage (src/scheduling/exact), in milliseconds: the cost-optimal packing
     * by MILP for a batch it can express, kept when cheaper than the heuristic's. 0 (the default)
     * turns it off: the budget is wall-clock, so a plan that depends on it differs with the machine's
     * load; callers ask for it (`tenon simulate --exact-budget`, the benchmarks).
     */
    exactTimeBudgetMs?: number;
  };
}

export type MinValuesPolicy = "Strict" | "BestEffort";

export interface ExistingNode {
  name: string;
  nodePool?: string;
  labels: Record<string, string>;
  taints: V1Taint[];
  /** Canonical units (see ResourceList). */
  allocatable: ResourceList;
  /** Pods bound to the node; terminal ones are ignored. */
  pods: V1Pod[];
  /** A NodeClaim launched or launching whose node is not initialized yet. */
  inFlight: boolean;
  /** Being disrupted or deleted: nothing new goes there, and its pods no longer count for topology. */
  markedForDeletion?: boolean;
  /** An in-flight node's startup taints, which will be gone by the time pods bind. */
  startupTaints?: V1Taint[];
}

export interface PlannedNodeClaim {
  nodePool: string;
  /** The NodeClaim's requirements: the NodePool's, narrowed by its pods, plus instance-type In [the list]. */
  requirements: RequirementSpec[];
  /** Compatible types that fit the pods, cheapest first (at most maxInstanceTypes, minValues honoured). */
  instanceTypes: InstanceType[];
  zones: string[];
  capacityTypes: string[];
  pods: V1Pod[];
  /** The pods' requests plus the daemonset overhead of the first instance type. */
  requests: ResourceList;
  /** Price of the cheapest compatible available offering of the cheapest type. */
  pricePerHour: number;
  labels: Record<string, string>;
  taints: V1Taint[];
  startupTaints: V1Taint[];
  /** The placeholder hostname pods were planned against (hostname topology). */
  hostname: string;
  /** MIN_VALUES_POLICY=BestEffort lowered a minValues to what the fitting types offer (the NodeClaim says so in karpenter.sh/nodeclaim-min-values-relaxed). */
  minValuesRelaxed: boolean;
}

export type Constraint =
  | "requirement"
  | "taint"
  | "resources"
  | "limits"
  | "topology"
  | "affinity"
  | "antiAffinity"
  | "hostPort"
  | "volume"
  | "offering"
  | "minValues";

/** One reason a pod could not be placed, machine-readable. */
export interface Explanation {
  /** The NodePool the reason is about; absent for existing nodes and pod-wide reasons. */
  nodePool?: string;
  /** Set for reasons about existing nodes: how many nodes failed this way. */
  existingNodes?: number;
  constraint: Constraint;
  detail: string;
}

export interface UnschedulablePod {
  pod: V1Pod;
  reasons: Explanation[];
  /** The reasons in plain words: `nodepool "spot": …; nodepool "gpu": …`. */
  message: string;
}

/**
 * An input object the solver could not use (an unreadable quantity, an unknown operator), left out
 * so that everything else is still planned. `field` names where the problem is.
 */
export interface RejectedInput {
  kind: "NodePool" | "DaemonSet" | "Pod";
  /** namespace/name, or name for cluster-scoped objects. */
  name: string;
  field: string;
  message: string;
}

export interface SchedulingResult {
  nodeClaims: PlannedNodeClaim[];
  /** Existing nodes that receive pods in this plan, with those pods. */
  existingNodes: { name: string; pods: V1Pod[] }[];
  unschedulable: UnschedulablePod[];
  totalPricePerHour: number;
  /** A proven lower bound on the price of any packing of the pods this plan places. */
  lowerBoundPricePerHour: number;
  /** totalPricePerHour ÷ lowerBoundPricePerHour (1 when both are 0). */
  costRatio: number;
  /** Objects left out of the plan because they could not be read; the pods they hold are not placed. */
  rejected: RejectedInput[];
  /** What the exact stage did (absent when the solve never reached it). */
  exact?: ExactReport;
}

/** The exact stage's account of a solve. */
export interface ExactReport {
  /**
   * optimal: the plan's price is proven minimal for the pods it places; withinBound: the exact stage
   * ran but did not prove optimality (the plan is within costRatio of the bound); skipped: it did
   * not run, and `reason` says why.
   */
  outcome: "optimal" | "withinBound" | "skipped";
  /** The plan is the exact stage's (cheaper than the heuristic's). */
  usedExactPlan: boolean;
  reason?: string;
  heuristicPricePerHour: number;
  milliseconds: number;
  budgetMs: number;
  columns?: number;
  rows?: number;
  solverStatus?: string;
}
