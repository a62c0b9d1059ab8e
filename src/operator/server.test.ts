import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Counter, Registry } from "prom-client";
import { Checks, Flag, startHealthServer, startMetricsServer, type RunningServer } from "./server.js";

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function get(url: string): Promise<{ status: number; body: string; type: string | null }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
}

describe("startMetricsServer", () => {
  it("serves the registry at /metrics", async () => {
    const registry = new Registry();
    new Counter({ name: "karpenter_test_total", help: "test", registers: [registry] }).inc(2);
    const server = await startMetricsServer({ host: "127.0.0.1", port: 0, registry });
    running.push(server);
    assert.ok(server.port > 0);
    const res = await get(`${server.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.body, /karpenter_test_total 2/);
    assert.equal(res.type, registry.contentType);
    assert.equal((await get(`${server.url}/`)).status, 404);
    assert.equal((await fetch(`${server.url}/metrics`, { method: "POST" })).status, 405);
  });
});

describe("startHealthServer", () => {
  it("is ready only when every readiness check passes", async () => {
    const cacheSynced = new Flag("informer caches have not synced");
    const leaderElection = new Flag("leader election has not started");
    const readyz = new Checks().add("cache-synced", cacheSynced.check).add("leader-election", leaderElection.check);
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: new Checks().add("ping", () => undefined), readyz });
    running.push(server);

    assert.deepEqual(await get(`${server.url}/healthz`).then((r) => [r.status, r.body]), [200, "ok"]);

    let res = await get(`${server.url}/readyz`);
    assert.equal(res.status, 500);
    assert.equal(
      res.body,
      "[-]cache-synced failed: informer caches have not synced\n[-]leader-election failed: leader election has not started\nreadyz check failed\n",
    );

    cacheSynced.set(true);
    res = await get(`${server.url}/readyz`);
    assert.equal(res.status, 500);
    assert.match(res.body, /\[\+\]cache-synced ok\n\[-\]leader-election failed/);

    leaderElection.set(true);
    assert.deepEqual(await get(`${server.url}/readyz`).then((r) => [r.status, r.body]), [200, "ok"]);
    assert.equal((await get(`${server.url}/readyz?verbose`)).body, "[+]cache-synced ok\n[+]leader-election ok\nreadyz check passed\n");

    cacheSynced.set(false, "informer for nodes lost its watch");
    res = await get(`${server.url}/readyz`);
    assert.equal(res.status, 500);
    assert.match(res.body, /cache-synced failed: informer for nodes lost its watch/);
  });

  it("fails an async check that rejects or hangs", async () => {
    const readyz = new Checks(50)
      .add("api-server", () => Promise.reject(new Error("connection refused")))
      .add("stuck", () => new Promise<void>(() => undefined));
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: new Checks(), readyz });
    running.push(server);
    const res = await get(`${server.url}/readyz`);
    assert.equal(res.status, 500);
    assert.match(res.body, /\[-\]api-server failed: connection refused/);
    assert.match(res.body, /\[-\]stuck failed: timed out after 50ms/);
    assert.equal((await get(`${server.url}/metrics`)).status, 404);
  });

  it("closes promptly with a keep-alive client attached", async () => {
    const server = await startHealthServer({ host: "127.0.0.1", port: 0, healthz: new Checks(), readyz: new Checks() });
    assert.equal((await get(`${server.url}/healthz`)).status, 200);
    await server.close();
    await assert.rejects(fetch(`${server.url}/healthz`));
  });
});

describe("Checks", () => {
  it("refuses a duplicate name", () => {
    const checks = new Checks().add("a", () => undefined);
    assert.throws(() => checks.add("a", () => undefined), /check "a" is already registered/);
  });

  it("reports a thrown non-Error", async () => {
    const results = await new Checks()
      .add("bad", () => {
        throw "nope";
      })
      .run();
    assert.deepEqual(results, [{ name: "bad", ok: false, reason: "nope" }]);
  });
});

describe("listening", () => {
  it("rejects when the port is taken", async () => {
    const first = await startMetricsServer({ host: "127.0.0.1", port: 0, registry: new Registry() });
    running.push(first);
    await assert.rejects(startMetricsServer({ host: "127.0.0.1", port: first.port, registry: new Registry() }), /EADDRINUSE/);
  });
});
