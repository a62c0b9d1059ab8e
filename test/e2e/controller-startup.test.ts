// `tenon controller` refuses wrong settings at startup: exit status 2 and a message naming the
// setting, before it touches the cluster or AWS. And a running controller's metrics and health
// ports survive hostile clients: the process stays up and answers properly afterwards.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { repoRoot } from "../env/paths.js";
import { freePort, startProcess, waitFor } from "../env/proc.js";
import { assertServes, corpus, exchange, firstStatus, fuzzSeed, hostileRequests, slowloris } from "../operator/hostile-http.js";

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

  it("keeps serving /healthz and /metrics through hundreds of hostile requests to both ports", async () => {
    const ports = { metrics: await freePort(), health: await freePort() };
    // No API server behind the kubeconfig: the process waits for one, with its servers up.
    const controller = startProcess("tenon-fuzzed", process.execPath, {
      args: ["--import", "tsx", join(repoRoot, "src", "cli", "main.ts"), "controller"],
      cwd: repoRoot,
      logPath: join(dir, "fuzzed.log"),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        CLUSTER_NAME: "c",
        KUBECONFIG: kubeconfig,
        CLUSTER_ENDPOINT: "https://127.0.0.1:1",
        AWS_REGION: "us-east-1",
        METRICS_PORT: String(ports.metrics),
        HEALTH_PROBE_PORT: String(ports.health),
        LOG_LEVEL: "error",
      },
    });
    try {
      const health = `http://127.0.0.1:${ports.health}`;
      const metrics = `http://127.0.0.1:${ports.metrics}`;
      await waitFor("the controller's /healthz", async () => ((await fetch(`${health}/healthz`).catch(() => undefined))?.status === 200 ? true : undefined), {
        timeoutMs: 60_000,
        watch: [controller],
      });
      // Slow clients hold connections open while the rest goes on; the server cuts them off (408).
      const slow = [slowloris(ports.health, 200), slowloris(ports.metrics, 200)];
      for (const [port, path] of [
        [ports.health, "/healthz"],
        [ports.metrics, "/metrics"],
      ] as const) {
        for (const { req, status } of corpus(path)) {
          const got = await exchange(port, req);
          if (status !== undefined) assert.equal(firstStatus(got.response), status, `${path} port, ${req.name}: ${JSON.stringify(got.response.slice(0, 100))}`);
        }
        await fc.assert(
          fc.asyncProperty(hostileRequests([path, "/healthz", "/readyz", "/metrics"]).filter((r) => r.ending !== "keep"), async (req) => {
            await exchange(port, req);
          }),
          { seed: fuzzSeed, numRuns: 200 },
        );
        assert.ok(controller.running(), `the controller died; last lines:\n${controller.logTail(20)}`);
      }
      await assertServes(`${health}/healthz`, { status: 200, body: /^ok$/ });
      // Not ready without an API server, and it says why.
      await assertServes(`${health}/readyz`, { status: 500, body: /cache-synced failed/ });
      await assertServes(`${metrics}/metrics`, { status: 200, body: /process_cpu_seconds_total/, contentType: /^text\/plain/ });
      for (const answer of await Promise.all(slow.map((s) => s.closed))) assert.equal(firstStatus(answer), 408, "a slowloris client is cut off");
      assert.ok(controller.running(), `the controller died; last lines:\n${controller.logTail(20)}`);
    } finally {
      await controller.stop(10_000);
    }
    assert.equal((await controller.exited).code, 0, `a clean shutdown after the fuzzing; last lines:\n${controller.logTail(20)}`);
  });
});
