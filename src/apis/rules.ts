import type { z } from "zod";

/**
 * One validation rule, written once: the CEL expression the API server enforces through the CRD,
 * the same check in TypeScript for objects tenon parses itself (files given to `tenon simulate`,
 * objects read from a cluster whose CRDs are older), and the message both report.
 * Transition rules (those reading `oldSelf`) have no `check`: they only exist on updates.
 */
export interface CelRule<T> {
  rule: string;
  message: string;
  check?: (self: T) => boolean;
  /** Where the API server should point its error, relative to the object the rule sits on. */
  fieldPath?: string;
}

type Validation = { rule: string; message: string; fieldPath?: string };

/** Attaches rules to a schema: as a zod refinement and as `x-kubernetes-validations` metadata. */
export function withRules<S extends z.ZodType>(schema: S, rules: CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const r of rules) {
      if (r.check && !r.check(value)) {
        const path = r.fieldPath ? r.fieldPath.replace(/^\./, "").split(".") : [];
        ctx.addIssue({ code: "custom", message: r.message, path });
      }
    }
  }) as S;
  const meta = (schema.meta() ?? {}) as Record<string, unknown>;
  const existing = (meta["x-kubernetes-validations"] as Validation[] | undefined) ?? [];
  const added: Validation[] = rules.map((r) => ({ message: r.message, rule: r.rule, ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}) }));
  return refined.meta({ ...meta, "x-kubernetes-validations": [...existing, ...added] }) as S;
}

/** The domain part of a label key ("" when it has no prefix), as CEL's find("^([^/]+)") sees it. */
export function labelDomain(key: string): string {
  const slash = key.indexOf("/");
  return slash < 0 ? key : key.slice(0, slash);
}

/** Adds OpenAPI keywords to a schema's metadata without dropping what is there (zod's meta() replaces). */
export function withMeta<S extends z.ZodType>(schema: S, extra: Record<string, unknown>): S {
  return schema.meta({ ...((schema.meta() ?? {}) as Record<string, unknown>), ...extra }) as S;
}
