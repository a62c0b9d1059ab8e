// Workload selectors as the API server checks them: apps/v1 workloads need a non-empty selector
// that matches their pod template's labels; a Job's selector, when given, must match too (and is
// the generated one unless manualSelector says otherwise); a CronJob's Jobs always get generated ones.
import { compileSelector } from "../../../core/selector.js";
import { quote } from "../../safe-text.js";
import { type Issues, isRecord } from "./issues.js";
import { checkLabelSelector, isEmptySelector } from "./selectors.js";

const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {};
  if (isRecord(v)) for (const [k, x] of Object.entries(v)) if (typeof x === "string") out[k] = x;
  return out;
};

function templateLabels(template: unknown): Record<string, string> {
  return isRecord(template) && isRecord(template.metadata) ? stringMap(template.metadata.labels) : {};
}

function checkMatches(selector: Record<string, unknown>, template: unknown, templatePath: string, out: Issues): void {
  const labels = templateLabels(template);
  if (!compileSelector(selector).matches(labels)) {
    out.push({ path: `${templatePath}.metadata.labels`, message: `invalid value ${quote(labels)}: the selector does not match the template's labels, so the workload would never own its pods` });
  }
}

/** Deployment, ReplicaSet, StatefulSet, DaemonSet: a required, non-empty selector matching the template. */
export function checkAppsSelector(kind: string, spec: unknown, out: Issues): void {
  if (!isRecord(spec)) return;
  const selector = spec.selector;
  if (!isRecord(selector)) {
    out.push({ path: "spec.selector", message: `required field is missing: a ${kind} must say which pods it owns` });
    return;
  }
  const before = out.length;
  checkLabelSelector(selector, "spec.selector", out);
  if (out.length > before) return;
  if (isEmptySelector(selector)) {
    out.push({ path: "spec.selector", message: `an empty selector is not valid for a ${kind}: it would own every pod in the namespace` });
    return;
  }
  checkMatches(selector, spec.template, "spec.template", out);
}

/** The labels the Job controller gives a Job's pods and selects them by. */
const generatedJobLabels = (name: string, uid: string): Record<string, string> => ({
  "batch.kubernetes.io/controller-uid": uid,
  "batch.kubernetes.io/job-name": name,
  "controller-uid": uid,
  "job-name": name,
});

export function checkJobSelector(metadata: unknown, spec: unknown, out: Issues): void {
  if (!isRecord(spec) || !isRecord(spec.selector)) return;
  const before = out.length;
  checkLabelSelector(spec.selector, "spec.selector", out);
  if (out.length > before) return;
  if (spec.manualSelector !== true) {
    const meta = isRecord(metadata) ? metadata : {};
    const uid = typeof meta.uid === "string" ? meta.uid : "";
    const name = typeof meta.name === "string" ? meta.name : "";
    // `kubectl get job -o yaml` prints the generated selector (on the Job's uid): that one is fine.
    if (uid === "" || !compileSelector(spec.selector).matches(generatedJobLabels(name, uid))) {
      out.push({ path: "spec.selector", message: "the selector of a Job is generated unless spec.manualSelector is true; set manualSelector: true to choose it, or remove it" });
      return;
    }
  }
  checkMatches(spec.selector, spec.template, "spec.template", out);
}

export function checkCronJobTemplate(spec: unknown, out: Issues): void {
  if (!isRecord(spec) || !isRecord(spec.jobTemplate) || !isRecord(spec.jobTemplate.spec)) return;
  if (spec.jobTemplate.spec.selector !== undefined) out.push({ path: "spec.jobTemplate.spec.selector", message: "must not be set: a CronJob's Jobs get generated selectors" });
  if (spec.jobTemplate.spec.manualSelector === true) out.push({ path: "spec.jobTemplate.spec.manualSelector", message: "must not be true: a CronJob's Jobs get generated selectors" });
}
