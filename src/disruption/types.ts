// The disruption core's data: what it decides from (plain objects, as the cluster state cache or
// a set of manifests holds them) and what it decides (commands, explanations, condition states).
import type { V1DaemonSet, V1Namespace, V1Node, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { DisruptionReason, NodePool } from "../apis/nodepool.js";
import type { NodeClaim } from "../apis/nodeclaim.js";
import type { DriftReason, InstanceType } from "../cloudprovider/types.js";
import type { PlannedNodeClaim, SchedulingInput } from "../scheduling/types.js";
import type { PoolBudget } from "./budgets.js";
import type { ModelIndex } from "../state/model.js";

export interface DisruptionInput {
  nodePools: readonly NodePool[];
  nodeClaims: readonly NodeClaim[];
  nodes: readonly V1Node[];
  /** Every pod: bound ones (by spec.nodeName) and pending ones. */
  pods: readonly V1Pod[];
  pdbs?: readonly V1PodDisruptionBudget[];
  daemonSets?: readonly V1DaemonSet[];
  volumes?: SchedulingInput["volumes"];
  namespaces?: readonly V1Namespace[];
  /** Instance types each NodePool can launch, by NodePool name. */
  instanceTypes: ReadonlyMap<string, InstanceType[]>;
  /** What CloudProvider.isDrifted reported, by NodeClaim name (absent: not drifted, or not asked). */
  cloudDrift?: ReadonlyMap<string, DriftReason>;
  /** NodeClaim names of candidates of commands already in progress: not candidates, counted as disrupting. */
  inProgress?: ReadonlySet<string>;
  /** The watches' pod indexes over `pods` (ClusterState.index); derived from `pods` when absent. */
  index?: ModelIndex;
}

export interface DisruptionOptions {
  /** Wall-clock time (ms since the epoch): budgets, consolidateAfter, expiry and sleep windows. */
  now: number;
  /** A monotonic clock in ms for the time budgets of a pass; without it the searches never time out. */
  elapsed?: () => number;
  /** PREFERENCE_POLICY and MIN_VALUES_POLICY, as the provisioner applies them: simulations schedule the same way. */
  scheduling?: Pick<NonNullable<SchedulingInput["options"]>, "ignorePreferences" | "minValuesPolicy">;
  /** Karpenter's SpotToSpotConsolidation feature gate. */
  spotToSpotConsolidation?: boolean;
  /** Karpenter: 1 minute. */
  multiNodeTimeoutMs?: number;
  /** Karpenter: 3 minutes. */
  singleNodeTimeoutMs?: number;
  /** Karpenter considers at most 100 nodes at once in multi-node consolidation. */
  maxMultiNodeCandidates?: number;
  /**
   * Run every method and evaluate every single-node consolidation candidate, even after a command
   * was found: every candidate gets its outcome (part of a command, an option, or an explanation).
   * Later methods see the budgets the earlier commands left. For `tenon simulate` and benchmarks.
   */
  exhaustive?: boolean;
  /**
   * Treat Nodes labelled with a NodePool but without a NodeClaim as managed (a snapshot of Nodes
   * and Pods without NodeClaims, as `tenon simulate --disruption` reads). Default false.
   */
  nodesWithoutClaims?: boolean;
  /** Only NodePools whose Ready condition is True launch replacements (Karpenter). Default true. */
  requireReadyNodePools?: boolean;
  /** Which methods run (all by default), e.g. to test one in isolation. */
  methods?: readonly Method[];
}

/** Ways to disrupt, in the order a pass tries them (expiration is separate: forceful, no budgets). */
export type Method = "sleep" | "limits" | "drift" | "emptiness" | "multi" | "single";
export const Methods: readonly Method[] = ["sleep", "limits", "drift", "emptiness", "multi", "single"];

export interface MethodInfo {
  method: Method;
  /** Karpenter's reason as a metric label value (snake_case). */
  metricReason: string;
  /** The budget reason that gates it; undefined = every active budget (tenon's own methods). */
  budgetReason: DisruptionReason | undefined;
  /** The condition/event reason word (CamelCase). */
  reason: string;
  /** Karpenter's consolidation_type label value. */
  consolidationType: "" | "empty" | "multi" | "single";
  /** Graceful: blocking pods (PDB, do-not-disrupt) exclude a node. Eventual: not if the claim has a terminationGracePeriod. */
  eventual: boolean;
}

export const MethodInfos: Record<Method, MethodInfo> = {
  sleep: { method: "sleep", metricReason: "asleep", budgetReason: undefined, reason: "Asleep", consolidationType: "", eventual: true },
  limits: { method: "limits", metricReason: "over_limit", budgetReason: undefined, reason: "OverLimit", consolidationType: "", eventual: true },
  drift: { method: "drift", metricReason: "drifted", budgetReason: "Drifted", reason: "Drifted", consolidationType: "", eventual: true },
  emptiness: { method: "emptiness", metricReason: "empty", budgetReason: "Empty", reason: "Empty", consolidationType: "empty", eventual: false },
  multi: { method: "multi", metricReason: "underutilized", budgetReason: "Underutilized", reason: "Underutilized", consolidationType: "multi", eventual: false },
  single: { method: "single", metricReason: "underutilized", budgetReason: "Underutilized", reason: "Underutilized", consolidationType: "single", eventual: false },
};

/** A Node (or a NodeClaim still without one): the one cluster model's record of it. */
export type { StateNode } from "../state/model.js";
import type { StateNode } from "../state/model.js";

/** A node that may be disrupted, with what deciding about it needs. */
export interface Candidate extends StateNode {
  nodePool: NodePool;
  instanceType: InstanceType;
  price: number;
  /** Pods that need a new home when the node goes. */
  reschedulablePods: V1Pod[];
  /** Karpenter's order: rescheduling cost × lifetime remaining; cheapest to disrupt first. */
  disruptionCost: number;
  /** Why a graceful method may not disrupt it (do-not-disrupt or PodDisruptionBudget), if so. */
  podBlock?: { kind: "PodDoNotDisrupt" | "PodDisruptionBudget"; message: string; pods: string[] };
  /** When consolidateAfter will have passed since the last pod event; undefined when consolidation is off. */
  consolidatableAt?: number;
  consolidatable: boolean;
}

export interface Replacement {
  nodePool: string;
  /** The solver's claim with its instance types narrowed to those the decision allows. */
  planned: PlannedNodeClaim;
  /** The cheapest option's price. */
  pricePerHour: number;
}

export interface Command {
  method: Method;
  decision: "delete" | "replace";
  candidates: Candidate[];
  replacements: Replacement[];
  /** What the candidates cost per hour. */
  pricePerHour: number;
  /** What the replacements cost per hour (their cheapest options). */
  replacementPricePerHour: number;
  savingsPerHour: number;
}

export type ExplanationKind =
  | "NotManaged"
  | "NotInitialized"
  | "NodePoolNotFound"
  | "InstanceTypeNotFound"
  | "DoNotDisrupt"
  | "PodDoNotDisrupt"
  | "PodDisruptionBudget"
  | "ConsolidationDisabled"
  | "WhenEmpty"
  | "ConsolidateAfter"
  | "Budget"
  | "PodsDoNotFit"
  | "UninitializedTarget"
  | "NotCheaper"
  | "BelowMinSavings"
  | "BalancedScore"
  | "MultipleReplacements"
  | "SpotToSpotDisabled"
  | "SpotToSpotTooFewTypes"
  | "MinValues"
  | "Timeout"
  | "NotEvaluated";

/** Why a node was not disrupted. */
export interface Explanation {
  node: string;
  nodeClaim?: string;
  nodePool?: string;
  /** The method whose evaluation says so; undefined for reasons that hold for every method. */
  method?: Method;
  kind: ExplanationKind;
  message: string;
  /** The Karpenter event reason it is published under. */
  event: "Unconsolidatable" | "DisruptionBlocked";
  /** namespace/name of the pods at fault, if any. */
  pods?: string[];
}

export interface Expiration {
  claim: NodeClaim;
  node?: V1Node;
  expiredAt: number;
}

export interface ConsolidatableState {
  claim: string;
  /** consolidateAfter has passed since the last pod event. */
  consolidatable: boolean;
  /** When it will (or did); undefined when consolidation is off (consolidateAfter: Never) or the claim is not initialized. */
  at?: number;
}

export interface DriftState {
  claim: string;
  /** The drift reason (NodePoolDrifted, RequirementsDrifted, or the cloud provider's), or undefined when not drifted. */
  reason?: string;
  message?: string;
}

export interface DisruptionPlan {
  now: number;
  /** NodeClaims past their expireAfter: deleted forcefully, budgets or not. */
  expired: Expiration[];
  /** Drift of every launched NodeClaim (for its Drifted condition). */
  drift: DriftState[];
  /** Consolidatable state of every initialized NodeClaim (for its Consolidatable condition). */
  consolidatable: ConsolidatableState[];
  /** The command this pass chose (at most one, as Karpenter). */
  command?: Command;
  /** Further commands found in exhaustive mode (later methods, other single-node consolidations), not chosen. */
  options: Command[];
  /** Why nodes were not disrupted; a node may have one per method that looked at it. */
  explanations: Explanation[];
  /** Budgets per reason ("Drifted", "Empty", "Underutilized", and "All" for tenon's methods). */
  budgets: Record<string, PoolBudget[]>;
  /** Candidates per method (karpenter_voluntary_disruption_eligible_nodes). */
  eligible: Partial<Record<Method, number>>;
  /** Methods whose search ran out of time and returned the best found. */
  timeouts: Method[];
  /** Milliseconds each method took (from `elapsed`). */
  timings: Partial<Record<Method, number>>;
  /** Problems with NodePools' settings that do not stop the pass (unreadable annotations …). */
  warnings: { nodePool: string; message: string }[];
  /** Solver runs made. */
  simulations: number;
  /** Consolidation moves scored this pass (karpenter_consolidation_moves_total and _score). */
  moves: ConsolidationMove[];
}

/**
 * A consolidation move as Karpenter counts it: every single-node command found, and once per
 * NodePool the multi-node search's result (the command it found, else the last one Balanced
 * scoring refused). `score` only for the pools scored (consolidationPolicy: Balanced), with that
 * pool's own verdict: in a refused multi-node move one pool may have approved it.
 */
export interface ConsolidationMove {
  decision: Decision;
  nodePool: string;
  policy: string;
  /** Single-node moves (one candidate) are announced on the node, multi-node ones on the NodePool. */
  kind: "single" | "multi";
  /** The names of the move's candidates of this NodePool. */
  nodes: string[];
  score?: { value: number; decision: Decision; threshold: number; k: number; savingsFraction: number; disruptionFraction: number };
}

type Decision = "approved" | "rejected";
