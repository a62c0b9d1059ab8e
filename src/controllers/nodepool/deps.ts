export type { ControllerDeps, ManagedController } from "../deps.js";
