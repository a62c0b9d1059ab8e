import { z } from "zod";
import { ControllerValidated } from "../kubelet.js";

type Json = Record<string, unknown>;

const SAFE_INT = 9007199254740991;

/**
 * Turns a zod schema into a Kubernetes *structural* OpenAPI v3 schema: what zod's JSON Schema
 * output has that the API server refuses (additionalProperties:false next to properties, const,
 * safe-integer bounds, propertyNames) is removed, and int-or-string unions are marked as such.
 */
export function toStructuralSchema(schema: z.ZodType): Json {
  const raw = z.toJSONSchema(schema, { target: "openapi-3.0", io: "input", unrepresentable: "throw" }) as Json;
  delete raw.$schema;
  return clean(raw);
}

function clean(node: Json): Json {
  if (node[ControllerValidated] === true) {
    // Validated by the controller (as Karpenter does for spec.kubelet): the API server takes any object.
    return { ...(typeof node.description === "string" ? { description: node.description } : {}), type: "object", additionalProperties: { "x-kubernetes-preserve-unknown-fields": true }, "x-kubernetes-preserve-unknown-fields": true };
  }
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "propertyNames" || k === "$schema" || k === "id") continue;
    if (k === "additionalProperties" && (v === false || (isObj(v) && Object.keys(v).length === 0))) {
      // `{}` comes from loose objects: say so the Kubernetes way.
      if (v !== false) out["x-kubernetes-preserve-unknown-fields"] = true;
      continue;
    }
    if ((k === "minimum" && v === -SAFE_INT) || (k === "maximum" && v === SAFE_INT)) continue;
    if (k === "const") {
      out.enum = [v];
      continue;
    }
    if (k === "properties" && isObj(v)) {
      out.properties = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, clean(s as Json)]));
      continue;
    }
    if ((k === "items" || k === "additionalProperties") && isObj(v)) {
      out[k] = clean(v);
      continue;
    }
    if ((k === "anyOf" || k === "oneOf" || k === "allOf") && Array.isArray(v)) {
      out[k] = v.map((s) => clean(s as Json));
      continue;
    }
    out[k] = v;
  }
  if (out["x-kubernetes-int-or-string"] === true && Array.isArray(out.anyOf)) {
    // Structural schemas allow exactly this shape for int-or-string, with no type at the top.
    out.anyOf = [{ type: "integer" }, { type: "string" }];
    delete out.type;
  }
  if (out.properties && out.type === undefined) out.type = "object";
  if (Object.keys(out.properties ?? {}).length === 0 && out["x-kubernetes-preserve-unknown-fields"] === true) delete out.properties;
  return out;
}

const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
