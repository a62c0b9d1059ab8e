// How `tenon simulate` treats its input: files, directories, stdin, bad manifests and exit codes.
// In process through the command line, except where the process itself matters (its stdin, its
// exit status, its output pipe).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { simulateJSON, tenon } from "./in-process.js";
import { repoRoot, runCli, simulateJSON as simulateJSONProcess } from "./run-cli.js";

const basicFiles = readdirSync(join(repoRoot, "examples/basic"))
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => `examples/basic/${f}`);
const readExample = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

const nodePoolOnly = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: lonely}
spec:
  template:
    spec:
      requirements: [{key: karpenter.sh/capacity-type, operator: In, values: [on-demand]}]
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: missing}
`;
const pod = (name: string, cpu: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "${cpu}"}}}]}
`;

describe("tenon simulate input", { concurrency: true }, () => {
  it("reads stdin (-) and plans the same as from the files, and files the same as their directory", async () => {
    const stdin = basicFiles.map(readExample).join("\n---\n");
    const [fromStdin, fromFiles, fromDir] = await Promise.all([simulateJSONProcess(["-"], stdin), simulateJSON(basicFiles), simulateJSON(["examples/basic"])]);
    assert.deepEqual(fromStdin.plan, fromDir.plan);
    assert.deepEqual(fromFiles.plan, fromDir.plan);
  });

  it("plans a NodePool whose EC2NodeClass is missing with defaults, and warns on stderr", async () => {
    const { plan, stderr } = await simulateJSON(["-"], `${nodePoolOnly}---\n${pod("small", "500m")}`);
    assert.match(stderr, /<stdin>: NodePool "lonely": EC2NodeClass "missing" is not in the input; simulating with defaults/);
    assert.deepEqual(
      plan.nodeClaims.map((c) => [c.nodePool, c.pods, c.capacityTypes]),
      [["lonely", ["default/small"], ["on-demand"]]],
    );
  });

  it("lists a pod that fits no instance type as unschedulable and still exits 0", async () => {
    const r = await tenon(["simulate", "-o", "json", "-"], `${nodePoolOnly}---\n${pod("huge", "5000")}---\n${pod("small", "1")}`);
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { unschedulable: { pod: string; reasons: string[] }[]; nodeClaims: { pods: string[] }[] };
    assert.deepEqual(
      plan.unschedulable.map((u) => u.pod),
      ["default/huge"],
    );
    assert.ok(plan.unschedulable[0]!.reasons.length > 0);
    assert.deepEqual(
      plan.nodeClaims.flatMap((c) => c.pods),
      ["default/small"],
    );
  });

  it("honours preferred node affinity unless told to ignore preferences", async () => {
    const preferring = `apiVersion: v1
kind: Pod
metadata: {name: picky}
spec:
  affinity:
    nodeAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 1
          preference: {matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [us-east-1c]}]}
  containers: [{name: c, image: nginx, resources: {requests: {cpu: 500m}}}]
`;
    const input = `${nodePoolOnly}---\n${preferring}`;
    const [honoured, ignored] = await Promise.all([simulateJSON(["-"], input), simulateJSON(["--ignore-preferences", "-"], input)]);
    assert.deepEqual(honoured.plan.nodeClaims[0]!.zones, ["us-east-1c"]);
    assert.ok(ignored.plan.nodeClaims[0]!.zones.length > 1, `zones ${ignored.plan.nodeClaims[0]!.zones.join(",")}`);
  });

  it("refuses an invalid NodePool, naming the file, the object and the field", async () => {
    const r = await runCli(["simulate", "examples/bad/np.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/bad\/np\.yaml: NodePool "x" is invalid/);
    assert.match(r.stderr, /spec\.template\.spec\.requirements\[0\]\.operator: /);
    assert.equal(r.stdout, "");
  });

  it("refuses unknown fields", async () => {
    const r = await tenon(["simulate", "examples/bad/unknown-field.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/bad\/unknown-field\.yaml: NodePool "typo" is invalid/);
    assert.match(r.stderr, /spec\.template\.spec\.requirments: unknown field/);
    assert.match(r.stderr, /spec\.template\.spec\.requirements: /);
  });

  it("refuses a Deployment without a template", async () => {
    const r = await tenon(["simulate", "examples/bad/deployment-without-template.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/bad\/deployment-without-template\.yaml: Deployment "default\/web" is invalid/);
    assert.match(r.stderr, /spec\.template: /);
  });

  it("refuses an EC2NodeClass without role or instanceProfile", async () => {
    const r = await tenon(["simulate", "examples/bad/nodeclass.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/bad\/nodeclass\.yaml: EC2NodeClass "no-role" is invalid/);
    assert.match(r.stderr, /role/);
  });

  it("refuses YAML that does not parse, naming the line", async () => {
    const r = await tenon(["simulate", "examples/bad/unparseable.yaml"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/bad\/unparseable\.yaml:\d+:\d+: invalid YAML/);
  });

  it("names a path that does not exist", async () => {
    const r = await tenon(["simulate", "examples/nope"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /examples\/nope: cannot read: no such file or directory/);
  });

  it("exits 2 on wrong usage: no input, an unknown region, an unknown output format", async () => {
    const [none, region, output] = await Promise.all([
      runCli(["simulate"]),
      tenon(["simulate", "--region", "mars-north-1", "examples/basic"]),
      tenon(["simulate", "-o", "xml", "examples/basic"]),
    ]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no input/);
    assert.equal(region.code, 2);
    assert.match(region.stderr, /mars-north-1/);
    assert.match(region.stderr, /us-east-1/);
    assert.equal(output.code, 2);
    assert.match(output.stderr, /xml/);
  });

  it("ends quietly when its reader stops early (tenon simulate … | head)", async () => {
    const deployment = readExample("examples/basic/inflate.yaml").replace("replicas: 5", "replicas: 20000").replace("cpu: 1", "cpu: 10m");
    const stdin = [readExample("examples/basic/nodepool.yaml"), readExample("examples/basic/ec2nodeclass.yaml"), deployment].join("\n---\n");
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "simulate", "-o", "json", "-"], { cwd: repoRoot });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      // Like head -1: read the first chunk, then close the pipe while tenon still writes.
      child.stdout.once("data", () => child.stdout.destroy());
      child.on("close", (code) => resolve({ code, stderr }));
      child.stdin.end(stdin);
    });
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /EPIPE|^\s+at /m);
  });

  it("lists both commands in its help, and the controller's settings in the controller's", async () => {
    const [top, controller] = await Promise.all([tenon(["--help"]), tenon(["controller", "--help"])]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /controller/);
    assert.match(top.stdout, /simulate/);
    assert.equal(controller.code, 0);
    assert.match(controller.stdout, /--cluster-name/);
  });

  it("prints the version of the package it runs from for --version, and exits 0", async () => {
    const r = await tenon(["--version"]);
    assert.equal(r.code, 0, r.stderr);
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    assert.equal(r.stdout.trim(), version);
  });
});
