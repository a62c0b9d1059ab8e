// The client families Karpenter's binary exports beside its own: client-go's request metrics (as
// operatorpkg registers them: client_go_request_total by code and HTTP method, and the latency by
// verb, group, version, kind and subresource), the AWS SDK's (operatorpkg's aws middleware:
// aws_sdk_go_request_* by service, action and code) and controller-runtime's leader election
// gauges. Names, labels and buckets are Karpenter's, so its dashboards read tenon unchanged.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { registry as processRegistry } from "./metrics.js";

function exponentialBuckets(start: number, factor: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number((start * factor ** i).toPrecision(6)));
}

const awsLabels = ["service", "action", "code"] as const;

export function createClientMetrics(registry: Registry) {
  const registers = [registry];
  return {
    kubeRequests: new Counter({
      name: "client_go_request_total",
      help: "Number of HTTP requests, partitioned by status code and method.",
      labelNames: ["code", "method"] as const,
      registers,
    }),
    kubeLatency: new Histogram({
      name: "client_go_request_duration_seconds",
      help: "Request latency in seconds. Broken down by verb, group, version, kind, and subresource.",
      labelNames: ["verb", "group", "version", "kind", "subresource"] as const,
      buckets: exponentialBuckets(0.001, 1.5, 20),
      registers,
    }),
    awsRequests: new Counter({ name: "aws_sdk_go_request_total", help: "The total number of AWS SDK Go requests", labelNames: awsLabels, registers }),
    awsAttempts: new Counter({ name: "aws_sdk_go_request_attempt_total", help: "The total number of AWS SDK Go request attempts", labelNames: awsLabels, registers }),
    awsLatency: new Histogram({
      name: "aws_sdk_go_request_duration_seconds",
      help: "Latency of AWS SDK Go requests",
      labelNames: awsLabels,
      buckets: exponentialBuckets(0.01, 1.5, 20),
      registers,
    }),
    awsAttemptLatency: new Histogram({
      name: "aws_sdk_go_request_attempt_duration_seconds",
      help: "Latency of AWS SDK Go request attempts",
      labelNames: awsLabels,
      buckets: exponentialBuckets(0.01, 1.5, 20),
      registers,
    }),
    awsRetries: new Histogram({
      name: "aws_sdk_go_request_retry_count",
      help: "The total number of AWS SDK Go retry attempts per request",
      labelNames: awsLabels,
      buckets: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      registers,
    }),
    leaderStatus: new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ["name"] as const,
      registers,
    }),
    leaderSlowpath: new Counter({
      name: "leader_election_slowpath_total",
      help: "Total number of slow path exercised in renewing leader leases. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ["name"] as const,
      registers,
    }),
  };
}

export type ClientMetrics = ReturnType<typeof createClientMetrics>;

/** The process-wide client metrics, on the registry /metrics serves. */
export const clientMetrics: ClientMetrics = createClientMetrics(processRegistry);

// ---- Kubernetes API calls ----

/** group and version of a generated client-node API class (CoreV1Api → "", v1; AppsV1Api → apps, v1). */
const apiGroups: Record<string, string> = {
  Core: "",
  Apps: "apps",
  Policy: "policy",
  Coordination: "coordination.k8s.io",
  Events: "events.k8s.io",
  Apiextensions: "apiextensions.k8s.io",
  Storage: "storage.k8s.io",
  Batch: "batch",
  Discovery: "discovery.k8s.io",
};

/** The resource's URL segment, as Kubernetes pluralizes kinds. */
export function resourceOfKind(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith("s") || k.endsWith("x")) return `${k}es`;
  if (k.endsWith("y") && !/[aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

const verbs: [prefix: string, verb: string, method: string, code: string][] = [
  ["deleteCollection", "DELETE", "DELETE", "200"],
  ["list", "LIST", "GET", "200"],
  ["read", "GET", "GET", "200"],
  ["get", "GET", "GET", "200"],
  ["create", "CREATE", "POST", "201"],
  ["replace", "UPDATE", "PUT", "200"],
  ["patch", "PATCH", "PATCH", "200"],
  ["delete", "DELETE", "DELETE", "200"],
];
const subresources = ["Status", "Eviction", "Binding", "Log", "Scale", "Ephemeralcontainers"];

export interface KubeCallLabels {
  verb: string;
  method: string;
  /** The HTTP status of a successful call of this verb. */
  okCode: string;
  group: string;
  version: string;
  kind: string;
  subresource: string;
}

/**
 * The labels of one client-node call, from the API class, the method name and its first argument
 * (custom objects name their group, version and plural; KubernetesObjectApi its object's kind).
 * Undefined for what is not a request (helpers, getters).
 */
export function kubeCallLabels(apiName: string, methodName: string, arg: unknown): KubeCallLabels | undefined {
  const v = verbs.find(([prefix]) => methodName.startsWith(prefix));
  if (!v) return undefined;
  const [prefix, verb, method, okCode] = v;
  let rest = methodName.slice(prefix.length).replace(/^(Namespaced|Cluster)/, "").replace(/ForAllNamespaces$/, "");
  let subresource = "";
  for (const s of subresources) {
    if (rest.endsWith(s) && rest !== s) {
      subresource = s.toLowerCase();
      rest = rest.slice(0, -s.length).replace(/Namespaced$/, "");
    }
  }
  const a = typeof arg === "object" && arg !== null ? (arg as Record<string, unknown>) : {};
  const str = (x: unknown): string => (typeof x === "string" ? x : "");
  if (apiName === "CustomObjectsApi") return { verb, method, okCode, group: str(a.group), version: str(a.version), kind: str(a.plural), subresource };
  if (apiName === "KubernetesObjectApi") {
    const apiVersion = str(a.apiVersion);
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/", 2) : ["", apiVersion];
    return { verb, method, okCode, group: group ?? "", version: version ?? "", kind: str(a.kind) ? resourceOfKind(str(a.kind)) : "", subresource };
  }
  const m = /^([A-Z][a-z]+)(V\d\w*)Api$/.exec(apiName);
  const group = m ? (apiGroups[m[1]!] ?? m[1]!.toLowerCase()) : "";
  const version = m ? m[2]!.charAt(0).toLowerCase() + m[2]!.slice(1) : "";
  return { verb, method, okCode, group, version, kind: rest ? resourceOfKind(rest) : "", subresource };
}

/** client-go's code label of a failed call: the API's HTTP status, or `<error>` when none came back. */
function failedCode(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") return String(err.code);
  return "<error>";
}

/** The API object with every request it makes counted and timed, as client-go's metrics do. */
export function instrumentKubeApi<T extends object>(api: T, apiName: string, m: ClientMetrics = clientMetrics): T {
  return new Proxy(api, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== "function" || typeof prop !== "string") return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        const labels = kubeCallLabels(apiName, prop, args[0]);
        const result = fn.apply(target, args);
        if (!labels || !(result instanceof Promise)) return result;
        const started = performance.now();
        const done = (code: string) => {
          m.kubeRequests.inc({ code, method: labels.method });
          m.kubeLatency.observe({ verb: labels.verb, group: labels.group, version: labels.version, kind: labels.kind, subresource: labels.subresource }, (performance.now() - started) / 1000);
        };
        return result.then(
          (out: unknown) => {
            done(labels.okCode);
            return out;
          },
          (err: unknown) => {
            done(failedCode(err));
            throw err;
          },
        );
      };
    },
  });
}

