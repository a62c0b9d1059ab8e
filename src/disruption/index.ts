// The disruption core: pure functions from a snapshot of the cluster (plain objects) and the time
// to what should be disrupted and why not. No clients, no clocks of its own: the disruption
// controller, `tenon simulate --disruption` and the benchmark all call `planDisruption`.
export { planDisruption, describeCommand } from "./plan.js";
export { validateCommand, type Validation, type ValidationFailure, type ValidateOptions } from "./validate.js";
export { nodePoolAllowed, sleepState, sleepConfig, parseSleepWindows, describeSleep, localTime, type SleepWindow, type SleepState } from "./sleep.js";
export { SleepWindowsAnnotation, MinSavingsAnnotation } from "./annotations.js";
export { allowedDisruptions, budgetActive, scaledNodes, type PoolBudget } from "./budgets.js";
export { windowOpen, windowEnd, type Window } from "./cron.js";
export { driftOf, requirementsDrift } from "./drift.js";
export { minSavings } from "./savings.js";
export { MinInstanceTypesForSpotToSpot } from "./consolidation.js";
export { MultiNodeTimeoutMs, MaxMultiNodeCandidates } from "./multinode.js";
export { SingleNodeTimeoutMs } from "./singlenode.js";
export { consolidatableAt } from "./candidates.js";
export * from "./types.js";
