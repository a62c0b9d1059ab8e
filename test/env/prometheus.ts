// A real Prometheus server (built by build.sh) on a free 127.0.0.1 port, scraping the given
// /metrics URLs every second into a temporary TSDB. `query()` is its HTTP API's instant query.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, ensureBuilt } from "./paths.js";
import { freePort, makeTempDir, onExit, removeDir, request, startProcess, waitFor, type ManagedProcess } from "./proc.js";

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus {
  /** http://127.0.0.1:<port> */
  url: string;
  process: ManagedProcess;
  /** An instant query; throws with Prometheus' error for a query it refuses. */
  query(expr: string): Promise<PromSample[]>;
  /** Resolves once every target has been scraped successfully at least `scrapes` times. */
  waitForScrapes(scrapes?: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** The URLs of /metrics endpoints, e.g. http://127.0.0.1:8080/metrics. */
  targets: string[];
  job?: string;
  scrapeInterval?: string;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<Prometheus> {
  ensureBuilt(["prometheus"]);
  const dir = makeTempDir("tenon-prometheus");
  const forgetDir = onExit(() => removeDir(dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const job = opts.job ?? "tenon";
  const targets = opts.targets.map((t) => new URL(t));
  const config = {
    global: { scrape_interval: opts.scrapeInterval ?? "1s", evaluation_interval: opts.scrapeInterval ?? "1s" },
    scrape_configs: [{ job_name: job, metrics_path: targets[0]?.pathname ?? "/metrics", static_configs: [{ targets: targets.map((t) => t.host) }] }],
  };
  // JSON is YAML: no YAML writer needed for the config.
  writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(config));
  const proc = startProcess("prometheus", bin.prometheus, {
    logPath: join(dir, "prometheus.log"),
    cwd: dir,
    args: [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--log.level=warn"],
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await proc.stop();
    removeDir(dir);
    forgetDir();
  };
  const api = async (path: string): Promise<unknown> => {
    const res = await request(`${url}${path}`, { timeoutMs: 10_000 });
    const body = JSON.parse(res.body) as { status: string; data?: unknown; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? res.body.slice(0, 300)}`);
    return body.data;
  };
  try {
    await waitFor("prometheus ready", async () => ((await request(`${url}/-/ready`, { timeoutMs: 2000 })).status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200, watch: [proc] });
  } catch (err) {
    await stop();
    throw err;
  }
  const query = async (expr: string): Promise<PromSample[]> => {
    const data = (await api(`/api/v1/query?query=${encodeURIComponent(expr)}`)) as { resultType: string; result: PromSample[] | [number, string] };
    if (data.resultType === "scalar") return [{ metric: {}, value: data.result as [number, string] }];
    return data.result as PromSample[];
  };
  return {
    url,
    process: proc,
    query,
    async waitForScrapes(scrapes = 3, timeoutMs = 60_000) {
      await waitFor(
        `${scrapes} successful scrapes of ${opts.targets.join(", ")}`,
        async () => {
          const r = (await query(`count_over_time(up{job="${job}"}[10m]) >= ${scrapes} and up{job="${job}"} == 1`)).length;
          return r === opts.targets.length ? true : undefined;
        },
        { timeoutMs, intervalMs: 500, watch: [proc] },
      );
    },
    stop,
  };
}