// ---- AWS SDK calls ----

/** What an SDK v3 client offers for middleware: its stack, as every generated client has. */
interface MiddlewareStackLike {
  add(middleware: unknown, options: { step: string; name: string; priority?: string; override?: boolean }): void;
}

type Handler = (args: unknown) => Promise<unknown>;
interface HandlerContext {
  clientName?: string;
  commandName?: string;
}

const statusOfOutput = (out: unknown): number | undefined => {
  const o = out as { response?: { statusCode?: number }; output?: { $metadata?: { httpStatusCode?: number } } } | undefined;
  return o?.response?.statusCode ?? o?.output?.$metadata?.httpStatusCode;
};
const statusOfError = (err: unknown): number | undefined => {
  const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } } | undefined;
  return e?.$response?.statusCode ?? e?.$metadata?.httpStatusCode;
};
const attemptsOf = (x: unknown): number | undefined => {
  const o = x as { output?: { $metadata?: { attempts?: number } }; $metadata?: { attempts?: number } } | undefined;
  return o?.output?.$metadata?.attempts ?? o?.$metadata?.attempts;
};

/** service and action labels: EC2Client's DescribeSubnetsCommand → EC2, DescribeSubnets. */
function awsCallLabels(context: HandlerContext): { service: string; action: string } {
  return { service: (context.clientName ?? "").replace(/Client$/, ""), action: (context.commandName ?? "").replace(/Command$/, "") };
}

/**
 * Counts and times every request an SDK client makes, and each of its attempts: one middleware
 * around the whole call (initialize step, outside the retries) and one around each attempt
 * (deserialize step, inside them).
 */
export function instrumentAWSClient<C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C, m: ClientMetrics = clientMetrics): C {
  // Every generated client's stack takes these steps; its overloaded types name each step apart.
  const stack = client.middlewareStack as unknown as MiddlewareStackLike;
  const measure = (observe: (labels: Record<(typeof awsLabels)[number], string>, seconds: number, attempts: number | undefined) => void) =>
    (next: Handler, context: HandlerContext): Handler =>
      async (args: unknown) => {
        const started = performance.now();
        const base = awsCallLabels(context);
        try {
          const out = await next(args);
          observe({ ...base, code: String(statusOfOutput(out) ?? 200) }, (performance.now() - started) / 1000, attemptsOf(out));
          return out;
        } catch (err) {
          observe({ ...base, code: String(statusOfError(err) ?? 0) }, (performance.now() - started) / 1000, attemptsOf(err));
          throw err;
        }
      };
  stack.add(
    measure((labels, seconds, attempts) => {
      m.awsRequests.inc(labels);
      m.awsLatency.observe(labels, seconds);
      m.awsRetries.observe(labels, Math.max(0, (attempts ?? 1) - 1));
    }),
    { step: "initialize", name: "tenonRequestMetrics", priority: "high", override: true },
  );
  stack.add(
    measure((labels, seconds) => {
      m.awsAttempts.inc(labels);
      m.awsAttemptLatency.observe(labels, seconds);
    }),
    { step: "deserialize", name: "tenonAttemptMetrics", priority: "high", override: true },
  );
  return client;
}

// ---- Leader election ----

/** What the leader elector reports, under the lease's name. */
export interface LeaderMetrics {
  leading(leading: boolean): void;
  /** A renewal that failed and has to be tried again (client-go's slow path after a failed fast renew). */
  slowPath(): void;
}

export function leaderMetrics(name: string, m: ClientMetrics = clientMetrics): LeaderMetrics {
  m.leaderStatus.set({ name }, 0);
  m.leaderSlowpath.inc({ name }, 0);
  return {
    leading: (leading) => m.leaderStatus.set({ name }, leading ? 1 : 0),
    slowPath: () => m.leaderSlowpath.inc({ name }),
  };
}
