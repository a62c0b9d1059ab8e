// A container's resources as the API server checks them: known resource names, valid
// non-negative quantities, requests no greater than limits, and requests equal to limits for
// resources that cannot be overcommitted (extended resources such as nvidia.com/gpu, hugepages).
import { quote } from "../../safe-text.js";
import { checkKey } from "./names.js";
import { type Issues, child, entries, invalid, isRecord } from "./issues.js";
import { checkQuantities } from "./quantities.js";

const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);

const isHugePages = (name: string): boolean => name.startsWith("hugepages-");
/** Native resources (no domain, or a kubernetes.io one) other than hugepages can be overcommitted. */
const overcommittable = (name: string): boolean => !isHugePages(name) && (!name.includes("/") || name.split("/")[0]!.endsWith("kubernetes.io"));

function checkResourceName(name: string, path: string, out: Issues): void {
  if (standardContainerResources.has(name) || isHugePages(name)) return;
  if (!name.includes("/")) {
    out.push({ path, message: `invalid resource name ${quote(name)}: must be cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with a domain (e.g. nvidia.com/gpu)` });
    return;
  }
  checkKey(name, path, out);
}

const format = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** Checks `resources` of one container at `path` (…containers[0]). */
export function checkContainerResources(resources: unknown, path: string, out: Issues): void {
  if (!isRecord(resources)) return;
  const at = child(path, "resources");
  const requestsPath = child(at, "requests");
  const limitsPath = child(at, "limits");
  for (const [name] of entries(resources.requests)) checkResourceName(name, child(requestsPath, name), out);
  for (const [name] of entries(resources.limits)) checkResourceName(name, child(limitsPath, name), out);
  const before = out.length;
  const requests = checkQuantities(resources.requests, requestsPath, out, true);
  const limits = checkQuantities(resources.limits, limitsPath, out, true);
  if (out.length > before) return;
  const rawLimits = isRecord(resources.limits) ? resources.limits : {};
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    const field = child(requestsPath, name);
    const raw = (resources.requests as Record<string, unknown>)[name];
    if (!overcommittable(name)) {
      if (limit === undefined) out.push({ path: child(limitsPath, name), message: `required: ${name} cannot be overcommitted, so a request for it needs an equal limit` });
      else if (request !== limit) out.push({ path: field, message: invalid(raw, `must equal the ${name} limit of ${format(rawLimits[name])} (${name} cannot be overcommitted)`) });
    } else if (limit !== undefined && request > limit) {
      out.push({ path: field, message: invalid(raw, `must be less than or equal to the ${name} limit of ${format(rawLimits[name])}`) });
    }
  }
}
