import type { z } from "zod";
import { EC2NodeClassSchema } from "./ec2nodeclass.js";
import { NodeClaimSchema } from "./nodeclaim.js";
import { NodePoolSchema } from "./nodepool.js";
import { NodeOverlaySchema } from "./nodeoverlay.js";
import { CapacityBufferSchema } from "./capacitybuffer.js";

/** A manifest that does not match its schema; the message names the object and each bad field. */
export class ValidationError extends Error {
  constructor(
    readonly objectRef: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`${objectRef} is invalid:\n${issues.map((i) => `  - ${i.path || "(object)"}: ${i.message}`).join("\n")}`);
    this.name = "ValidationError";
  }
}

/** Renders a zod path the way kubectl does: spec.template.spec.requirements[0].key */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function describe(kind: string, obj: unknown, source?: string): string {
  const name = (obj as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  const ref = `${kind} ${typeof name === "string" ? `"${name}"` : "(unnamed)"}`;
  return source ? `${source}: ${ref}` : ref;
}

/** Parses and defaults an object, or throws a ValidationError naming the object and fields. */
export function parseWith<S extends z.ZodType>(schema: S, kind: string, obj: unknown, source?: string): z.output<S> {
  const result = schema.safeParse(obj);
  if (result.success) return result.data;
  throw new ValidationError(
    describe(kind, obj, source),
    result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
  );
}

export const parseNodePool = (obj: unknown, source?: string) => parseWith(NodePoolSchema, "NodePool", obj, source);
export const parseNodeClaim = (obj: unknown, source?: string) => parseWith(NodeClaimSchema, "NodeClaim", obj, source);
export const parseEC2NodeClass = (obj: unknown, source?: string) => parseWith(EC2NodeClassSchema, "EC2NodeClass", obj, source);
export const parseNodeOverlay = (obj: unknown, source?: string) => parseWith(NodeOverlaySchema, "NodeOverlay", obj, source);
export const parseCapacityBuffer = (obj: unknown, source?: string) => parseWith(CapacityBufferSchema, "CapacityBuffer", obj, source);
