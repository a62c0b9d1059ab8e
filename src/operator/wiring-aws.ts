// Building the AWS cloud provider from the settings and the cluster: the region (setting, SDK
// variables, else instance metadata), the endpoints (AWS_ENDPOINT_URL and per-service overrides),
// and what new nodes need to know about the cluster — its endpoint, Kubernetes version, CA bundle,
// service CIDR and kube-dns address — read from the settings, the API server the controller talks
// to and, for what those do not tell (CLUSTER_ENDPOINT unset, a cluster older than the ServiceCIDR
// API), from EKS's DescribeCluster.
import { readFileSync } from "node:fs";
import { CoreV1Api, NetworkingV1Api, VersionApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { EC2NodeClass } from "../apis/ec2nodeclass.js";
import { AWSCloudProvider } from "../cloudprovider/aws/provider.js";
import { createAWSClients } from "../cloudprovider/aws/clients.js";
import { instrumentAWSClient } from "./metrics-clients.js";
import { type EKSClusterFacts, createEKSClient, describeEKSCluster } from "../cloudprovider/aws/eks.js";
import { InterruptionQueue, createSQSClient } from "../cloudprovider/aws/interruption/sqs.js";
import { EC2InstanceStatuses } from "../cloudprovider/aws/interruption/instancestatus.js";
import { EC2Client } from "@aws-sdk/client-ec2";
import type { PricingMetricsSink } from "../cloudprovider/aws/pricing/pricing.js";
import { ConfigError, settings, type Config, type Env } from "./config.js";
import type { LeaderFence } from "./fence.js";
import { pricingMetrics } from "./metrics.js";

const IMDS = "http://169.254.169.254";

/** The region from instance metadata (IMDSv2), or undefined when there is none within a second. */
export async function regionFromInstanceMetadata(timeoutMs = 1000): Promise<string | undefined> {
  try {
    const token = await fetch(`${IMDS}/latest/api/token`, {
      method: "PUT",
      headers: { "X-aws-ec2-metadata-token-ttl-seconds": "60" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!token.ok) return undefined;
    const res = await fetch(`${IMDS}/latest/meta-data/placement/region`, {
      headers: { "X-aws-ec2-metadata-token": await token.text() },
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? (await res.text()).trim() || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** AWS_REGION (the setting), AWS_DEFAULT_REGION, or instance metadata; a ConfigError naming the setting otherwise. */
export async function resolveRegion(config: Config, env: Env): Promise<string> {
  const region = config.region ?? env.AWS_DEFAULT_REGION ?? (env.AWS_EC2_METADATA_DISABLED === "true" ? undefined : await regionFromInstanceMetadata());
  if (!region) {
    throw new ConfigError([`missing setting ${settings.region.env} (${settings.region.flag}): the region could not be read from instance metadata; set it`]);
  }
  return region;
}

/** The cluster facts user data needs, each read best-effort: a missing one is logged, not fatal. */
export interface ClusterFacts {
  caBundle?: string;
  clusterCIDR?: string;
  kubeDNSIP?: string;
}

/** The CA the controller trusts for its API server, base64 as EKS and kubeconfigs carry it. */
export function caBundleOf(kc: KubeConfig): string | undefined {
  const cluster = kc.getCurrentCluster();
  if (cluster?.caData) return cluster.caData;
  if (cluster?.caFile) return readFileSync(cluster.caFile).toString("base64");
  return undefined;
}

/** EKS's DescribeCluster, asked at most once and only when something needs it; undefined when unavailable. */
export type EKSFactsReader = () => Promise<EKSClusterFacts | undefined>;

/**
 * The cluster facts user data needs, each best-effort (a missing one is logged, not fatal). The CA
 * bundle: the setting, else the controller's own kubeconfig, else EKS. The service CIDR: the
 * ServiceCIDR API (Kubernetes 1.33+), else EKS's DescribeCluster, else CLUSTER_SERVICE_CIDR.
 */
export async function readClusterFacts(kc: KubeConfig, config: Config, logger: Pick<Logger, "warn" | "info">, eks: EKSFactsReader = async () => undefined): Promise<ClusterFacts> {
  const facts: ClusterFacts = {};
  try {
    facts.caBundle = config.clusterCABundle ?? caBundleOf(kc);
  } catch (error) {
    logger.warn({ error }, `could not read the cluster CA bundle from the kubeconfig; set ${settings.clusterCABundle.env}`);
  }
  facts.caBundle ??= (await eks())?.caBundle;
  // The default ServiceCIDR (GA since Kubernetes 1.33) holds the range kube-apiserver was started with.
  let serviceCIDRError: string | undefined;
  try {
    const cidr = await kc.makeApiClient(NetworkingV1Api).readServiceCIDR({ name: "kubernetes" });
    const family = (await eksIfKnown(eks))?.ipFamily;
    const cidrs = cidr.spec?.cidrs ?? [];
    facts.clusterCIDR = cidrs.find((c) => (family === "ipv6" ? c.includes(":") : !c.includes(":"))) ?? cidrs[0];
  } catch (error) {
    serviceCIDRError = errorText(error);
  }
  if (!facts.clusterCIDR) {
    const fromEKS = (await eks())?.serviceCIDR;
    facts.clusterCIDR = fromEKS ?? config.clusterServiceCIDR;
    if (facts.clusterCIDR) {
      logger.info({ clusterCIDR: facts.clusterCIDR, from: fromEKS ? "EKS DescribeCluster" : settings.clusterServiceCIDR.env, serviceCIDRAPI: serviceCIDRError }, "the ServiceCIDR API gave no service CIDR; using another source");
    } else {
      logger.warn(
        { error: serviceCIDRError },
        `could not read the service CIDR (ServiceCIDR kubernetes, nor EKS DescribeCluster); set ${settings.clusterServiceCIDR.env}: AL2023 nodes cannot be launched without it`,
      );
    }
  }
  try {
    const svc = await kc.makeApiClient(CoreV1Api).readNamespacedService({ namespace: "kube-system", name: "kube-dns" });
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== "None") facts.kubeDNSIP = ip;
  } catch (error) {
    logger.warn({ error: errorText(error) }, "could not read Service kube-system/kube-dns; nodes get the AMI's default cluster DNS");
  }
  return facts;
}

/** EKS's facts only if they were already read (the IP family is a hint, not worth a call). */
async function eksIfKnown(eks: EKSFactsReader & { known?: () => boolean }): Promise<EKSClusterFacts | undefined> {
  return eks.known?.() ? eks() : undefined;
}

/**
 * A reader that calls DescribeCluster once, the first time it is asked, and remembers the answer
 * (or that it failed: logged once, then undefined).
 */
export function eksFactsReader(describe: () => Promise<EKSClusterFacts>, logger: Pick<Logger, "warn">, clusterName: string): EKSFactsReader & { known: () => boolean } {
  let answer: Promise<EKSClusterFacts | undefined> | undefined;
  const read = () =>
    (answer ??= describe().catch((error: unknown) => {
      logger.warn({ error: errorText(error), cluster: clusterName }, "EKS DescribeCluster failed (is eks:DescribeCluster allowed?); going on without it");
      return undefined;
    }));
  return Object.assign(read, { known: () => answer !== undefined });
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message.split("\n")[0] : String(err);
  return typeof code === "number" ? `HTTP ${code}: ${msg}` : (msg ?? "");
}

/** The cluster's Kubernetes minor version ("1.34"), re-read at most every ten minutes. */
export function kubernetesVersionReader(kc: KubeConfig): () => Promise<string> {
  const api = kc.makeApiClient(VersionApi);
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (cached && Date.now() - cached.at < 10 * 60_000) return cached.value;
    const v = await api.getCode();
    const minor = v.minor.replace(/[^0-9]/g, "");
    cached = { value: `${v.major.replace(/[^0-9]/g, "")}.${minor}`, at: Date.now() };
    return cached.value;
  };
}

export interface AWSProviderInputs {
  config: Config;
  env: Env;
  kubeConfig: KubeConfig;
  getNodeClass(name: string): Promise<EC2NodeClass | undefined>;
  logger: Pick<Logger, "warn" | "info">;
  /** Static credentials (tests); the SDK's default provider chain when omitted. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Price refresh metrics; the process-wide ones when omitted. */
  pricingMetrics?: PricingMetricsSink;
  /** Every AWS call that changes something (launch, terminate, tag, launch templates, instance profiles) checks it first. */
  fence?: LeaderFence;
}

/** AWS API calls that only read: Describe*, Get*, List*. Everything else changes something. */
export const isReadOnlyAWSCommand = (commandName: string): boolean => /^(Describe|Get|List)[A-Z]/.test(commandName);

/**
 * Makes every mutating call on the clients check the leader fence before it is signed and sent,
 * through the SDK's own middleware stack, so that each call the provider makes — today's and any
 * added later — is covered without the provider knowing about leadership.
 */
export function fenceAWSClients<C extends object>(clients: C, fence: LeaderFence): C {
  for (const client of Object.values(clients) as FenceableClient[]) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? "";
        if (!isReadOnlyAWSCommand(command)) fence.assertLeader(`${context.clientName ?? "AWS"}.${command}`);
        return next(args);
      },
      { step: "initialize", name: "tenonLeaderFence", override: true },
    );
  }
  return clients;
}

/** The part of an SDK v3 client the fence uses: an initialize-step middleware that sees the command's name. */
interface FenceableClient {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string; clientName?: string }) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string; override: boolean },
    ): void;
  };
}

