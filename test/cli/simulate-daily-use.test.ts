// `tenon` as a new user meets it: the installed command, the README's pipelines, a folder of bad
// files, and the summary a person reads.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { splitConcatenated, originalLine } from "../../src/cli/manifests/concatenated.js";
import { simulateJSON, tenon } from "./in-process.js";
import { repoRoot, type CliResult } from "./run-cli.js";

/** Runs the package's `bin` entry as npm links it (`npx tenon`, `npm install -g .`): no tsx flag, no build. */
function installedTenon(args: string[], stdin = ""): Promise<CliResult> {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { bin: { tenon: string } };
  return new Promise((resolve, reject) => {
    const child = execFile(join(repoRoot, pkg.bin.tenon), args, { cwd: "/", maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") reject(err);
      else resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin);
  });
}

const catExamples = (dir: string): string =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(repoRoot, dir, f), "utf8"))
    .join("");

describe("the installed tenon command", () => {
  it("runs from the package's bin entry in a checkout without a build, from any directory", async () => {
    const r = await installedTenon(["simulate", "-o", "json", join(repoRoot, "examples/basic")]);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { nodeClaims: unknown[] };
    assert.ok(plan.nodeClaims.length > 0);
  });
});

describe("tenon simulate reads what cat gives it", () => {
  it("`cat examples/basic/*.yaml | tenon simulate -` plans the same as the folder", async () => {
    const piped = await simulateJSON(["-"], catExamples("examples/basic"));
    const folder = await simulateJSON(["examples/basic"]);
    assert.deepEqual(piped.plan, folder.plan);
  });

  it("keeps the user's line numbers in messages after putting back file boundaries", async () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n  labels: [\n";
    const r = await tenon(["simulate", "-"], text);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tenon simulate: <stdin>:10:1: invalid YAML/);
  });

  it("breaks only before a top-level key that repeats, and maps lines back to the input", async () => {
    const split = splitConcatenated("kind: Pod\nkind: Pod\n");
    assert.deepEqual(split.breaks, [2]);
    assert.equal(split.text, "kind: Pod\n---\nkind: Pod\n");
    assert.equal(originalLine(split.breaks, 3), 2);
    assert.equal(originalLine(split.breaks, 1), 1);
    // Nested and quoted keys, comments and explicit documents leave the text as it is.
    assert.deepEqual(splitConcatenated("a:\n  b: 1\n  b: 2\n# a: x\n---\na: 1\n").breaks, []);
  });
});

describe("tenon simulate on a folder of bad files", () => {
  it("names every bad file in one run, then says nothing was planned", async () => {
    const r = await tenon(["simulate", "examples/bad"]);
    assert.equal(r.code, 1);
    const bad = readdirSync(join(repoRoot, "examples/bad")).filter((f) => f.endsWith(".yaml"));
    assert.equal(bad.length, 5);
    for (const f of bad) assert.match(r.stderr, new RegExp(`^tenon simulate: examples/bad/${f.replace(".", "\\.")}`, "m"), `${f} is reported`);
    assert.match(r.stderr, /5 problems in 5 inputs; nothing was planned\n$/);
    assert.equal(r.stdout, "");
  });

  it("one bad file reads as before: its message alone", async () => {
    const r = await tenon(["simulate", "examples/bad/np.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^tenon simulate: examples\/bad\/np\.yaml: NodePool "x" is invalid:\n {2}- spec\.template\.spec\.requirements\[0\]\.operator/);
    assert.doesNotMatch(r.stderr, /problems in/);
  });
});

describe("the summary, for a person", () => {
  it("gpu-taint: says the general pool has no GPU at all instead of naming a 'largest' type with 0 GPUs", async () => {
    const r = await tenon(["simulate", "examples/gpu-taint"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /nodepool "general": no instance type the NodePool allows has any nvidia\.com\/gpu/);
    assert.doesNotMatch(r.stdout, /largest: \S+ 0 nvidia/);
    assert.match(r.stdout, /for 2 new nodes; 2 pods on new nodes, 0 on existing nodes, 1 unschedulable/);
  });

  it("-o json carries the lower bound the table explains", async () => {
    // A budget the exact stage cannot outrun under load, so both runs reach the same bound.
    const { plan } = await simulateJSON(["examples/gpu-taint", "--exact-budget", "60000"]);
    const r = await tenon(["simulate", "examples/gpu-taint", "--exact-budget", "60000"]);
    const dollars = `$${plan.lowerBoundPricePerHour.toFixed(4)}`;
    assert.ok(r.stdout.includes(`costs less than ${dollars}/hour`), `table names the bound ${dollars}`);
  });
});
