// Input objects the solver sets aside: what it says about each, so callers can put a condition
// or an Event on the object, naming the field.
import { ResourceListError } from "../core/quantity.js";
import type { RejectedInput } from "./types.js";

/**
 * The rejection for an error met while reading an object. `at` locates the part of the object that
 * was being read ("spec.template" for a daemonset's pod); a quantity error adds its own field.
 */
export function rejectedInput(kind: RejectedInput["kind"], name: string, err: unknown, at = ""): RejectedInput {
  if (err instanceof ResourceListError) {
    const field = at ? `${at}.${err.field}` : err.field;
    return { kind, name, field, message: `${field}: ${err.problem.message}` };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind, name, field: at, message: at ? `${at}: ${message}` : message };
}
