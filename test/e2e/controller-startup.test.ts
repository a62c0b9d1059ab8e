// `tenon controller` refuses wrong settings at startup: exit status 2 and a message naming the
// setting, before it touches the cluster or AWS.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { repoRoot } from "../env/paths.js";

function run(env: Record<string, string>, args: string[] = []): { status: number | null; output: string } {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_EC2_METADATA_DISABLED: "true", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };
  const res = spawnSync(process.execPath, ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), "controller", ...args], {
    cwd: repoRoot,
    env: { ...base, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe("tenon controller startup", () => {
  const dir = mkdtempSync(join(tmpdir(), "tenon-startup-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A kubeconfig for a server nobody listens on: loading it works, using it does not.
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(
    kubeconfig,
    "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n",
  );
  const ports = { METRICS_PORT: "0", HEALTH_PROBE_PORT: "0" };

  it("exits 2 naming CLUSTER_NAME when it is missing", () => {
    const r = run({ ...ports, KUBECONFIG: kubeconfig });
    assert.equal(r.status, 2, r.output);
    assert.match(r.output, /CLUSTER_NAME \(--cluster-name\)/);
  });

  it("exits 2 naming the setting for an invalid value", () => {
    const r = run({ ...ports, CLUSTER_NAME: "c", KUBECONFIG: kubeconfig, BATCH_IDLE_DURATION: "soon" });
    assert.equal(r.status, 2, r.output);
    assert.match(r.output, /BATCH_IDLE_DURATION \(--batch-idle-duration\)/);
  });

  it("exits 2 naming KUBECONFIG when the file does not exist", () => {
    const r = run({ ...ports, CLUSTER_NAME: "c", KUBECONFIG: join(dir, "missing") });
    assert.equal(r.status, 2, r.output);
    assert.match(r.output, /KUBECONFIG/);
  });

  it("exits 2 naming CLUSTER_ENDPOINT and AWS_REGION when AWS cannot be set up", () => {
    const noEndpoint = run({ ...ports, CLUSTER_NAME: "c", KUBECONFIG: kubeconfig, AWS_REGION: "us-east-1" });
    assert.equal(noEndpoint.status, 2, noEndpoint.output);
    assert.match(noEndpoint.output, /CLUSTER_ENDPOINT/);
    const noRegion = run({ ...ports, CLUSTER_NAME: "c", KUBECONFIG: kubeconfig, CLUSTER_ENDPOINT: "https://127.0.0.1:1" });
    assert.equal(noRegion.status, 2, noRegion.output);
    assert.match(noRegion.output, /AWS_REGION/);
  });
});
