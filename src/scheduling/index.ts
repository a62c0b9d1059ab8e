// The scheduling core: pure functions from pods, NodePools, instance types and cluster state to
// the NodeClaims to create. No I/O and no clients: controllers, the CLI and the disruption
// simulator call `solve` with plain data, as often as they like.
//
// How `solve` works (each step lives in its own file):
// - context.ts     derives everything once: resource vectors, NodePools with their types
//                  (allocatable − daemonset overhead), existing nodes, pod shapes (pods with equal
//                  constraints share every check), topology groups and their counts.
// - lowerbound.ts  an LP over the instance types gives each resource a price; sizes and growth
//                  decisions use it, and after packing the same LP bounds the cost from below.
// - queue.ts       pods that need a node of their own first, then largest first, balancing
//                  which resource the room already paid for has left.
// - search.ts      per pod: existing nodes, then room a planned claim already has, then growing
//                  a claim to a dearer type (if no worse than a new node), then a new claim.
// - placer.ts      the checks kube-scheduler and Karpenter make, on real and planned nodes;
//                  sizing.ts picks the cheapest type that holds a claim's pods.
// - improve.ts     moves pods into other nodes' spare room when that shrinks or removes a claim.
// - finalize.ts    the NodeClaims to create; explain.ts says why the rest could not be placed.
// - exact/         for a batch it can express, the cost-optimal packing by MILP (HiGHS) within a
//                  time budget, kept when cheaper; its proven bound tightens the lower bound.
export { solve } from "./solver.js";
export { DefaultExactBudgetMs } from "./exact/stage.js";
export type {
  Constraint,
  ExactReport,
  ExistingNode,
  Explanation,
  PlannedNodeClaim,
  SchedulingInput,
  SchedulingResult,
  UnschedulablePod,
} from "./types.js";
// Building blocks other parts of tenon share (disruption, the CLI, controllers).
export { canonicalScale, formatQuantity, humanQuantity, parseQuantity, parseResourceList } from "../core/quantity.js";
export { podRequests } from "./podrequests.js";
export { Requirement } from "../core/requirement.js";
export { Requirements, labelsMatch } from "../core/requirements.js";
export { allocatable, cheapestOffering, typeRequirements } from "./instancetypes.js";
export { isEphemeralTaint, toleratesTaint } from "./taints.js";
export { type Selector, compileSelector } from "../core/selector.js";
export { type DaemonPod, daemonPods, daemonRunsOn } from "./daemonsets.js";
export { WellKnownLabels } from "./wellknown.js";
