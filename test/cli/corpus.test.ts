// The hostile-input corpus (test/cli/corpus, see its README): every committed input, and a few
// made here that git cannot hold (links that loop, devices, sparse huge files), run through
// `tenon simulate` in a sandboxed worker with a deadline. Each must end with its expected exit
// code and a message naming the file, the object and the field, with no stack trace and no raw
// control character in anything printed.
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, mkdtemp, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, describe, it } from "node:test";
import { loadCatalogInstanceTypes } from "../../src/cloudprovider/aws/catalog.js";
import { assertNoStackTrace } from "./in-process.js";
import type { PlanJSON } from "./run-cli.js";
import { repoRoot } from "./run-cli.js";
import { Sandbox, type SandboxResult } from "./sandbox.js";

/** One case of cases.json: what the input must come to. */
interface Expectation {
  exit: 0 | 1 | 2;
  /** Arguments, with {file}, {dir} (the class folder) and {root} (the corpus) filled in; default `simulate [-o json] {file}`. */
  args?: string[];
  /** A file whose bytes are standard input. */
  stdin?: string;
  /** What the message must name instead of the file (a path given in args, <stdin>). */
  names?: string;
  /** The message gives the file's line and column. */
  line?: boolean;
  object?: string;
  field?: string;
  /** Text the message (stderr) must hold. */
  message?: string;
  warning?: string;
  planned?: string[];
  unschedulable?: string[];
  plannedCount?: number;
  /** Every instance type of the first claim has at least this many millicores. */
  minCpu?: number;
  /** The output is JSON (disruption plans); `at` is its time. */
  json?: boolean;
  at?: string;
}

const corpus = join(repoRoot, "test/cli/corpus");
const cases = JSON.parse(readFileSync(join(corpus, "cases.json"), "utf8")) as Record<string, Record<string, Expectation>>;
/** Paths as a user in the repository would type them, so messages can be matched against them. */
const shown = (abs: string): string => relative(process.cwd(), abs) || ".";
const cpuOf = new Map(loadCatalogInstanceTypes("us-east-1").map((t) => [t.name, t.capacity.cpu ?? 0]));

const sandbox = new Sandbox();
after(() => sandbox.close());

/** A control character other than a line feed: what a terminal would act on. */
function firstControl(text: string): string | undefined {
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if ((c < 0x20 && ch !== "\n") || (c >= 0x7f && c <= 0x9f)) return `U+${c.toString(16).padStart(4, "0")}`;
  }
  return undefined;
}

function checkResult(r: SandboxResult, e: Expectation, file: string, json: boolean): void {
  const context = `exit ${r.code}\nstdout: ${r.stdout.slice(0, 600)}\nstderr: ${r.stderr.slice(0, 1500)}`;
  assert.equal(r.code, e.exit, context);
  assertNoStackTrace(r);
  for (const text of [r.stdout, r.stderr]) assert.equal(firstControl(text), undefined, `a raw control character was printed\n${context}`);
  if (e.exit !== 0) {
    assert.equal(r.stdout, "", context);
    // Usage errors that commander finds itself begin with its "error: ".
    assert.match(r.stderr, e.exit === 2 ? /^(tenon simulate|error): / : /^tenon simulate: /, context);
    if (e.exit === 1) assert.ok(r.stderr.includes(`tenon simulate: ${e.names ?? file}`), `the message names ${e.names ?? file}\n${context}`);
    if (e.line) assert.ok(r.stderr.match(/^tenon simulate: .+:\d+:\d+: /), `the message gives line and column\n${context}`);
    for (const part of [e.object, e.field && `${e.field}`, e.message]) if (part) assert.ok(r.stderr.includes(part), `the message names ${JSON.stringify(part)}\n${context}`);
    return;
  }
  if (e.warning) assert.ok(r.stderr.includes(e.warning), `warning ${JSON.stringify(e.warning)}\n${context}`);
  if (!json) return;
  const out = JSON.parse(r.stdout) as PlanJSON & { at?: string };
  if (e.at) assert.equal(out.at, e.at);
  if (e.json) return;
  const placed = [...out.nodeClaims.flatMap((c) => c.pods), ...out.existingNodes.flatMap((n) => n.pods)].sort();
  if (e.planned) assert.deepEqual(placed, [...e.planned].sort(), context);
  if (e.plannedCount !== undefined) assert.equal(placed.length, e.plannedCount, context);
  if (e.unschedulable) assert.deepEqual(out.unschedulable.map((u) => u.pod).sort(), [...e.unschedulable].sort(), context);
  if (e.minCpu !== undefined) for (const t of out.nodeClaims[0]!.instanceTypes) assert.ok((cpuOf.get(t) ?? 0) >= e.minCpu, `${t} has ${e.minCpu}m CPU`);
}

