// kwok's stages for the test cluster: kwok's defaults (build.sh copies them from the pinned kwok
// module) plus one test-only stage that holds a node's Ready condition at Unknown, the way a node
// looks whose kubelet stopped reporting. kwok's node-initialize stage resets Ready to True on any
// node whose Ready is not True, so a condition a test wrote would not last; nodes carrying
// NODE_READY_ANNOTATION are left out of it (and of the heartbeat stage), and every other node keeps kwok's default behaviour.
import { readFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

/** `Unknown` on a Node: kwok keeps its Ready condition Unknown until the annotation is removed. */
export const NODE_READY_ANNOTATION = "test.tenon.sh/node-ready";
/** Optional RFC 3339 time for the Unknown condition's lastTransitionTime (default: when kwok set it). */
export const NODE_READY_SINCE_ANNOTATION = "test.tenon.sh/node-ready-since";

const jqAnnotation = (key: string) => `.metadata.annotations["${key}"]`;

interface Stage {
  metadata?: { name?: string };
  spec?: { selector?: { matchExpressions?: { key: string; operator: string; values?: string[] }[] } };
}

// Only the Ready condition is written: kwok patches a Node's status as a strategic merge, which
// merges conditions by type, so the other conditions stay as node-initialize left them.
const readyUnknownStage = {
  apiVersion: "kwok.x-k8s.io/v1alpha1",
  kind: "Stage",
  metadata: { name: "test-node-ready-unknown" },
  spec: {
    resourceRef: { apiGroup: "v1", kind: "Node" },
    selector: {
      matchAnnotations: { [NODE_READY_ANNOTATION]: "Unknown" },
      matchExpressions: [{ key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: "NotIn", values: ["Unknown"] }],
    },
    next: {
      statusTemplate: [
        "{{ $now := Now }}",
        `{{ $since := or (index .metadata.annotations "${NODE_READY_SINCE_ANNOTATION}") $now }}`,
        "conditions:",
        "- type: Ready",
        '  status: "Unknown"',
        '  reason: "NodeStatusUnknown"',
        '  message: "Kubelet stopped posting node status (set by a test through kwok)."',
        "  lastHeartbeatTime: {{ $now | Quote }}",
        "  lastTransitionTime: {{ $since | Quote }}",
        "",
      ].join("\n"),
    },
  },
};

/** kwok's default stages with node-initialize leaving annotated nodes alone, plus the Unknown stage. */
export function testKwokStages(defaultStagesYAML: string): string {
  const docs = parseAllDocuments(defaultStagesYAML).filter((d) => d.contents !== null);
  const stages = docs.map((d) => d.toJS() as Stage);
  // node-initialize resets a Ready that is not True; the heartbeat rewrites every condition.
  for (const name of ["node-initialize", "node-heartbeat-with-lease"]) {
    const expressions = stages.find((s) => s.metadata?.name === name)?.spec?.selector?.matchExpressions;
    if (!expressions) throw new Error(`kwok stages: no ${name} stage with matchExpressions; rebuild the test env (test/env/build.sh)`);
    expressions.push({ key: jqAnnotation(NODE_READY_ANNOTATION), operator: "DoesNotExist" });
  }
  return [...stages, readyUnknownStage].map((s) => `---\n${stringify(s, { lineWidth: 0 })}`).join("");
}

/** The test stages built from kwok's default stages file. */
export function readTestKwokStages(defaultsPath: string): string {
  return testKwokStages(readFileSync(defaultsPath, "utf8"));
}
