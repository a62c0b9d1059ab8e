// Regression tests for the review of `tenon simulate` (issue 9): each case is one finding, run
// through the command line in process as a user runs it.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadCatalogInstanceTypes } from "../../src/cloudprovider/aws/catalog.js";
import { assertNoStackTrace, tenon } from "./in-process.js";
import type { PlanJSON } from "./run-cli.js";

const nodePool = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: default}
spec:
  template:
    spec:
      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}]
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
---
`;
const pod = (name: string, spec: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
${spec}`;
const container = (resources: string) => `  containers:
  - name: c
    image: nginx
    resources: ${resources}
`;
const deployment = (name: string, selector: string, templateLabels: string, resources = "{requests: {cpu: 100m}}") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: shop}
spec:
  replicas: 2
  selector: ${selector}
  template:
    metadata: {labels: ${templateLabels}}
    spec:
      containers: [{name: c, image: nginx, resources: ${resources}}]
`;

/** Whether text holds a control character other than a line feed (C1 too when asked). */
const hasControl = (text: string, c1: boolean): boolean => [...text].some((ch) => {
  const c = ch.charCodeAt(0);
  return (c < 0x20 && ch !== "\n") || c === 0x7f || (c1 && c >= 0x80 && c <= 0x9f);
});

const cpuOf = new Map(loadCatalogInstanceTypes("us-east-1").map((t) => [t.name, t.capacity.cpu ?? 0]));

async function plan(stdin: string, ...args: string[]): Promise<PlanJSON> {
  const r = await tenon(["simulate", "-o", "json", ...args, "-"], stdin);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as PlanJSON;
}

async function refused(stdin: string, ...patterns: RegExp[]): Promise<string> {
  const r = await tenon(["simulate", "-"], stdin);
  assertNoStackTrace(r);
  assert.equal(r.code, 1, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  for (const p of patterns) assert.match(r.stderr, p);
  assert.equal(r.stdout, "");
  return r.stderr;
}

describe("tenon simulate reads input as kubectl and the API server would", { concurrency: true }, () => {
  it("honours YAML merge keys (<<), as kubectl's YAML 1.1 reader does", async () => {
    const p = await plan(`${nodePool}${pod("merged", container(`{requests: {<<: &big {cpu: "3", memory: 1Gi}}, limits: {<<: *big}}`))}`);
    const types = p.nodeClaims.flatMap((c) => c.instanceTypes);
    assert.ok(types.length > 0);
    // Every type offered holds 3 CPUs: the request came in through the merge key.
    for (const t of types) assert.ok((cpuOf.get(t) ?? 0) >= 3000, `${t} has 3 CPUs`);
  });

  it("accepts quantities written as YAML numbers, as the API server does (cpu: 0.5)", async () => {
    const p = await plan(`${nodePool}${pod("half", container("{requests: {cpu: 0.5, memory: 256}}"))}`);
    assert.deepEqual(
      p.nodeClaims.flatMap((c) => c.pods),
      ["default/half"],
    );
  });

  it("refuses a negative request, naming file, object and field", async () => {
    await refused(`${nodePool}${pod("neg", container(`{requests: {cpu: "-1"}}`))}`, /<stdin>: Pod "default\/neg" is invalid/, /spec\.containers\[0\]\.resources\.requests\.cpu: .*must be greater than or equal to 0/);
  });

  it("refuses limits below requests in a workload's template", async () => {
    await refused(
      deployment("web", "{matchLabels: {app: web}}", "{app: web}", `{requests: {cpu: "2"}, limits: {cpu: "1"}}`),
      /<stdin>: Deployment "shop\/web" is invalid/,
      /spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: .*must be less than or equal to the cpu limit of 1/,
    );
  });

  it("refuses Gt with a value kube-scheduler cannot read as an integer", async () => {
    const affinity = `  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: karpenter.k8s.aws/instance-cpu, operator: Gt, values: ["4.5"]}]}]
