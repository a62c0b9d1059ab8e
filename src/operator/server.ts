// The two HTTP endpoints a controller pod exposes: /metrics on the metrics port, and the kubelet's
// /healthz and /readyz probes on the health port. Probe semantics follow controller-runtime's:
// 200 "ok" when every registered check passes, 500 naming the failed checks otherwise, and a
// per-check report with `?verbose`.
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { type Handler, listen, reply, type RunningServer, type ServerLimits } from "./httpserver.js";

export type { RunningServer, ServerLimits } from "./httpserver.js";

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

interface ServerOptions {
  host: string;
  port: number;
  /** Timeouts and caps against slow or flooding clients; the defaults suit production. */
  limits?: Partial<ServerLimits>;
  logger?: Pick<Logger, "warn" | "debug">;
}

export interface MetricsServerOptions extends ServerOptions {
  registry: Registry;
}

export function startMetricsServer(options: MetricsServerOptions): Promise<RunningServer> {
  return listen({
    ...options,
    routes: { "/metrics": async (_req, res) => reply(res, 200, await options.registry.metrics(), options.registry.contentType) },
  });
}

export interface HealthServerOptions extends ServerOptions {
  /** Liveness: failing restarts the pod. */
  healthz: Checks;
  /** Readiness: failing takes the pod out of service endpoints. */
  readyz: Checks;
}

export function startHealthServer(options: HealthServerOptions): Promise<RunningServer> {
  const probe =
    (name: string, checks: Checks): Handler =>
    async (_req, res, query) => {
      const results = await checks.run();
      const ok = results.every((r) => r.ok);
      reply(res, ok ? 200 : 500, ok && !query.has("verbose") ? "ok" : report(name, results, ok));
    };
  return listen({
    ...options,
    routes: { "/healthz": probe("healthz", options.healthz), "/readyz": probe("readyz", options.readyz) },
  });
}

// The same layout as Kubernetes' own health endpoints, so operators read it the way they read the API server's.
function report(name: string, results: CheckResult[], ok: boolean): string {
  const lines = results.map((r) => (r.ok ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.reason ?? "unknown"}`));
  lines.push(ok ? `${name} check passed` : `${name} check failed`);
  return `${lines.join("\n")}\n`;
}