/** What new nodes need to join the cluster: its endpoint and the facts their user data carries. */
export interface ClusterConnection extends ClusterFacts {
  clusterEndpoint: string;
}

/**
 * The cluster's endpoint (CLUSTER_ENDPOINT, else EKS's DescribeCluster) and facts (readClusterFacts),
 * with DescribeCluster asked at most once and only when something needs it.
 */
export async function discoverCluster(i: Pick<AWSProviderInputs, "config" | "kubeConfig" | "logger" | "credentials">, region: string): Promise<ClusterConnection> {
  const { config } = i;
  const eksEndpoint = config.awsEndpoints.eks ?? config.awsEndpoints.default;
  const eksClient = instrumentAWSClient(createEKSClient({ region, ...(eksEndpoint ? { endpoint: eksEndpoint } : {}), ...(i.credentials ? { credentials: i.credentials } : {}) }));
  let described: Promise<EKSClusterFacts> | undefined;
  const describe = () => (described ??= describeEKSCluster(eksClient, config.clusterName));
  const clusterEndpoint = config.clusterEndpoint ?? (await discoverEndpoint(config, describe));
  const eks = eksFactsReader(describe, i.logger, config.clusterName);
  if (!config.clusterEndpoint) await eks(); // already answered: its IP family then picks the service CIDR
  const facts = await readClusterFacts(i.kubeConfig, config, i.logger, eks);
  eksClient.destroy();
  return { clusterEndpoint, ...facts };
}

