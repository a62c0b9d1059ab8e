// JSON logs shaped like Karpenter's (zap): `level` in capitals, ISO `time`, the text under
// `message`, the reconciling `controller`, and the objects at hand as `{"NodeClaim":{"name":…}}`,
// so log queries and alerts written against Karpenter keep matching.
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout when omitted. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. the build's version and commit. */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      messageKey: "message",
      errorKey: "error",
      timestamp: stdTimeFunctions.isoTime,
      base: { logger: "controller", ...options.base },
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A logger for one controller; every line carries `controller`, as controller-runtime's do. */
export function controllerLogger(logger: Logger, controller: string): Logger {
  return logger.child({ controller });
}

/** Enough of a Kubernetes object to name it in a log line. */
export interface NamedObject {
  metadata?: { name?: string; namespace?: string };
}

/** `{name}` (or `{name, namespace}`) for a log field, the shape Karpenter logs objects in. */
export function objectRef(obj: NamedObject | string): { name: string; namespace?: string } {
  if (typeof obj === "string") return { name: obj };
  const name = obj.metadata?.name ?? "";
  const namespace = obj.metadata?.namespace;
  return namespace ? { name, namespace } : { name };
}

/** The objects Karpenter names in its lines, keyed by kind as Karpenter keys them. */
export interface LoggedObjects {
  NodeClaim?: NamedObject | string;
  NodePool?: NamedObject | string;
  Node?: NamedObject | string;
  EC2NodeClass?: NamedObject | string;
  Pod?: NamedObject | string;
}

/** A child logger whose lines name the given objects, e.g. `{"NodeClaim":{"name":"default-x7k2p"}}`. */
export function withObjects(logger: Logger, objects: LoggedObjects): Logger {
  const fields: Record<string, { name: string; namespace?: string }> = {};
  for (const [kind, obj] of Object.entries(objects) as [string, NamedObject | string | undefined][]) {
    if (obj !== undefined) fields[kind] = objectRef(obj);
  }
  return logger.child(fields);
}
