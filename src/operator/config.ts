// The controller's settings, read from CLI flags and environment variables the way Karpenter reads
// them (same variable names and defaults where Karpenter has the setting), so an existing
// Karpenter deployment's env block carries over. A flag wins over its variable.
import { Command, Option } from "commander";
import { z } from "zod";
import { parseDuration } from "../apis/duration.js";

export type Env = Readonly<Record<string, string | undefined>>;

export const featureGateNames = [
  "NodeRepair",
  "ReservedCapacity",
  "SpotToSpotConsolidation",
  "NodeOverlay",
  "StaticCapacity",
  "CapacityBuffer",
] as const;
export type FeatureGate = (typeof featureGateNames)[number];
export type FeatureGates = Readonly<Record<FeatureGate, boolean>>;

// Karpenter's defaults: only ReservedCapacity is on (beta) out of the box.
export const defaultFeatureGates: FeatureGates = {
  NodeRepair: false,
  ReservedCapacity: true,
  SpotToSpotConsolidation: false,
  NodeOverlay: false,
  StaticCapacity: false,
  CapacityBuffer: false,
};

export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
/** Karpenter's PREFERENCE_POLICY and MIN_VALUES_POLICY values (case-sensitive, as Karpenter reads them). */
export const preferencePolicies = ["Respect", "Ignore"] as const;
export type PreferencePolicy = (typeof preferencePolicies)[number];
export const minValuesPolicies = ["Strict", "BestEffort"] as const;
export type MinValuesPolicy = (typeof minValuesPolicies)[number];
export type LogLevel = (typeof logLevels)[number];

/** Endpoint overrides for AWS clients: a VPC endpoint, or a local moto in tests. */
export interface AWSEndpoints {
  /** AWS_ENDPOINT_URL: for every service without its own override (the SDK honours it too). */
  default?: string;
  ec2?: string;
  iam?: string;
  ssm?: string;
  sqs?: string;
  pricing?: string;
  sts?: string;
  eks?: string;
}

export interface Config {
  clusterName: string;
  clusterEndpoint?: string;
  clusterCABundle?: string;
  /** Used when neither the ServiceCIDR API nor EKS's DescribeCluster tells the service CIDR. */
  clusterServiceCIDR?: string;
  region?: string;
  batchIdleDurationMs: number;
  batchMaxDurationMs: number;
  logLevel: LogLevel;
  metricsPort: number;
  healthProbePort: number;
  /** Unset means in-cluster config, falling back to the default kubeconfig. */
  kubeconfig?: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionName: string;
  vmMemoryOverheadPercent: number;
  /** Interruption handling is off when unset. */
  interruptionQueue?: string;
  featureGates: FeatureGates;
  /** Respect: preferences are held until relaxed; Ignore: preferred affinities and ScheduleAnyway spreads are left out. */
  preferencePolicy: PreferencePolicy;
  /** Strict: no NodeClaim without its minValues; BestEffort: launch with fewer and annotate the NodeClaim. */
  minValuesPolicy: MinValuesPolicy;
  isolatedVPC: boolean;
  reservedENIs: number;
  awsEndpoints: AWSEndpoints;
}

/** Every problem with the settings at once, each naming the variable and the flag. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

type Kind = "string" | "boolean";
interface Setting {
  env: string;
  flag: string;
  kind: Kind;
  valueName?: string;
  description: string;
  /** The raw default, as the user would write it; a function when it depends on other variables. */
  default?: string | ((env: Env) => string);
}

