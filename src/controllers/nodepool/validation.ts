// The NodePool's runtime validation (Karpenter's RuntimeValidate), behind the ValidationSucceeded
// condition: the schema's rules (the same ones the CRD enforces, for objects admitted under an
// older CRD) plus what a schema cannot say.
import { type NodePool, NodePoolSchema } from "../../apis/nodepool.js";
import { ValidationError, parseWith } from "../../apis/parse.js";

export type NodePoolValidation = { ok: true; nodePool: NodePool } | { ok: false; nodePool?: NodePool; problems: string[] };

export interface SupportedNodeClass {
  group: string;
  kind: string;
}

function labelConflicts(nodePool: NodePool): string[] {
  const labels = nodePool.spec.template.metadata?.labels ?? {};
  const out: string[] = [];
  nodePool.spec.template.spec.requirements.forEach((r, i) => {
    const v = labels[r.key];
    if (v === undefined) return;
    const values = r.values ?? [];
    const ok =
      r.operator === "In"
        ? values.includes(v)
        : r.operator === "NotIn"
          ? !values.includes(v)
          : r.operator === "Exists"
            ? true
            : r.operator === "DoesNotExist"
              ? false
              : /^-?[0-9]+$/.test(v) && (r.operator === "Gt" ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]));
    if (!ok) {
      out.push(
        `spec.template.spec.requirements[${i}]: ${r.key} ${r.operator}${values.length ? ` [${values.join(", ")}]` : ""} contradicts the template label ${r.key}=${v}; no node could satisfy both, fix one of them`,
      );
    }
  });
  return out;
}

function duplicateTaints(nodePool: NodePool): string[] {
  const s = nodePool.spec.template.spec;
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const [field, list] of [
    ["taints", s.taints ?? []],
    ["startupTaints", s.startupTaints ?? []],
  ] as const) {
    list.forEach((t, i) => {
      const key = `${t.key}:${t.effect}`;
      const path = `spec.template.spec.${field}[${i}]`;
      const first = seen.get(key);
      if (first) out.push(`${path}: duplicate taint key/effect pair ${key} (also at ${first}); a node can carry it once, remove one`);
      else seen.set(key, path);
    });
  }
  return out;
}

/**
 * Validates a NodePool as read from the API server (raw, or already parsed by the cluster state).
 * Each problem names the field and what to do about it.
 */
export function validateNodePool(raw: unknown, supported: readonly SupportedNodeClass[]): NodePoolValidation {
  let nodePool: NodePool;
  try {
    nodePool = parseWith(NodePoolSchema, "NodePool", raw);
  } catch (err) {
    if (err instanceof ValidationError) return { ok: false, problems: err.issues.map((i) => `${i.path || "(object)"}: ${i.message}`) };
    throw err;
  }
  const problems: string[] = [];
  const ref = nodePool.spec.template.spec.nodeClassRef;
  if (supported.length > 0 && !supported.some((s) => s.group === ref.group && s.kind === ref.kind)) {
    problems.push(
      `spec.template.spec.nodeClassRef: ${ref.group}/${ref.kind} is not a node class this cloud provider reads; use ${supported.map((s) => `${s.group}/${s.kind}`).join(" or ")}`,
    );
  }
  problems.push(...duplicateTaints(nodePool), ...labelConflicts(nodePool));
  return problems.length === 0 ? { ok: true, nodePool } : { ok: false, nodePool, problems };
}
