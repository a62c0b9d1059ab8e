export {
  NodeClassController,
  normalizeStatus,
  statusPatch,
  NODECLASS_RESOLVE_INTERVAL_MS,
  NODECLASS_TERMINATION_RECHECK_MS,
  type NodeClassControllerDeps,
  type NodeClassResolution,
} from "./controller.js";