// The table behind the flags, the help text and the error messages.
export const settings = {
  clusterName: { env: "CLUSTER_NAME", flag: "--cluster-name", kind: "string", valueName: "name", description: "[REQUIRED] the cluster's name, used to discover and tag AWS resources" },
  clusterEndpoint: { env: "CLUSTER_ENDPOINT", flag: "--cluster-endpoint", kind: "string", valueName: "url", description: "the API server URL new nodes join; discovered from EKS when unset" },
  clusterCABundle: { env: "CLUSTER_CA_BUNDLE", flag: "--cluster-ca-bundle", kind: "string", valueName: "base64", description: "the cluster CA bundle for new nodes; taken from the controller's own TLS config when unset" },
  clusterServiceCIDR: { env: "CLUSTER_SERVICE_CIDR", flag: "--cluster-service-cidr", kind: "string", valueName: "cidr", description: "the cluster's service CIDR for new nodes (AL2023 needs it), used when neither the ServiceCIDR API (Kubernetes 1.33+) nor EKS DescribeCluster gives it; a tenon extension" },
  region: { env: "AWS_REGION", flag: "--region", kind: "string", valueName: "region", description: "the AWS region; resolved by the AWS SDK (instance metadata) when unset" },
  batchIdleDuration: { env: "BATCH_IDLE_DURATION", flag: "--batch-idle-duration", kind: "string", valueName: "duration", default: "1s", description: "how long without a new pending pod ends the current batching window" },
  batchMaxDuration: { env: "BATCH_MAX_DURATION", flag: "--batch-max-duration", kind: "string", valueName: "duration", default: "10s", description: "the longest a batching window may grow" },
  logLevel: { env: "LOG_LEVEL", flag: "--log-level", kind: "string", valueName: "level", default: "info", description: `log verbosity: ${logLevels.join(", ")}` },
  metricsPort: { env: "METRICS_PORT", flag: "--metrics-port", kind: "string", valueName: "port", default: "8080", description: "the port serving /metrics" },
  healthProbePort: { env: "HEALTH_PROBE_PORT", flag: "--health-probe-port", kind: "string", valueName: "port", default: "8081", description: "the port serving /healthz and /readyz" },
  kubeconfig: { env: "KUBECONFIG", flag: "--kubeconfig", kind: "string", valueName: "path", description: "a kubeconfig file; in-cluster config when unset" },
  leaderElect: { env: "LEADER_ELECT", flag: "--leader-elect", kind: "boolean", description: "elect a leader so only one replica acts at a time (default true)" },
  disableLeaderElection: { env: "DISABLE_LEADER_ELECTION", flag: "--disable-leader-election", kind: "boolean", description: "Karpenter's inverse of --leader-elect, accepted for compatibility" },
  leaderElectionNamespace: { env: "LEADER_ELECTION_NAMESPACE", flag: "--leader-election-namespace", kind: "string", valueName: "namespace", default: (env) => env.POD_NAMESPACE || "kube-system", description: "the namespace of the leader election Lease (default: POD_NAMESPACE, else kube-system)" },
  leaderElectionName: { env: "LEADER_ELECTION_NAME", flag: "--leader-election-name", kind: "string", valueName: "name", default: "karpenter-leader-election", description: "the name of the leader election Lease" },
  vmMemoryOverheadPercent: { env: "VM_MEMORY_OVERHEAD_PERCENT", flag: "--vm-memory-overhead-percent", kind: "string", valueName: "fraction", default: "0.075", description: "the fraction of an instance type's memory assumed lost to the hypervisor when no measurement is cached" },
  interruptionQueue: { env: "INTERRUPTION_QUEUE", flag: "--interruption-queue", kind: "string", valueName: "name", description: "the SQS queue of EC2 interruption events; interruption handling is off when unset" },
  featureGates: { env: "FEATURE_GATES", flag: "--feature-gates", kind: "string", valueName: "gates", description: `optional features, as Name=true,Name=false; gates: ${featureGateNames.join(", ")}` },
  preferencePolicy: { env: "PREFERENCE_POLICY", flag: "--preference-policy", kind: "string", valueName: "policy", default: "Respect", description: "how the scheduler treats preferences (preferred node and pod affinities, ScheduleAnyway spreads): Respect or Ignore" },
  minValuesPolicy: { env: "MIN_VALUES_POLICY", flag: "--min-values-policy", kind: "string", valueName: "policy", default: "Strict", description: "Strict: minValues are always met; BestEffort: relaxed when the instance types cannot meet them" },
  isolatedVPC: { env: "ISOLATED_VPC", flag: "--isolated-vpc", kind: "boolean", default: "false", description: "assume AWS services without a VPC endpoint are unreachable (disables the pricing API)" },
  reservedENIs: { env: "RESERVED_ENIS", flag: "--reserved-enis", kind: "string", valueName: "count", default: "0", description: "ENIs left out of the max-pods calculation (VPC CNI custom networking)" },
  awsEndpointURL: { env: "AWS_ENDPOINT_URL", flag: "--aws-endpoint-url", kind: "string", valueName: "url", description: "an endpoint for every AWS service without its own override" },
  ec2Endpoint: { env: "EC2_ENDPOINT", flag: "--ec2-endpoint", kind: "string", valueName: "url", description: "the EC2 endpoint" },
  iamEndpoint: { env: "IAM_ENDPOINT", flag: "--iam-endpoint", kind: "string", valueName: "url", description: "the IAM endpoint" },
  ssmEndpoint: { env: "SSM_ENDPOINT", flag: "--ssm-endpoint", kind: "string", valueName: "url", description: "the SSM endpoint" },
  sqsEndpoint: { env: "SQS_ENDPOINT", flag: "--sqs-endpoint", kind: "string", valueName: "url", description: "the SQS endpoint" },
  pricingEndpoint: { env: "PRICING_ENDPOINT", flag: "--pricing-endpoint", kind: "string", valueName: "url", description: "the pricing API endpoint" },
  stsEndpoint: { env: "STS_ENDPOINT", flag: "--sts-endpoint", kind: "string", valueName: "url", description: "the STS endpoint" },
  eksEndpoint: { env: "EKS_ENDPOINT", flag: "--eks-endpoint", kind: "string", valueName: "url", description: "the EKS endpoint" },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof settings;
const settingKeys = Object.keys(settings) as SettingKey[];

// Go's strconv.ParseBool, since Karpenter's users write booleans the Go way.
const trueWords = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const falseWords = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** A value a user gave, quoted; a long one cut short, so a hostile value cannot flood the log. */
function quote(value: string): string {
  return value.length > 80 ? `${JSON.stringify(`${value.slice(0, 80)}…`)} (${value.length} characters)` : JSON.stringify(value);
}

function got(value: string): string {
  return `got ${quote(value)}`;
}

const requiredString = z.string({ error: "is required" }).trim().min(1, "must not be empty");
const optionalString = z.string().trim().optional().transform((s) => (s === "" ? undefined : s));

/** The longest Go's time.Duration holds (2^63−1 ns, about 292 years): Karpenter refuses longer ones too. */
export const maxDurationMs = 9_223_372_036_854;

const durationMs = z.string().transform((s, ctx) => {
  let ms: number;
  try {
    ms = parseDuration(s);
  } catch {
    ctx.addIssue({ code: "custom", message: `expected a duration like 10s, 500ms or 1m30s, ${got(s)}` });
    return z.NEVER;
  }
  if (!Number.isFinite(ms) || ms > maxDurationMs) {
    ctx.addIssue({ code: "custom", message: `expected a duration of at most 2562047h (Go's limit), ${got(s)}` });
    return z.NEVER;
  }
  return ms;
});

const bool = z.string().transform((s, ctx) => {
  if (trueWords.has(s.trim())) return true;
  if (falseWords.has(s.trim())) return false;
  ctx.addIssue({ code: "custom", message: `expected true or false, ${got(s)}` });
  return z.NEVER;
});
const optionalBool = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined) return undefined;
    const parsed = bool.safeParse(s);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: "custom", message: `expected true or false, ${got(s)}` });
    return z.NEVER;
  });

