// zod objects drop fields they do not know, which would let a typo such as `requirments:` pass
// silently and simulate something else than the user meant. The API server rejects such fields
// (kubectl --validate=strict), so the simulator does too: this walks a value alongside its schema
// and lists the fields the schema has no place for. Loose objects (metadata) accept anything.
import type { z } from "zod";
import { formatPath } from "../../apis/parse.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function walk(schema: z.core.$ZodType, value: unknown, path: PropertyKey[], out: string[]): void {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  switch (def.type) {
    case "object": {
      if (!isRecord(value)) return;
      for (const [key, child] of Object.entries(value)) {
        // Own keys only: `__proto__` or `constructor` in the input must not find Object.prototype.
        const field = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
        if (field) walk(field, child, [...path, key], out);
        else if (def.catchall === undefined || (def.catchall as z.core.$ZodTypes)._zod.def.type === "never") out.push(formatPath([...path, key]));
      }
      return;
    }
    case "array":
      if (Array.isArray(value)) value.forEach((item, i) => walk(def.element, item, [...path, i], out));
      return;
    case "record":
      if (isRecord(value)) for (const [key, child] of Object.entries(value)) walk(def.valueType, child, [...path, key], out);
      return;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
    case "catch":
      walk(def.innerType, value, path, out);
      return;
    case "pipe":
      walk(def.in, value, path, out);
      return;
    case "union": {
      // Only the branch the value actually is can say which of its fields are unknown.
      const branch = def.options.find((o) => (o as z.ZodType).safeParse(value).success);
      if (branch) walk(branch, value, path, out);
      return;
    }
    case "intersection":
      walk(def.left, value, path, out);
      walk(def.right, value, path, out);
      return;
    case "lazy":
      walk(def.getter(), value, path, out);
      return;
    default:
      return;
  }
}

/** Paths (kubectl style: spec.template.spec.requirements[0].operater) of fields the schema does not define. */
export function unknownFields(schema: z.core.$ZodType, value: unknown): string[] {
  const out: string[] = [];
  walk(schema, value, [], out);
  return out;
}
