export {
  NodeClassController,
  normalizeStatus,
  statusPatch,
  NODECLASS_RESOLVE_INTERVAL_MS,
  NODECLASS_TERMINATION_RECHECK_MS,
  NODECLASS_RETRY_BASE_MS,
  NODECLASS_RETRY_MAX_MS,
  retryAfterMs,
  type NodeClassControllerDeps,
  type NodeClassResolution,
} from "./controller.js";
