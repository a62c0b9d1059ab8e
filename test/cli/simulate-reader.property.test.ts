// Property tests for how `tenon simulate` reads input: whatever the bytes, documents or objects,
// the command ends with a plan (exit 0) or a clean refusal (exit 1) that names its input; never a
// stack trace, never a raw control character, never a hang (each run has a deadline in a sandboxed
// worker). And the readings kubectl users rely on hold: merge keys mean what they expand to, and a
// quantity written as a number means what it spells.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { decodeManifestBytes } from "../../src/cli/manifests/decode.js";
import { parseDocuments } from "../../src/cli/manifests/documents.js";
import { ManifestError } from "../../src/cli/manifests/errors.js";
import { assertNoStackTrace } from "./in-process.js";
import { repoRoot } from "./run-cli.js";
import { Sandbox, type SandboxResult } from "./sandbox.js";

const sandbox = new Sandbox();
after(() => sandbox.close());

const nodePool = {
  apiVersion: "karpenter.sh/v1",
  kind: "NodePool",
  metadata: { name: "default" },
  spec: { template: { spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" } } } },
};

/** Holds for any input: a plan or a refusal naming standard input, printed safely. */
function assertClean(r: SandboxResult): void {
  assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr.slice(0, 1500)}`);
  assertNoStackTrace(r);
  for (const ch of r.stdout + r.stderr) {
    const c = ch.charCodeAt(0);
    assert.ok(!((c < 0x20 && ch !== "\n") || (c >= 0x7f && c <= 0x9f)), `raw U+${c.toString(16)} printed: ${JSON.stringify(r.stderr.slice(0, 300))}`);
  }
  if (r.code === 1) assert.match(r.stderr, /^tenon simulate: <stdin>/);
  else JSON.parse(r.stdout);
}

const simulate = (stdin: Uint8Array | string) => sandbox.run(["simulate", "-o", "json", "-"], stdin);

/** Text with YAML's punctuation, indentation, anchors, tags and directives over-represented. */
const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom("\n", "  ", "- ", ": ", "---\n", "...\n", "{", "}", "[", "]", ", ", "&a ", "*a", "<<: ", "!!str ", "!!binary ", "!tag ", "%YAML 1.2\n", "? ", "|\n", ">-\n", "'", '"', "#", "\\", "\t"),
      fc.constantFrom("apiVersion: v1\n", "kind: Pod\n", "metadata:\n", "name: p\n", "spec:\n", "containers:\n", "kind: List\nitems:\n", "cpu: ", "__proto__", "constructor", "yes", "0x1F", ".inf", "~"),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

/** A Kubernetes-looking object: a kind tenon reads (or not), and arbitrary JSON in its fields. */
const kubeObject = fc.record(
  {
    apiVersion: fc.constantFrom("v1", "apps/v1", "batch/v1", "karpenter.sh/v1", "storage.k8s.io/v1", "policy/v1"),
    kind: fc.constantFrom("Pod", "Deployment", "StatefulSet", "Job", "CronJob", "DaemonSet", "Node", "NodePool", "PersistentVolume", "PodDisruptionBudget", "List", "constructor", "ConfigMap"),
    metadata: fc.oneof(fc.record({ name: fc.oneof(fc.constantFrom("p", "web", "__proto__", "toString"), fc.string()) }, { requiredKeys: [] }), fc.jsonValue()),
    spec: fc.jsonValue(),
    items: fc.array(fc.jsonValue(), { maxLength: 3 }),
    status: fc.jsonValue(),
  },
  { requiredKeys: ["apiVersion", "kind"] },
);

describe("tenon simulate on arbitrary input", () => {
  it("answers arbitrary bytes with a plan or a clean refusal", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => assertClean(await simulate(bytes))),
      { numRuns: 150 },
    );
  });

  it("answers YAML-like text with a plan or a clean refusal", async () => {
    await fc.assert(
      fc.asyncProperty(yamlish, async (text) => assertClean(await simulate(text))),
      { numRuns: 200 },
    );
  });

  it("answers arbitrary Kubernetes-looking documents with a plan or a refusal naming the object, in both modes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(kubeObject, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), async (objects, asJSON, disruption) => {
        const text = asJSON ? objects.map((o) => JSON.stringify(o)).join("\n---\n") : objects.map((o) => stringify(o)).join("---\n");
        const r = await sandbox.run(["simulate", "-o", "json", ...(disruption ? ["--disruption", "--at", "2026-12-02T09:00:00Z"] : []), "-"], text);
        assertClean(r);
      }),
      { numRuns: 150 },
    );
  });

  it("refuses any bad label or name with the object and the field", async () => {
    const label = fc.tuple(fc.string({ maxLength: 70 }), fc.string({ maxLength: 70 }));
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), fc.array(label, { maxLength: 4 }), async (name, labels) => {
        const pod = { apiVersion: "v1", kind: "Pod", metadata: { name, labels: Object.fromEntries(labels) }, spec: { containers: [{ name: "c" }] } };
        const r = await simulate(JSON.stringify(pod));
        assertClean(r);
        if (r.code === 1) assert.match(r.stderr, /^tenon simulate: <stdin>: Pod (".*"|\(unnamed\)) is invalid:\n {2}- metadata\.(name|labels)/);
      }),
      { numRuns: 150 },
    );
  });
});

/** The committed examples as plain values, to mutate: real manifests that are one bad field away from hostile. */
const exampleSets: unknown[][] = ["basic", "existing-nodes", "zone-spread", "statefulset-volumes", "spot-and-ondemand", "gpu-taint", "sleep-window"].map((dir) =>
  readdirSync(join(repoRoot, "examples", dir))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(repoRoot, "examples", dir, f), "utf8")).map((d) => d.toJS() as unknown)),
);

type Path = (string | number)[];
function fieldPaths(v: unknown, path: Path = [], out: Path[] = []): Path[] {
  if (path.length > 1) out.push(path);
  if (Array.isArray(v)) v.forEach((x, i) => fieldPaths(x, [...path, i], out));
  else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) fieldPaths(x, [...path, k], out);
  return out;
}
function replaced(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...Path];
  const copy = (Array.isArray(root) ? [...root] : { ...(root as object) }) as Record<string | number, unknown>;
  copy[head] = replaced(copy[head], rest, value);
  return copy;
}
/** Values that break fields in the ways people and tools do. */
const hostileValue = fc.oneof(fc.jsonValue(), fc.constantFrom("-1", "1e3", "1e1.5", "toString", "__proto__", 0.5, -3, "", null, [], {}, "Gt", "4.5", 1e308, "Exists", ["a"], "\u001b[31m", "Web_1"));

describe("tenon simulate on mutated real manifests", () => {
  it("answers the examples with any few fields replaced by a plan or a clean refusal, in both modes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(exampleSets.length - 1), fc.array(fc.tuple(fc.nat(), hostileValue), { minLength: 1, maxLength: 6 }), fc.boolean(), async (set, mutations, disruption) => {
        let docs: unknown = exampleSets[set];
        for (const [at, value] of mutations) {
          const paths = fieldPaths(docs);
          docs = replaced(docs, paths[at % paths.length]!, value);
        }
        const text = (docs as unknown[]).map((d) => stringify(d)).join("---\n");
        assertClean(await sandbox.run(["simulate", "-o", "json", ...(disruption ? ["--disruption", "--at", "2026-11-23T23:00:00+01:00"] : []), "-"], text));
      }),
      { numRuns: 150 },
    );
  });
});

describe("tenon simulate reads as kubectl reads", () => {
  const podWith = (labels: string, requests: string) => `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: ${labels}
spec:
  containers: [{name: c, image: x, resources: {requests: ${requests}}}]
`;
  const labelValue = fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,10}[a-z0-9])?$/);
  const labelMap = fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), labelValue, { maxKeys: 4 });

  it("plans a pod written with merge keys as the same pod written out", async () => {
    await fc.assert(
      fc.asyncProperty(labelMap, labelMap, fc.integer({ min: 1, max: 4000 }), async (base, override, millicores) => {
        const merged = `${stringify(nodePool)}---\nx-base: &base ${JSON.stringify(base)}\n${podWith(`{<<: *base${Object.entries(override).map(([k, v]) => `, "${k}": "${v}"`).join("")}}`, `{cpu: ${millicores}m}`)}`;
        const expanded = `${stringify(nodePool)}---\n${podWith(JSON.stringify({ ...base, ...override }), `{cpu: ${millicores}m}`)}`;
        const [a, b] = await Promise.all([simulate(merged), simulate(expanded)]);
        assertClean(a);
        assert.equal(a.code, 0, a.stderr);
        assert.equal(a.stdout, b.stdout);
      }),
      { numRuns: 40 },
    );
  });

  it("reads a quantity written as a number as the string it spells", async () => {
    const number = fc.oneof(fc.integer({ min: -5, max: 10 ** 7 }), fc.double({ min: -1, max: 1e6, noNaN: true }), fc.constantFrom(0.5, 1e-3, 2.5e-1, 1e3, -0));
    await fc.assert(
      fc.asyncProperty(number, async (n) => {
        const [asNumber, asString] = await Promise.all([
          // Without a NodePool the plan is quick to make, and still says whether the pod was read.
          simulate(podWith("{}", `{cpu: ${String(n)}}`)),
          simulate(podWith("{}", `{cpu: "${String(n)}"}`)),
        ]);
        assertClean(asNumber);
        assert.equal(asNumber.code, asString.code, `${n}: ${asNumber.stderr} / ${asString.stderr}`);
        assert.equal(asNumber.stdout, asString.stdout);
        if (n < 0) assert.match(asNumber.stderr, /spec\.containers\[0\]\.resources\.requests\.cpu: .*greater than or equal to 0/);
      }),
      { numRuns: 60 },
    );
  });
});

describe("the manifest reader on its own", () => {
  it("decodes and splits any bytes into objects, or refuses them with a ManifestError naming the input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), yamlish.map((t) => new TextEncoder().encode(t))), (bytes) => {
        try {
          parseDocuments({ source: "in.yaml", text: decodeManifestBytes(bytes, "in.yaml") });
        } catch (err) {
          assert.ok(err instanceof ManifestError, String(err));
          assert.match(err.message, /^in\.yaml/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
