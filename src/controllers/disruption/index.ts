export { newDisruptionController, DisruptionReconciler, DisruptionControllerName, DISRUPTION_KEY } from "./controller.js";
export { type DisruptionControllerDeps, type DisruptionSettings, defaultDisruptionSettings } from "./settings.js";
export { PodEvents, isPodEvent } from "./podevents.js";
export { disruptionConditions, type ConditionFacts } from "./conditions.js";
/** For the provisioner's deps: whether a NodePool may launch now (its sleep windows). */
export { nodePoolAllowed } from "../../disruption/index.js";
