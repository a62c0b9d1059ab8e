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

/** Keys every line has; a field of the same name in a call would make the line carry the key twice. */
const ReservedKeys = new Set(["level", "time", "message", "logger"]);

const isFields = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Error);

/**
 * pino writes a line's fields after its bindings and its message without merging them, so
 * `log.warn({ message: c.message }, "…")`, or a `controller` field on a controller's child logger,
 * would put one key twice in a line — which JSON parsers resolve differently, and log stores
 * reject. A field equal to a binding is dropped; one that differs, or one named like a reserved
 * key, is kept under `<key>Field` (the line's own value is the one that stays under the key).
 */
function uniqueKeys(fields: Record<string, unknown>, bindings: Record<string, unknown>): Record<string, unknown> {
  const clash = (k: string): boolean => ReservedKeys.has(k) || Object.hasOwn(bindings, k);
  if (!Object.keys(fields).some(clash)) return fields;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!clash(k)) out[k] = v;
    else if (ReservedKeys.has(k) || JSON.stringify(bindings[k]) !== JSON.stringify(v)) out[`${k}Field`] = v;
  }
  return out;
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
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args as unknown[];
          if (isFields(first)) return method.apply(this, [uniqueKeys(first, this.bindings()), ...rest] as Parameters<typeof method>);
          return method.apply(this, args);
        },
      },
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

/**
 * Node's own warnings (a MaxListenersExceededWarning, a deprecation) go to stderr as plain text by
 * default, between the JSON lines; they are logged as JSON lines instead, once per kind and text.
 */
export function logProcessWarnings(logger: Logger, proc: NodeJS.Process = process): void {
  proc.removeAllListeners("warning");
  const seen = new Set<string>();
  proc.on("warning", (w: Error & { code?: string }) => {
    const key = `${w.name}: ${w.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    logger.warn({ warning: w.name, ...(w.code ? { code: w.code } : {}) }, w.message);
  });
}
