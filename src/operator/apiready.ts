// Before the first list or watch, the controller waits until the API server is ready for it: its
// /readyz answers 200, and a request as the controller's own identity (GET /version) is served.
// The second check matters while kube-apiserver initializes: /readyz can pass before API priority
// and fairness has loaded its flow schemas, and until then requests from a ServiceAccount are
// refused with 429; starting the watches then only produced warnings and backoff.
import { request as httpsRequest, type RequestOptions } from "node:https";
import { request as httpRequest } from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Backoff } from "../controllers/runtime/backoff.js";

export interface APIReadyOptions {
  logger: Pick<Logger, "info" | "warn" | "debug">;
  signal?: AbortSignal;
  /** Waits between probes: from 250 ms doubling to 5 s. */
  backoff?: { baseMs: number; maxMs: number };
  /** After this long without success, a warning says what the API server answers (the wait goes on). */
  warnAfterMs?: number;
  /** Each probe's own timeout. */
  requestTimeoutMs?: number;
}

/** What one probe found: ready, or why not in words ("/readyz: 500", "/version: 429", "connect ECONNREFUSED …"). */
export type Probe = { ready: true } | { ready: false; why: string };

/** GET a path with the kubeconfig's credentials; resolves to the status code (0 when no answer came). */
async function get(kc: KubeConfig, path: string, timeoutMs: number): Promise<{ status: number; error?: string }> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) return { status: 0, error: "the kubeconfig names no cluster server" };
  const url = new URL(path, server.endsWith("/") ? server : `${server}/`);
  const opts: RequestOptions = { method: "GET", headers: { accept: "application/json" } };
  await kc.applyToHTTPSOptions(opts);
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise((resolve) => {
    const req = request(url, { ...opts, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      res.on("error", (err) => resolve({ status: 0, error: err.message }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (err) => resolve({ status: 0, error: err.message }));
    req.end();
  });
}

/** One probe: /readyz, then /version as the controller. A 401 or 403 on /version is an answer too: the watches will say what is wrong. */
export async function probeAPIServer(kc: KubeConfig, timeoutMs = 5000): Promise<Probe> {
  const readyz = await get(kc, "/readyz", timeoutMs);
  // /readyz may be closed to this identity on a hardened cluster (403): then /version decides.
  if (readyz.status !== 200 && readyz.status !== 401 && readyz.status !== 403) return { ready: false, why: `/readyz: ${readyz.error ?? `HTTP ${readyz.status}`}` };
  const version = await get(kc, "/version", timeoutMs);
  if (version.status === 0 || version.status === 429 || version.status >= 500) return { ready: false, why: `/version: ${version.error ?? `HTTP ${version.status}`}` };
  return { ready: true };
}

/** Resolves once the API server serves the controller (or the signal aborts); logs once while waiting, and warns if it takes long. */
export async function waitForAPIServer(kc: KubeConfig, opts: APIReadyOptions, probe: (kc: KubeConfig) => Promise<Probe> = (k) => probeAPIServer(k, opts.requestTimeoutMs)): Promise<boolean> {
  const backoff = new Backoff({ baseMs: opts.backoff?.baseMs ?? 250, maxMs: opts.backoff?.maxMs ?? 5000, factor: 2, jitter: "equal" });
  const started = Date.now();
  const warnAfterMs = opts.warnAfterMs ?? 60_000;
  let warned = false;
  let told = false;
  while (!opts.signal?.aborted) {
    const p = await probe(kc);
    if (p.ready) {
      if (told) opts.logger.info({ waitedMs: Date.now() - started }, "the API server is ready");
      return true;
    }
    if (!told) {
      opts.logger.info({ server: kc.getCurrentCluster()?.server, why: p.why }, "waiting for the API server to be ready before starting watches");
      told = true;
    } else opts.logger.debug({ why: p.why }, "the API server is not ready yet");
    if (!warned && Date.now() - started >= warnAfterMs) {
      opts.logger.warn({ server: kc.getCurrentCluster()?.server, why: p.why, waitedMs: Date.now() - started }, "the API server is still not ready; check that it is up and that the controller can reach it");
      warned = true;
    }
    await sleep(backoff.next(), opts.signal);
  }
  return false;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
