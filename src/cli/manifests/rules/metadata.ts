// Object metadata as the API server checks it: the name by the rule of its kind, the namespace as
// an RFC 1123 label, labels, and annotation keys.
import { type Issues, child, entries, invalid, isRecord } from "./issues.js";
import { checkKey, checkLabels, dnsLabelError, dnsSubdomainError } from "./names.js";

/** The most characters a name may have where the API server (or a controller's label) bounds it further. */
const nameLimits: Record<string, { max: number; why: string }> = {
  // A CronJob's Jobs are named <cronjob>-<11 characters of schedule time>, and must stay RFC 1123 labels.
  CronJob: { max: 52, why: "its Jobs append 11 characters and must stay within 63" },
};

export function checkName(kind: string, name: unknown, out: Issues): void {
  if (typeof name !== "string") return;
  const err = dnsSubdomainError(name);
  if (err) {
    out.push({ path: "metadata.name", message: invalid(name, err) });
    return;
  }
  const limit = Object.hasOwn(nameLimits, kind) ? nameLimits[kind] : undefined;
  if (limit && name.length > limit.max) out.push({ path: "metadata.name", message: invalid(name, `must be at most ${limit.max} characters: ${limit.why}`) });
}

export function checkMetadata(kind: string, metadata: unknown, namespaced: boolean, out: Issues): void {
  if (!isRecord(metadata)) return;
  checkName(kind, metadata.name, out);
  if (namespaced && typeof metadata.namespace === "string") {
    const err = dnsLabelError(metadata.namespace);
    if (err) out.push({ path: "metadata.namespace", message: invalid(metadata.namespace, err) });
  }
  checkLabels(metadata.labels, "metadata.labels", out);
  for (const [k] of entries(metadata.annotations)) checkKey(k, child("metadata.annotations", k), out);
}

/** A pod template's labels and annotation keys. */
export function checkTemplateMetadata(metadata: unknown, path: string, out: Issues): void {
  if (!isRecord(metadata)) return;
  checkLabels(metadata.labels, child(path, "labels"), out);
  for (const [k] of entries(metadata.annotations)) checkKey(k, child(child(path, "annotations"), k), out);
}
