export { InterruptionControllerName, newInterruptionController, type InterruptionDeps, type MessageQueue } from "./controller.js";
export { createInterruptionMetrics, interruptionMetrics, type InterruptionMetrics } from "./metrics.js";
export { InstanceStatusControllerName, newInstanceStatusController, type InstanceStatusSource } from "./instancestatus.js";