function integer(min: number, max: number, what: string) {
  return z.string().transform((s, ctx) => {
    // Base 10 digits only, as Go's strconv.Atoi reads them: not "0x10", "1e3" or "1_000".
    const n = /^[0-9]+$/.test(s.trim()) ? Number(s.trim()) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      ctx.addIssue({ code: "custom", message: `expected ${what} (an integer from ${min} to ${max}), ${got(s)}` });
      return z.NEVER;
    }
    return n;
  });
}
const port = integer(0, 65535, "a port");

const fraction = z.string().transform((s, ctx) => {
  const n = Number(s.trim());
  if (s.trim() === "" || !Number.isFinite(n) || n < 0 || n >= 1) {
    ctx.addIssue({ code: "custom", message: `expected a fraction from 0 up to (not including) 1 such as 0.075, ${got(s)}` });
    return z.NEVER;
  }
  return n;
});

const httpURL = optionalString.pipe(
  z.union([
    z.undefined(),
    z.string().refine((s) => /^https?:$/.test(safeURL(s)?.protocol ?? ""), {
      error: (issue) => `expected an http(s) URL such as https://ec2.us-west-2.amazonaws.com, ${got(String(issue.input))}`,
    }),
  ]),
);

// An IPv4 or IPv6 range in CIDR notation, such as 10.100.0.0/16 or fd00:10:96::/108.
const cidr = optionalString.pipe(
  z.union([
    z.undefined(),
    z.string().refine((s) => /^(\d{1,3}(\.\d{1,3}){3}\/(\d|[12]\d|3[0-2])|[0-9a-fA-F:]*:[0-9a-fA-F:]*\/(\d{1,2}|1[01]\d|12[0-8]))$/.test(s), {
      error: (issue) => `expected a CIDR such as 10.100.0.0/16 or fd00:10:96::/108, ${got(String(issue.input))}`,
    }),
  ]),
);

