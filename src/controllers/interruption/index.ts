export { InterruptionControllerName, newInterruptionController, type InterruptionDeps, type MessageQueue } from "./controller.js";
export { createInterruptionMetrics, interruptionMetrics, type InterruptionMetrics } from "./metrics.js";
