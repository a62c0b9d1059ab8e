// The metrics and health servers against hostile clients over raw TCP: a named corpus of
// malformed requests (each with the answer it must get), hundreds of fast-check generated ones,
// slow clients, resets and a connection flood — and after all of it both servers still answer
// /healthz, /readyz and /metrics properly. One request used to end the process: `GET http://[`.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import fc from "fast-check";
import { Counter, Registry } from "prom-client";
import { Checks, type RunningServer, startHealthServer, startMetricsServer, type ServerLimits } from "../../src/operator/server.js";
import { assertServes, corpus, exchange, firstStatus, fuzzSeed, hostileRequests, slowloris } from "./hostile-http.js";

// Short timeouts, so that slow and silent clients are cut off within the test's time.
const limits: Partial<ServerLimits> = { headersTimeoutMs: 400, requestTimeoutMs: 800, keepAliveTimeoutMs: 200, socketTimeoutMs: 500, timeoutCheckIntervalMs: 50, maxConnections: 64 };

describe("metrics and health servers under hostile clients", () => {
  const registry = new Registry();
  new Counter({ name: "karpenter_fuzz_canary_total", help: "a metric the scrape must still show", registers: [registry] }).inc(3);
  let metrics: RunningServer;
  let health: RunningServer;
  const servers = () => [
    { name: "metrics", server: metrics, path: "/metrics" },
    { name: "health", server: health, path: "/healthz" },
  ];

  // An exception thrown by a request handler would end a real process; the test runner would only report it.
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);
  afterEach(() => assert.deepEqual(uncaught.splice(0), [], "no uncaught exception"));

  before(async () => {
    process.on("uncaughtExceptionMonitor", onUncaught);
    metrics = await startMetricsServer({ host: "127.0.0.1", port: 0, registry, limits });
    health = await startHealthServer({ host: "127.0.0.1", port: 0, limits, healthz: new Checks().add("ping", () => undefined), readyz: new Checks().add("ping", () => undefined) });
  });
  after(async () => {
    process.off("uncaughtExceptionMonitor", onUncaught);
    await metrics?.close();
    await health?.close();
  });

  async function assertBothServe(): Promise<void> {
    await assertServes(`${health.url}/healthz`, { status: 200, body: /^ok$/ });
    await assertServes(`${health.url}/readyz?verbose`, { status: 200, body: /\[\+\]ping ok/ });
    await assertServes(`${metrics.url}/metrics`, { status: 200, body: /karpenter_fuzz_canary_total 3/, contentType: /^text\/plain/ });
  }

  it("answers each malformed request of the corpus as HTTP says, and closes the connection", async () => {
    for (const { name, server, path } of servers()) {
      for (const { req, status } of corpus(path)) {
        const got = await exchange(server.port, req);
        if (status !== undefined) assert.equal(firstStatus(got.response), status, `${name} server, ${req.name}: answered ${JSON.stringify(got.response.slice(0, 120))}`);
        if (req.ending !== "reset") assert.ok(got.closedByServer, `${name} server, ${req.name}: the server should close the connection`);
      }
    }
    await assertBothServe();
  });

  it("survives hundreds of generated hostile requests, always answering with a status line or closing", async () => {
    for (const { name, server, path } of servers()) {
      await fc.assert(
        fc.asyncProperty(hostileRequests([path, "/healthz", "/readyz", "/metrics"]), async (req) => {
          const got = await exchange(server.port, req);
          if (req.ending === "reset") return;
          // The server either answers with HTTP or closes without a word; it never leaves a client hanging.
          assert.ok(got.response === "" || /^HTTP\/1\.1 \d{3} /.test(got.response), `${name}: not HTTP: ${JSON.stringify(got.response.slice(0, 80))}`);
          assert.ok(got.closedByServer, `${name}: the connection was left open (${req.name})`);
        }),
        { seed: fuzzSeed, numRuns: 250 },
      );
      await assertBothServe();
    }
  });

  it("cuts off slowloris clients at the headers timeout while serving others", async () => {
    const slow = servers().flatMap(({ server }) => Array.from({ length: 5 }, () => slowloris(server.port)));
    // Others are served while the slow clients trickle.
    await assertBothServe();
    const answers = await Promise.all(slow.map((s) => s.closed));
    for (const a of answers) assert.equal(firstStatus(a), 408, `a slow client should get 408, got ${JSON.stringify(a.slice(0, 80))}`);
  });

  it("closes a silent connection and an idle keep-alive one", async () => {
    await Promise.all(
      servers().map(async ({ server, path }) => {
        const silent = await exchange(server.port, { name: "silent", chunks: [], ending: "keep" });
        assert.ok(silent.closedByServer, "a client that never sends is closed");
        const idle = await exchange(server.port, { name: "idle keep-alive", chunks: [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`)], ending: "keep" });
        assert.equal(firstStatus(idle.response), 200);
        assert.ok(idle.closedByServer, "an idle keep-alive connection is closed");
      }),
    );
  });

  it("survives a flood of connections beyond its limit and resets mid-request", async () => {
    for (const { server, path } of servers()) {
      const flood = Array.from({ length: 200 }, (_, i) =>
        exchange(server.port, { name: `flood ${i}`, chunks: [Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n`)], ending: i % 2 === 0 ? "reset" : "keep" }),
      );
      await Promise.all(flood);
    }
    await assertBothServe();
  });

  it("answers a probe whose check throws with 500 naming it, not a crash", async () => {
    const s = await startHealthServer({
      host: "127.0.0.1",
      port: 0,
      limits,
      healthz: new Checks().add("explodes", () => {
        throw new Error("boom");
      }),
      readyz: new Checks(),
    });
    try {
      await assertServes(`${s.url}/healthz`, { status: 500, body: /\[-\]explodes failed: boom/ });
    } finally {
      await s.close();
    }
  });
});