async function runCase(e: Expectation, file: string, dir: string): Promise<void> {
  const fill = (s: string) => s.replaceAll("{file}", file).replaceAll("{dir}", dir).replaceAll("{root}", shown(corpus));
  const args = e.args ? e.args.map(fill) : ["simulate", ...(e.exit === 0 ? ["-o", "json"] : []), file];
  const stdin = e.stdin ? readFileSync(fill(e.stdin)) : undefined;
  const r = await sandbox.run(args, stdin);
  checkResult(r, { ...e, ...(e.names ? { names: fill(e.names) } : {}) }, stdin ? "<stdin>" : file, args.includes("json"));
}

describe("hostile-input corpus", () => {
  it("holds at least 100 committed inputs, in every class the README lists", () => {
    const readme = readFileSync(join(corpus, "README.md"), "utf8");
    for (const cls of Object.keys(cases)) assert.ok(readme.includes(`\`${cls}/\``), `README lists ${cls}/`);
    const files = Object.values(cases).flatMap((c) => Object.values(c).filter((e) => !e.args || e.args.includes("{file}")));
    assert.ok(files.length >= 100, `${files.length} inputs`);
    for (const cls of Object.keys(cases)) {
      for (const f of readdirSync(join(corpus, cls), { withFileTypes: true })) if (f.isFile()) assert.ok(cases[cls]![f.name], `${cls}/${f.name} has an entry in cases.json`);
    }
  });

  for (const [cls, entries] of Object.entries(cases)) {
    describe(cls, () => {
      for (const [name, e] of Object.entries(entries)) {
        it(name, () => runCase(e, shown(join(corpus, cls, name)), shown(join(corpus, cls))));
      }
    });
  }
});

describe("hostile-input corpus, made at run time (links, devices, huge files)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tenon-corpus-"));
  const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec: {containers: [{name: c, resources: {requests: {cpu: 100m}}}]}\n`;
  const made = async (name: string, build: (at: string) => Promise<void>): Promise<string> => {
    const at = join(dir, name);
    await mkdir(at);
    await build(at);
    return at;
  };
  const configMap = await made("configmap", async (at) => {
    await mkdir(join(at, "..2026_12_02_09_00_00.000000001"));
    await writeFile(join(at, "..2026_12_02_09_00_00.000000001", "pods.yaml"), pod("mounted"));
    await symlink("..2026_12_02_09_00_00.000000001", join(at, "..data"));
    await symlink("..data/pods.yaml", join(at, "pods.yaml"));
  });
  const loop = await made("loop", async (at) => {
    await writeFile(join(at, "pod.yaml"), pod("looped"));
    await symlink(".", join(at, "self"));
    await mkdir(join(at, "inner"));
    await symlink("..", join(at, "inner", "up"));
  });
  const selfLink = await made("self-link", (at) => symlink("x.yaml", join(at, "x.yaml")));
  const broken = await made("broken", (at) => symlink("gone.yaml", join(at, "pods.yaml")));
  const device = await made("device", (at) => symlink("/dev/zero", join(at, "zero.yaml")));
  const huge = await made("huge", async (at) => {
    await writeFile(join(at, "huge.yaml"), "");
    await truncate(join(at, "huge.yaml"), 100 * 1024 * 1024); // sparse: no disk used, and tenon must not read it
  });

  const generated: [string, string[], Expectation, Uint8Array?][] = [
    ["a ConfigMap volume, recursively", ["simulate", "-o", "json", configMap], { exit: 0, unschedulable: ["default/mounted"] }],
    ["a ConfigMap volume with -f", ["simulate", "-o", "json", "-f", configMap], { exit: 0, unschedulable: ["default/mounted"] }],
    ["a directory with links back to itself, from itself and from below", ["simulate", "-o", "json", loop], { exit: 0, unschedulable: ["default/looped"], warning: "a symbolic link back to" }],
    ["a link to itself", ["simulate", join(selfLink, "x.yaml")], { exit: 1, names: join(selfLink, "x.yaml"), message: "a loop of symbolic links" }],
    ["a broken link in a directory", ["simulate", broken], { exit: 1, names: join(broken, "pods.yaml"), message: "a symbolic link to a path that does not exist" }],
    ["a link to /dev/zero in a directory", ["simulate", device], { exit: 1, names: join(device, "zero.yaml"), message: "not a regular file (a character device)" }],
    ["a link to /dev/zero named explicitly", ["simulate", join(device, "zero.yaml")], { exit: 1, names: join(device, "zero.yaml"), message: "not a regular file (a character device)" }],
    ["a 100 MiB file", ["simulate", join(huge, "huge.yaml")], { exit: 1, names: join(huge, "huge.yaml"), message: "at most 64 MiB" }],
    ["200001 empty documents", ["simulate", "-"], { exit: 1, names: "<stdin>", message: "more than 200000 YAML documents" }, new TextEncoder().encode("---\n".repeat(200_001))],
    ["65 MiB on standard input", ["simulate", "-"], { exit: 1, names: "<stdin>", message: "more than 64 MiB" }, new Uint8Array(65 * 1024 * 1024).fill(0x20)],
  ];
  for (const [name, args, e, stdin] of generated) {
    it(name, async () => checkResult(await sandbox.run(args, stdin), e, e.names ?? "", args.includes("json")));
  }
});