function safeURL(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}

const logLevel = z.string().transform((s, ctx) => {
  const level = s.trim().toLowerCase();
  if ((logLevels as readonly string[]).includes(level)) return level as LogLevel;
  ctx.addIssue({ code: "custom", message: `expected one of ${logLevels.join(", ")}, ${got(s)}` });
  return z.NEVER;
});

function oneOf<T extends string>(values: readonly T[]) {
  return z.string().transform((s, ctx) => {
    if ((values as readonly string[]).includes(s)) return s as T;
    ctx.addIssue({ code: "custom", message: `expected one of ${values.join(", ")}, ${got(s)}` });
    return z.NEVER;
  });
}

/** Parses Karpenter's feature gate syntax, `SpotToSpotConsolidation=true,NodeRepair=false`, over the defaults. */
export function parseFeatureGates(text: string): FeatureGates {
  const gates: Record<FeatureGate, boolean> = { ...defaultFeatureGates };
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const name = (eq < 0 ? item : item.slice(0, eq)).trim();
    const value = eq < 0 ? "" : item.slice(eq + 1).trim();
    if (!(featureGateNames as readonly string[]).includes(name)) {
      throw new Error(`unknown feature gate ${quote(name)}; known gates are ${featureGateNames.join(", ")}`);
    }
    if (trueWords.has(value)) gates[name as FeatureGate] = true;
    else if (falseWords.has(value)) gates[name as FeatureGate] = false;
    else throw new Error(`feature gate ${name} needs =true or =false, ${got(item)}`);
  }
  return gates;
}

