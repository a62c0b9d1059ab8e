import type { V1LabelSelector, V1LabelSelectorRequirement } from "@kubernetes/client-node";
import { labelValue } from "./labelkeys.js";

/** A compiled label selector, with a canonical key so identical selectors share topology groups. */
export interface Selector {
  readonly key: string;
  matches(labels: Record<string, string> | undefined): boolean;
}

interface Expr {
  key: string;
  operator: string;
  values: ReadonlySet<string>;
}

function exprMatches(e: Expr, labels: Record<string, string>): boolean {
  const v = labelValue(labels, e.key);
  switch (e.operator) {
    case "In":
      return v !== undefined && e.values.has(v);
    case "NotIn":
      return v === undefined || !e.values.has(v);
    case "Exists":
      return v !== undefined;
    case "DoesNotExist":
      return v === undefined;
    default:
      // An invalid operator makes the whole selector select nothing, as LabelSelectorAsSelector errs.
      return false;
  }
}

/** Matches nothing: kube's reading of a nil selector in affinity terms and spread constraints. */
export const NothingSelector: Selector = { key: "<nothing>", matches: () => false };

/**
 * Compiles a selector; `extra` adds requirements (matchLabelKeys become `key In (value)`,
 * mismatchLabelKeys `key NotIn (value)`). A nil selector selects nothing; an empty one everything.
 */
export function compileSelector(sel: V1LabelSelector | undefined | null, extra: V1LabelSelectorRequirement[] = []): Selector {
  if (sel === undefined || sel === null) return NothingSelector;
  const exprs: Expr[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) exprs.push({ key: k, operator: "In", values: new Set([v]) });
  for (const e of [...(sel.matchExpressions ?? []), ...extra]) exprs.push({ key: e.key, operator: e.operator, values: new Set(e.values ?? []) });
  const key = exprs
    .map((e) => `${e.key} ${e.operator} ${[...e.values].sort().join(",")}`)
    .sort()
    .join("&");
  return {
    key: `{${key}}`,
    matches: (labels) => {
      const l = labels ?? {};
      for (const e of exprs) if (!exprMatches(e, l)) return false;
      return true;
    },
  };
}

/** Which namespaces a pod affinity term looks at (kube: the pod's own unless namespaces/selector say otherwise). */
export interface NamespaceScope {
  readonly key: string;
  includes(namespace: string): boolean;
}

/**
 * kube's rule: no namespaces and no namespaceSelector → the pod's namespace; otherwise the union of
 * the listed namespaces and those the selector matches (an empty selector matches all). Namespace
 * labels come from `namespaceLabels`; every namespace also carries kubernetes.io/metadata.name.
 */
export function namespaceScope(
  podNamespace: string,
  namespaces: string[] | undefined,
  selector: V1LabelSelector | undefined,
  namespaceLabels: ReadonlyMap<string, Record<string, string>>,
): NamespaceScope {
  if ((namespaces ?? []).length === 0 && !selector) {
    return { key: `ns=${podNamespace}`, includes: (ns) => ns === podNamespace };
  }
  const listed = new Set(namespaces ?? []);
  const compiled = selector ? compileSelector(selector) : NothingSelector;
  const memo = new Map<string, boolean>();
  return {
    key: `ns=${[...listed].sort().join(",")}|${compiled.key}`,
    includes: (ns) => {
      if (listed.has(ns)) return true;
      let m = memo.get(ns);
      if (m === undefined) {
        m = compiled.matches({ ...(namespaceLabels.get(ns) ?? {}), "kubernetes.io/metadata.name": ns });
        memo.set(ns, m);
      }
      return m;
    },
  };
}
