// A pod spec (of a Pod or of a workload's template) as the API server checks the parts the
// simulation reads: container resources and overhead, node selectors and affinity, tolerations and
// topology spread constraints.
import { type Issues, child, index, invalid, isRecord, items } from "./issues.js";
import { checkKey, checkLabels } from "./names.js";
import { checkQuantities } from "./quantities.js";
import { checkContainerResources } from "./resources.js";
import { checkLabelSelector, checkNodeSelector, checkNodeSelectorTerm } from "./selectors.js";

function checkAffinityTerm(term: unknown, path: string, out: Issues): void {
  if (!isRecord(term)) return;
  checkKey(term.topologyKey, child(path, "topologyKey"), out);
  checkLabelSelector(term.labelSelector, child(path, "labelSelector"), out);
  checkLabelSelector(term.namespaceSelector, child(path, "namespaceSelector"), out);
}

function checkPodAffinity(affinity: unknown, path: string, out: Issues): void {
  if (!isRecord(affinity)) return;
  const required = child(path, "requiredDuringSchedulingIgnoredDuringExecution");
  items(affinity.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => checkAffinityTerm(t, index(required, i), out));
  const preferred = child(path, "preferredDuringSchedulingIgnoredDuringExecution");
  items(affinity.preferredDuringSchedulingIgnoredDuringExecution).forEach((w, i) => {
    if (isRecord(w)) checkAffinityTerm(w.podAffinityTerm, child(index(preferred, i), "podAffinityTerm"), out);
  });
}

function checkAffinity(affinity: unknown, path: string, out: Issues): void {
  if (!isRecord(affinity)) return;
  const node = affinity.nodeAffinity;
  if (isRecord(node)) {
    const nodePath = child(path, "nodeAffinity");
    checkNodeSelector(node.requiredDuringSchedulingIgnoredDuringExecution, child(nodePath, "requiredDuringSchedulingIgnoredDuringExecution"), out);
    const preferred = child(nodePath, "preferredDuringSchedulingIgnoredDuringExecution");
    items(node.preferredDuringSchedulingIgnoredDuringExecution).forEach((w, i) => {
      if (isRecord(w)) checkNodeSelectorTerm(w.preference, child(index(preferred, i), "preference"), out);
    });
  }
  checkPodAffinity(affinity.podAffinity, child(path, "podAffinity"), out);
  checkPodAffinity(affinity.podAntiAffinity, child(path, "podAntiAffinity"), out);
}

function checkToleration(t: unknown, path: string, out: Issues): void {
  if (!isRecord(t)) return;
  const key = typeof t.key === "string" ? t.key : "";
  if (key !== "") checkKey(key, child(path, "key"), out);
  else if (t.operator !== "Exists") out.push({ path: child(path, "operator"), message: invalid(t.operator ?? "Equal", "must be Exists when key is empty (an empty key tolerates every taint only with Exists)") });
  if (t.operator === "Exists" && typeof t.value === "string" && t.value !== "") out.push({ path: child(path, "value"), message: invalid(t.value, "must be empty when operator is Exists") });
  if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") out.push({ path: child(path, "effect"), message: invalid(t.effect ?? "", "must be NoExecute when tolerationSeconds is set") });
}

function checkSpread(c: unknown, path: string, out: Issues): void {
  if (!isRecord(c)) return;
  checkKey(c.topologyKey, child(path, "topologyKey"), out);
  checkLabelSelector(c.labelSelector, child(path, "labelSelector"), out);
  items(c.matchLabelKeys).forEach((k, i) => checkKey(k, index(child(path, "matchLabelKeys"), i), out));
}

export function checkPodSpec(spec: unknown, path: string, out: Issues): void {
  if (!isRecord(spec)) return;
  for (const list of ["initContainers", "containers"] as const) {
    items(spec[list]).forEach((c, i) => {
      if (isRecord(c)) checkContainerResources(c.resources, index(child(path, list), i), out);
    });
  }
  checkQuantities(spec.overhead, child(path, "overhead"), out, true);
  checkLabels(spec.nodeSelector, child(path, "nodeSelector"), out);
  checkAffinity(spec.affinity, child(path, "affinity"), out);
  items(spec.tolerations).forEach((t, i) => checkToleration(t, index(child(path, "tolerations"), i), out));
  items(spec.topologySpreadConstraints).forEach((c, i) => checkSpread(c, index(child(path, "topologySpreadConstraints"), i), out));
}
