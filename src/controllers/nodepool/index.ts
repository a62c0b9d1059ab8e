export { NodePoolHashController } from "./hashcontroller.js";
export { NodePoolStatusController, nodeClassReadiness, NODEPOOL_STATUS_RESYNC_MS } from "./status.js";
export { NODEPOOL_HASH_VERSION, nodePoolHash, nodePoolHashAnnotations, isNodePoolTemplateDrifted } from "../../apis/nodepoolhash.js";
export { nodePoolUsage, statusResources, exceededLimit, BaseResources, NodesResource } from "./usage.js";
export { validateNodePool, type NodePoolValidation } from "./validation.js";
export { isReady, getCondition, isTrue } from "../shared/conditions.js";
export type { ControllerDeps, ManagedController } from "../shared/deps.js";