`;
    await refused(
      `${nodePool}${pod("gt", `${affinity}${container("{requests: {cpu: 100m}}")}`)}`,
      /Pod "default\/gt" is invalid/,
      /spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.values\[0\]: .*"4\.5".*integer/,
    );
  });

  it("refuses object names the API server refuses (DNS-1123), per kind", async () => {
    await refused(pod("Web_1", container("{}")), /Pod "default\/Web_1" is invalid/, /metadata\.name: .*RFC 1123 subdomain/);
    await refused(pod("ok", container("{}")).replace("{name: ok}", "{name: ok, namespace: Shop}"), /Pod "Shop\/ok" is invalid/, /metadata\.namespace: .*RFC 1123 label/);
    const longCronJob = `apiVersion: batch/v1
kind: CronJob
metadata: {name: ${"c".repeat(53)}}
spec:
  schedule: "* * * * *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: x}]}}}}
`;
    await refused(longCronJob, /CronJob "default\/c{53}" is invalid/, /metadata\.name: .*at most 52 characters/);
  });

  it("refuses a workload whose selector does not match its template's labels", async () => {
    await refused(deployment("web", "{matchLabels: {app: web}}", "{app: api}"), /Deployment "shop\/web" is invalid/, /spec\.template\.metadata\.labels: .*selector/);
    await refused(deployment("web", "{}", "{app: web}"), /spec\.selector: .*empty/);
  });

  it("reads a ConfigMap volume: symlinked files and ..data, once each, without following loops", async () => {
    const mount = await mkdtemp(join(tmpdir(), "tenon-configmap-"));
    await mkdir(join(mount, "..2026_01_01_00_00_00.000000001"));
    await writeFile(join(mount, "..2026_01_01_00_00_00.000000001", "pods.yaml"), `${nodePool}${pod("from-configmap", container("{requests: {cpu: 100m}}"))}`);
    await symlink("..2026_01_01_00_00_00.000000001", join(mount, "..data"));
    await symlink("..data/pods.yaml", join(mount, "pods.yaml"));
    await symlink(".", join(mount, "loop"));
    for (const args of [[mount], ["-f", mount], ["-R", "-f", mount]]) {
      const r = await tenon(["simulate", "-o", "json", ...args]);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      assert.deepEqual(
        (JSON.parse(r.stdout) as PlanJSON).nodeClaims.flatMap((c) => c.pods),
        ["default/from-configmap"],
      );
    }
  });

  it("treats prototype names (constructor, __proto__, toString) as plain data", async () => {
    const r = await tenon(["simulate", "-"], `${nodePool}apiVersion: v1\nkind: constructor\nmetadata: {name: x}\n---\napiVersion: v1\nkind: toString\n`);
    assertNoStackTrace(r);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ignored 1 constructor object/);
    await refused(pod("__proto__", container("{}")), /metadata\.name: /);
    await refused(`apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {__proto__: x}}\nspec: {containers: [{name: c, image: x}]}\n`, /metadata\.labels\.__proto__: /);
  });

  it("bounds alias expansion (billion laughs) with a clear error", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) levels.push(`${"abcdefghi"[i]}: &${"abcdefghi"[i]} [${Array(10).fill(`*${"abcdefghi"[i - 1]}`).join(", ")}]`);
    await refused(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n${levels.map((l) => `  ${l}`).join("\n")}\n`, /<stdin>: .*alias/);
  });

  it("refuses special files such as /dev/zero without reading them", async () => {
    const r = await tenon(["simulate", "/dev/zero"]);
    assertNoStackTrace(r);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/dev\/zero: .*not a regular file/);
  });

  it("takes --at in RFC 3339 only", async () => {
    for (const at of ["1", "2026-12-02", "2026-12-02T09:00:00", "2026-02-30T09:00:00Z", "tomorrow"]) {
      const r = await tenon(["simulate", "--disruption", "--at", at, "examples/sleep-window"]);
      assert.equal(r.code, 2, `--at ${at}: ${r.stderr}`);
      assert.match(r.stderr, /RFC 3339/);
    }
    const ok = await tenon(["simulate", "--disruption", "-o", "json", "--at", "2026-12-02T09:00:00.5+01:00", "examples/sleep-window"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { at: string }).at, "2026-12-02T08:00:00.500Z");
  });

  it("prints names and values with terminal escapes escaped", async () => {
    const bad = await refused(pod(`"\\e[31mred"`, container("{}")), /metadata\.name: /);
    assert.ok(!bad.includes("\x1b"), bad);
    assert.match(bad, /\\u001b\[31mred/);
    const affinity = `  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: ["\\e]0;owned\\a"]}]}]
`;
    const r = await tenon(["simulate", "-"], `${nodePool}${pod("esc", `${affinity}${container("{}")}`)}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Pods that cannot be scheduled: 1/);
    assert.ok(!hasControl(r.stdout + r.stderr, false), r.stdout);
    const json = await tenon(["simulate", "-o", "json", "-"], `${nodePool}${pod("esc", `${affinity}${container("{}")}`)}`);
    assert.ok(!hasControl(json.stdout, true), json.stdout);
    assert.ok(JSON.parse(json.stdout));
  });

  it("refuses more pods than its documented cap before expanding them", async () => {
    const r = await tenon(["simulate", "-"], deployment("huge", "{matchLabels: {app: huge}}", "{app: huge}").replace("replicas: 2", "replicas: 100000"));
    assertNoStackTrace(r);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /<stdin>: Deployment "shop\/huge": spec\.replicas: .*100000 pods.*at most 50000/);
  });

  it("reads UTF-8 with or without a BOM and UTF-16 with a BOM; refuses what is not text", async () => {
    const text = `${nodePool}${pod("enc", container("{requests: {cpu: 100m}}"))}`;
    const utf16le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const utf16be = Buffer.from(utf16le.map((_, i) => utf16le[i ^ 1]!));
    for (const bytes of [Buffer.from(`\ufeff${text}`), utf16le, utf16be]) {
      const r = await tenon(["simulate", "-o", "json", "-"], bytes);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (JSON.parse(r.stdout) as PlanJSON).nodeClaims.flatMap((c) => c.pods),
        ["default/enc"],
      );
    }
    const invalid = await tenon(["simulate", "-"], Buffer.concat([Buffer.from(text), Buffer.from([0xc3, 0x28])]));
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /<stdin>: .*not valid UTF-8/);
    const binary = await tenon(["simulate", "-"], Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
    assert.equal(binary.code, 1);
    assert.match(binary.stderr, /<stdin>: .*binary/);
  });

  it("takes -f/--filename (repeatable, - for stdin) and -R as kubectl does, and positional paths", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tenon-f-"));
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "pool.yaml"), nodePool);
    await writeFile(join(dir, "sub", "pod.yaml"), pod("deep", container("{requests: {cpu: 100m}}")));
    const pods = async (args: string[], stdin?: string) => {
      const r = await tenon(["simulate", "-o", "json", ...args], stdin);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return (JSON.parse(r.stdout) as PlanJSON).nodeClaims.flatMap((c) => c.pods).sort();
    };
    // Without -R a directory given with -f contributes its top-level files only, as with kubectl.
    assert.deepEqual(await pods(["-f", dir]), []);
    assert.deepEqual(await pods(["-R", "-f", dir]), ["default/deep"]);
    assert.deepEqual(await pods(["--recursive", "--filename", dir]), ["default/deep"]);
    // Positional directories are searched recursively, as before.
    assert.deepEqual(await pods([dir]), ["default/deep"]);
    assert.deepEqual(await pods(["-f", join(dir, "pool.yaml"), "-f", "-"], pod("piped", container("{requests: {cpu: 100m}}"))), ["default/piped"]);
    const twice = await tenon(["simulate", "-f", "-", "-"]);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /standard input/);
  });
});
