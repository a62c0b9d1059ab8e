// The readiness wait against an HTTP server that answers as kube-apiserver does while it
// initializes (a real one passes through these states too fast and too unpredictably to test on).
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { probeAPIServer, waitForAPIServer } from "./apiready.js";

function kubeConfigFor(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

/** A server answering each path from a script of statuses; the last status repeats. */
async function scripted(script: Record<string, number[]>): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? "";
    seen.push(`${path} ${req.headers.authorization ?? ""}`);
    const statuses = script[path] ?? [404];
    const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
    res.writeHead(status, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const quietLogger = () => {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (_f: unknown, message?: string) => void lines.push({ level, message: message ?? "" });
  return { logger: { info: at("info"), warn: at("warn"), debug: at("debug") }, lines };
};

describe("waitForAPIServer", () => {
  it("waits through /readyz failures and 429s on /version, as the controller, and says so once", async () => {
    const s = await scripted({ "/readyz": [500, 500, 200], "/version": [429, 429, 200] });
    try {
      const { logger, lines } = quietLogger();
      const ready = await waitForAPIServer(kubeConfigFor(s.url), { logger, backoff: { baseMs: 5, maxMs: 20 } });
      assert.equal(ready, true);
      assert.deepEqual(
        s.seen.map((x) => x.split(" ")[0]),
        ["/readyz", "/readyz", "/readyz", "/version", "/readyz", "/version", "/readyz", "/version"],
      );
      assert.ok(s.seen.every((x) => x.endsWith("Bearer t")), "probes carry the controller's credentials");
      assert.deepEqual(
        lines.filter((l) => l.level === "info").map((l) => l.message),
        ["waiting for the API server to be ready before starting watches", "the API server is ready"],
      );
      assert.equal(lines.filter((l) => l.level === "warn").length, 0);
    } finally {
      s.server.close();
    }
  });

  it("is silent when the API server is ready at once; a 403 on /readyz leaves /version to decide", async () => {
    const s = await scripted({ "/readyz": [403], "/version": [200] });
    try {
      const { logger, lines } = quietLogger();
      assert.equal(await waitForAPIServer(kubeConfigFor(s.url), { logger }), true);
      assert.deepEqual(lines, []);
    } finally {
      s.server.close();
    }
  });

  it("warns, naming the cause, when the API server stays away; stops when aborted", { timeout: 30_000 }, async () => {
    const { logger, lines } = quietLogger();
    const stop = new AbortController();
    // A port nothing listens on: connection refused.
    const s = await scripted({});
    const url = s.url;
    s.server.close();
    const waiting = waitForAPIServer(kubeConfigFor(url), { logger, signal: stop.signal, backoff: { baseMs: 5, maxMs: 10 }, warnAfterMs: 0 });
    // Wait for the warning itself (the test's own timeout bounds the wait), not for a fixed time.
    while (!lines.some((l) => l.level === "warn")) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    assert.equal(await waiting, false);
    assert.ok(lines.some((l) => l.level === "warn" && /still not ready/.test(l.message)));
    assert.deepEqual(await probeAPIServer(kubeConfigFor(url)), { ready: false, why: `/readyz: connect ECONNREFUSED ${url.replace("http://", "")}` });
  });
});