export async function buildAWSCloudProvider(i: AWSProviderInputs): Promise<AWSCloudProvider> {
  const { config } = i;
  const region = await resolveRegion(config, i.env);
  const e = config.awsEndpoints;
  const created = createAWSClients({
    region,
    endpoints: { default: e.default, ec2: e.ec2, iam: e.iam, ssm: e.ssm, pricing: e.pricing },
    ...(i.credentials ? { credentials: i.credentials } : {}),
  });
  for (const c of Object.values(created)) instrumentAWSClient(c);
  const clients = i.fence ? fenceAWSClients(created, i.fence) : created;
  const cluster = await discoverCluster(i, region);
  i.logger.info({ region, endpoint: e.default, clusterEndpoint: cluster.clusterEndpoint, clusterCIDR: cluster.clusterCIDR, kubeDNSIP: cluster.kubeDNSIP }, "built the AWS cloud provider");
  return new AWSCloudProvider({
    clusterName: config.clusterName,
    clusterEndpoint: cluster.clusterEndpoint,
    region,
    clients,
    getNodeClass: i.getNodeClass,
    kubernetesVersion: kubernetesVersionReader(i.kubeConfig),
    caBundle: cluster.caBundle,
    clusterCIDR: cluster.clusterCIDR,
    kubeDNSIP: cluster.kubeDNSIP,
    vmMemoryOverheadPercent: config.vmMemoryOverheadPercent,
    reservedENIs: config.reservedENIs,
    isolatedVPC: config.isolatedVPC,
    logger: i.logger,
    pricingMetrics: i.pricingMetrics ?? pricingMetrics,
  });
}

/** The API server endpoint from EKS's DescribeCluster, for a CLUSTER_ENDPOINT left unset; a ConfigError naming the setting otherwise. */
async function discoverEndpoint(config: Config, describe: () => Promise<EKSClusterFacts>): Promise<string> {
  const unset = `${settings.clusterEndpoint.env} (${settings.clusterEndpoint.flag}) is unset`;
  let facts: EKSClusterFacts;
  try {
    facts = await describe();
  } catch (error) {
    throw new ConfigError([`${unset} and EKS could not tell it: DescribeCluster ${JSON.stringify(config.clusterName)} failed (${errorText(error)}); set it, or check ${settings.clusterName.env} and that eks:DescribeCluster is allowed`]);
  }
  if (!facts.endpoint) throw new ConfigError([`${unset} and EKS cluster ${JSON.stringify(config.clusterName)} has no endpoint yet; set it`]);
  return facts.endpoint;
}

export interface InterruptionQueueInputs {
  config: Config;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  fence?: LeaderFence;
}

/** The SQS queue named by INTERRUPTION_QUEUE, or undefined when interruption handling is off. */
export function buildInterruptionQueue(i: InterruptionQueueInputs): InterruptionQueue | undefined {
  const queue = i.config.interruptionQueue;
  if (!queue) return undefined;
  const e = i.config.awsEndpoints;
  const endpoint = e.sqs ?? e.default;
  const created = {
    sqs: instrumentAWSClient(createSQSClient({ region: i.region, ...(endpoint ? { endpoint } : {}), ...(i.credentials ? { credentials: i.credentials } : {}) })),
  };
  // DeleteMessage changes the queue: a replica that no longer leads must not consume messages.
  const { sqs } = i.fence ? fenceAWSClients(created, i.fence) : created;
  return new InterruptionQueue({ client: sqs, queue });
}

/** EC2's instance status checks, read by their own client (read-only: no fence needed). */
export function buildInstanceStatuses(i: InterruptionQueueInputs): EC2InstanceStatuses {
  const e = i.config.awsEndpoints;
  const endpoint = e.ec2 ?? e.default;
  const ec2 = new EC2Client({ region: i.region, ...(endpoint ? { endpoint } : {}), ...(i.credentials ? { credentials: i.credentials } : {}), maxAttempts: 3 });
  return new EC2InstanceStatuses(ec2, Date.now);
}
