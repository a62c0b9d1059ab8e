// The API server's value rules for each kind `tenon simulate` reads, applied to the object as it
// was written (before schema parsing, which drops keys such as `__proto__` and turns numbers into
// strings). The schemas in kube-schemas.ts check shapes and types; these check what the API server
// would refuse in values: names, labels, quantities, requests and limits, selectors, requirements.
import { type Issues, child, index, invalid, isRecord, items } from "./issues.js";
import { checkCronJobTemplate, checkAppsSelector, checkJobSelector } from "./workloads.js";
import { checkMetadata, checkTemplateMetadata } from "./metadata.js";
import { checkKey, checkLabels, labelValueError } from "./names.js";
import { checkPodSpec } from "./pod.js";
import { checkQuantities } from "./quantities.js";
import { checkLabelSelector, checkNodeSelector } from "./selectors.js";

export type { Issue } from "./issues.js";

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj => (isRecord(v) ? v : {});

function checkTemplate(template: unknown, path: string, out: Issues): void {
  checkTemplateMetadata(rec(template).metadata, child(path, "metadata"), out);
  checkPodSpec(rec(template).spec, child(path, "spec"), out);
}

function checkJob(o: Obj, out: Issues): void {
  const spec = rec(o.spec);
  const name = rec(o.metadata).name;
  // Its pods carry the name as the job-name label, a label value of at most 63 characters.
  if (spec.manualSelector !== true && typeof name === "string" && name.length > 63 && out.every((i) => i.path !== "metadata.name")) {
    out.push({ path: "metadata.name", message: invalid(name, "must be at most 63 characters: the Job's pods carry it as their job-name label") });
  }
  checkJobSelector(o.metadata, spec, out);
  checkTemplate(spec.template, "spec.template", out);
}

function checkNode(o: Obj, out: Issues): void {
  items(rec(o.spec).taints).forEach((t, i) => {
    const at = index("spec.taints", i);
    checkKey(rec(t).key, child(at, "key"), out);
    const value = rec(t).value;
    const err = typeof value === "string" ? labelValueError(value) : undefined;
    if (err) out.push({ path: child(at, "value"), message: invalid(value, err) });
  });
  checkQuantities(rec(o.status).capacity, "status.capacity", out, true);
  checkQuantities(rec(o.status).allocatable, "status.allocatable", out, true);
}

function checkNodePool(o: Obj, out: Issues): void {
  const template = rec(rec(o.spec).template);
  checkLabels(rec(template.metadata).labels, "spec.template.metadata.labels", out);
  // The API's schema checks the rest (limits included); these keys go through the guard of names.ts.
  items(rec(template.spec).requirements).forEach((r, i) => checkKey(rec(r).key, child(index("spec.template.spec.requirements", i), "key"), out));
}

const rules: Map<string, (o: Obj, out: Issues) => void> = new Map([
  ["Pod", (o, out) => checkPodSpec(o.spec, "spec", out)],
  ...(["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet"] as const).map(
    (kind) =>
      [
        kind,
        (o: Obj, out: Issues) => {
          checkAppsSelector(kind, o.spec, out);
          checkTemplate(rec(o.spec).template, "spec.template", out);
        },
      ] as const,
  ),
  ["Job", checkJob],
  [
    "CronJob",
    (o, out) => {
      checkCronJobTemplate(o.spec, out);
      const jobTemplate = rec(rec(o.spec).jobTemplate);
      checkTemplateMetadata(jobTemplate.metadata, "spec.jobTemplate.metadata", out);
      checkTemplate(rec(jobTemplate.spec).template, "spec.jobTemplate.spec.template", out);
    },
  ],
  ["Node", checkNode],
  ["PersistentVolume", (o, out) => checkNodeSelector(rec(rec(o.spec).nodeAffinity).required, "spec.nodeAffinity.required", out)],
  ["NodePool", checkNodePool],
  ["PodDisruptionBudget", (o, out) => checkLabelSelector(rec(o.spec).selector, "spec.selector", out)],
]);

/** Every value rule the API server applies to an object of this kind, as issues with their fields. */
export function apiRules(kind: string, obj: unknown, namespaced: boolean): Issues {
  const o = rec(obj);
  const out: Issues = [];
  checkMetadata(kind, o.metadata, namespaced, out);
  rules.get(kind)?.(o, out);
  return out;
}