const featureGates = optionalString.transform((s, ctx) => {
  try {
    return parseFeatureGates(s ?? "");
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

const rawSchema = z
  .object({
    clusterName: requiredString,
    clusterEndpoint: httpURL,
    clusterCABundle: optionalString,
    clusterServiceCIDR: cidr,
    region: optionalString,
    batchIdleDuration: durationMs,
    batchMaxDuration: durationMs,
    logLevel,
    metricsPort: port,
    healthProbePort: port,
    kubeconfig: optionalString,
    leaderElect: optionalBool,
    disableLeaderElection: optionalBool,
    leaderElectionNamespace: requiredString,
    leaderElectionName: requiredString,
    vmMemoryOverheadPercent: fraction,
    interruptionQueue: optionalString,
    featureGates,
    preferencePolicy: oneOf(preferencePolicies),
    minValuesPolicy: oneOf(minValuesPolicies),
    isolatedVPC: bool,
    reservedENIs: integer(0, 64, "a number of ENIs"),
    awsEndpointURL: httpURL,
    ec2Endpoint: httpURL,
    iamEndpoint: httpURL,
    ssmEndpoint: httpURL,
    sqsEndpoint: httpURL,
    pricingEndpoint: httpURL,
    stsEndpoint: httpURL,
    eksEndpoint: httpURL,
  } satisfies Record<SettingKey, z.ZodType>)
  .superRefine((c, ctx) => {
    if (c.batchIdleDuration > c.batchMaxDuration) {
      ctx.addIssue({
        code: "custom",
        path: ["batchIdleDuration"],
        message: `must not exceed ${settings.batchMaxDuration.env} (${c.batchMaxDuration}ms), got ${c.batchIdleDuration}ms`,
      });
    }
    if (c.metricsPort !== 0 && c.metricsPort === c.healthProbePort) {
      ctx.addIssue({ code: "custom", path: ["healthProbePort"], message: `must differ from ${settings.metricsPort.env} (both are ${c.metricsPort})` });
    }
  });

type RawValues = Partial<Record<SettingKey, string>>;

/** Adds every setting's flag to a command (the CLI's `controller` command uses this). */
export function addConfigOptions(cmd: Command): Command {
  for (const key of settingKeys) {
    const s: Setting = settings[key];
    const flags = s.kind === "boolean" ? `${s.flag} [bool]` : `${s.flag} <${s.valueName ?? "value"}>`;
    const def = typeof s.default === "string" ? ` (default ${s.default})` : "";
    cmd.addOption(new Option(flags, `${s.description}${def} [env ${s.env}]`));
  }
  return cmd;
}

function attributeName(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Resolves the settings from parsed flag values (as commander returns them) and the environment.
 * Throws a ConfigError listing every invalid or missing setting.
 */
export function resolveConfig(flags: Readonly<Record<string, unknown>>, env: Env): Config {
  const raw: RawValues = {};
  for (const key of settingKeys) {
    const s: Setting = settings[key];
    const flagValue = flags[attributeName(s.flag)];
    const fromFlag = flagValue === true ? "true" : typeof flagValue === "string" ? flagValue : undefined;
    const fromEnv = env[s.env];
    const fallback = typeof s.default === "function" ? s.default(env) : s.default;
    raw[key] = fromFlag ?? (fromEnv !== undefined && fromEnv !== "" ? fromEnv : fallback);
  }
  const result = rawSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = issue.path[0] as SettingKey;
        const s = settings[key];
        const missing = raw[key] === undefined || raw[key]?.trim() === "";
        return missing && key === "clusterName"
          ? `missing required setting ${s.env} (${s.flag}): ${s.description.replace("[REQUIRED] ", "")}`
          : `invalid setting ${s.env} (${s.flag}): ${issue.message}`;
      }),
    );
  }
  const c = result.data;
  if (c.leaderElect !== undefined && c.disableLeaderElection !== undefined && c.leaderElect === c.disableLeaderElection) {
    throw new ConfigError([
      `conflicting settings ${settings.leaderElect.env} (${settings.leaderElect.flag}) and ${settings.disableLeaderElection.env} (${settings.disableLeaderElection.flag}): set only one`,
    ]);
  }
  const leaderElect = c.disableLeaderElection !== undefined ? !c.disableLeaderElection : (c.leaderElect ?? true);
  const awsEndpoints: AWSEndpoints = dropUndefined({
    default: c.awsEndpointURL,
    ec2: c.ec2Endpoint,
    iam: c.iamEndpoint,
    ssm: c.ssmEndpoint,
    sqs: c.sqsEndpoint,
    pricing: c.pricingEndpoint,
    sts: c.stsEndpoint,
    eks: c.eksEndpoint,
  });
  return dropUndefined({
    clusterName: c.clusterName,
    clusterEndpoint: c.clusterEndpoint,
    clusterCABundle: c.clusterCABundle,
    clusterServiceCIDR: c.clusterServiceCIDR,
    region: c.region,
    batchIdleDurationMs: c.batchIdleDuration,
    batchMaxDurationMs: c.batchMaxDuration,
    logLevel: c.logLevel,
    metricsPort: c.metricsPort,
    healthProbePort: c.healthProbePort,
    kubeconfig: c.kubeconfig,
    leaderElect,
    leaderElectionNamespace: c.leaderElectionNamespace,
    leaderElectionName: c.leaderElectionName,
    vmMemoryOverheadPercent: c.vmMemoryOverheadPercent,
    interruptionQueue: c.interruptionQueue,
    featureGates: c.featureGates,
    preferencePolicy: c.preferencePolicy,
    minValuesPolicy: c.minValuesPolicy,
    isolatedVPC: c.isolatedVPC,
    reservedENIs: c.reservedENIs,
    awsEndpoints,
  });
}

// Keeps configs comparable with deepEqual and printable without a wall of `undefined`s.
function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `--help` or `-h` was given: not an error; the caller prints the text and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly help: string) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

/** Parses user arguments (without node and script) and the environment into a Config. */
export function loadConfig(args: readonly string[], env: Env): Config {
  const cmd = addConfigOptions(new Command("tenon"))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .allowExcessArguments(false);
  try {
    cmd.parse([...args], { from: "user" });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "commander.helpDisplayed" || code === "commander.help") throw new HelpRequested(cmd.helpInformation());
    throw new ConfigError([(err as Error).message.replace(/^error: /, "")]);
  }
  return resolveConfig(cmd.opts(), env);
}
