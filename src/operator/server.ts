// The two HTTP endpoints a controller pod exposes: /metrics on the metrics port, and the kubelet's
// /healthz and /readyz probes on the health port. Probe semantics follow controller-runtime's:
// 200 "ok" when every registered check passes, 500 naming the failed checks otherwise, and a
// per-check report with `?verbose`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** A probe check: resolves when healthy, throws (or rejects) with the reason when not. */
export type Check = () => void | Promise<void>;

export interface CheckResult {
  name: string;
  ok: boolean;
  reason?: string;
}

/** A named set of checks that together decide one probe. */
export class Checks {
  private readonly checks = new Map<string, Check>();

  /** @param timeoutMs a check slower than this fails, so a hung dependency cannot hang the probe. */
  constructor(private readonly timeoutMs = 5000) {}

  add(name: string, check: Check): this {
    if (this.checks.has(name)) throw new Error(`check ${JSON.stringify(name)} is already registered`);
    this.checks.set(name, check);
    return this;
  }

  async run(): Promise<CheckResult[]> {
    return Promise.all([...this.checks].map(([name, check]) => this.runOne(name, check)));
  }

  private async runOne(name: string, check: Check): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${this.timeoutMs}ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([Promise.resolve().then(check), timeout]);
      return { name, ok: true };
    } catch (err) {
      return { name, ok: false, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A check that fails until set, for conditions that other code flips ("cache synced"). */
export class Flag {
  private ok = false;
  private reason: string;

  constructor(reason = "not yet") {
    this.reason = reason;
  }

  set(ok: boolean, reason?: string): void {
    this.ok = ok;
    if (reason !== undefined) this.reason = reason;
  }

  get value(): boolean {
    return this.ok;
  }

  readonly check: Check = () => {
    if (!this.ok) throw new Error(this.reason);
  };
}

export interface RunningServer {
  /** The bound port; the real one when 0 was asked for. */
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

async function listen(host: string, port: number, routes: Record<string, Handler>): Promise<RunningServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const handler = routes[path];
    if (!handler) return reply(res, 404, "not found\n");
    if (req.method !== "GET" && req.method !== "HEAD") return reply(res, 405, "method not allowed\n");
    handler(req, res).catch((err: unknown) => reply(res, 500, `${err instanceof Error ? err.message : String(err)}\n`));
  });
  // Probes and scrapes are short; without this, close() waits on idle keep-alive sockets.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    port: bound,
    url: `http://${urlHost}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function reply(res: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { "Content-Type": contentType, "X-Content-Type-Options": "nosniff" });
  res.end(body);
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
}

export function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  return listen(options.host, options.port, {
    "/metrics": async (_req, res) => reply(res, 200, await options.registry.metrics(), options.registry.contentType),
  });
}

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Liveness: failing restarts the pod. */
  healthz: Checks;
  /** Readiness: failing takes the pod out of service endpoints. */
  readyz: Checks;
}

export function startHealthServer(options: HealthServerOptions): Promise<RunningServer> {
  const probe =
    (name: string, checks: Checks): Handler =>
    async (req, res) => {
      const results = await checks.run();
      const ok = results.every((r) => r.ok);
      const verbose = new URL(req.url ?? "/", "http://localhost").searchParams.has("verbose");
      reply(res, ok ? 200 : 500, ok && !verbose ? "ok" : report(name, results, ok));
    };
  return listen(options.host, options.port, {
    "/healthz": probe("healthz", options.healthz),
    "/readyz": probe("readyz", options.readyz),
  });
}

// The same layout as Kubernetes' own health endpoints, so operators read it the way they read the API server's.
function report(name: string, results: CheckResult[], ok: boolean): string {
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.reason ?? "unknown"}`));
  lines.push(ok ? `${name} check passed` : `${name} check failed`);
  return `${lines.join("\n")}\n`;
}
