// Label selectors and node selector requirements as the API server checks them, and Gt/Lt values
// as kube-scheduler reads them (a base-10 64-bit integer: "4.5" or "64cores" would make it refuse
// the pod for every node, so the simulation refuses it up front).
import { type Issues, child, entries, index, invalid, isRecord, items } from "./issues.js";
import { checkKey, checkLabels, labelValueError } from "./names.js";

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

/** Whether kube-scheduler reads the text as an integer (Go's strconv.ParseInt(s, 10, 64)). */
export function isSchedulerInteger(s: string): boolean {
  if (!/^[+-]?[0-9]+$/.test(s) || s.length > 25) return false;
  const n = BigInt(s);
  return n >= int64Min && n <= int64Max;
}

function checkOperatorValues(operator: unknown, values: unknown, path: string, out: Issues, intValues: boolean): void {
  const list = items(values);
  const valuesPath = child(path, "values");
  switch (operator) {
    case "In":
    case "NotIn":
      if (list.length === 0) out.push({ path: valuesPath, message: `required: operator ${operator} needs at least one value` });
      break;
    case "Exists":
    case "DoesNotExist":
      if (list.length > 0) out.push({ path: valuesPath, message: `must be empty when the operator is ${operator}` });
      break;
    case "Gt":
    case "Lt":
      if (list.length !== 1) out.push({ path: valuesPath, message: `must hold exactly one value when the operator is ${operator}` });
      else if (intValues && typeof list[0] === "string" && !isSchedulerInteger(list[0])) {
        out.push({ path: index(valuesPath, 0), message: invalid(list[0], `must be an integer for operator ${operator} (kube-scheduler reads nothing else)`) });
      }
      break;
  }
}

/** A label selector (workloads, affinity terms, spread constraints). */
export function checkLabelSelector(selector: unknown, path: string, out: Issues): void {
  if (!isRecord(selector)) return;
  checkLabels(selector.matchLabels, child(path, "matchLabels"), out);
  items(selector.matchExpressions).forEach((e, i) => {
    if (!isRecord(e)) return;
    const at = index(child(path, "matchExpressions"), i);
    checkKey(e.key, child(at, "key"), out);
    checkOperatorValues(e.operator, e.values, at, out, false);
    items(e.values).forEach((v, j) => {
      const err = typeof v === "string" ? labelValueError(v) : undefined;
      if (err) out.push({ path: index(child(at, "values"), j), message: invalid(v, err) });
    });
  });
}

/** A node selector term's matchExpressions and matchFields (node affinity, volume node affinity). */
export function checkNodeSelectorTerm(term: unknown, path: string, out: Issues): void {
  if (!isRecord(term)) return;
  items(term.matchExpressions).forEach((e, i) => {
    if (!isRecord(e)) return;
    const at = index(child(path, "matchExpressions"), i);
    checkKey(e.key, child(at, "key"), out);
    checkOperatorValues(e.operator, e.values, at, out, true);
  });
  items(term.matchFields).forEach((e, i) => {
    if (!isRecord(e)) return;
    const at = index(child(path, "matchFields"), i);
    if (e.key !== "metadata.name") out.push({ path: child(at, "key"), message: invalid(e.key, "matchFields supports only metadata.name") });
    if (e.operator !== "In" && e.operator !== "NotIn") out.push({ path: child(at, "operator"), message: invalid(e.operator, "matchFields supports only In and NotIn") });
    else if (items(e.values).length !== 1) out.push({ path: child(at, "values"), message: "must hold exactly one value for matchFields" });
  });
}

/** `nodeSelectorTerms` of a required node selector. */
export function checkNodeSelector(selector: unknown, path: string, out: Issues): void {
  if (!isRecord(selector)) return;
  items(selector.nodeSelectorTerms).forEach((t, i) => checkNodeSelectorTerm(t, index(child(path, "nodeSelectorTerms"), i), out));
}

/** Whether an empty selector ({} or no terms at all) was given. */
export const isEmptySelector = (selector: Record<string, unknown>): boolean => entries(selector.matchLabels).length === 0 && items(selector.matchExpressions).length === 0;
