// Building the AWS cloud provider from the settings and the cluster: the region (setting, SDK
// variables, else instance metadata), the endpoints (AWS_ENDPOINT_URL and per-service overrides),
// and what new nodes need to know about the cluster — its Kubernetes version, CA bundle, service
// CIDR and kube-dns address — read from the API server the controller talks to.
import { readFileSync } from "node:fs";
import { CoreV1Api, NetworkingV1Api, VersionApi, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { EC2NodeClass } from "../apis/ec2nodeclass.js";
import { AWSCloudProvider } from "../cloudprovider/aws/provider.js";
import { createAWSClients } from "../cloudprovider/aws/clients.js";
import { InterruptionQueue, createSQSClient } from "../cloudprovider/aws/interruption/sqs.js";
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

export async function readClusterFacts(kc: KubeConfig, config: Config, logger: Pick<Logger, "warn">): Promise<ClusterFacts> {
  const facts: ClusterFacts = {};
  try {
    facts.caBundle = config.clusterCABundle ?? caBundleOf(kc);
  } catch (error) {
    logger.warn({ error }, `could not read the cluster CA bundle; set ${settings.clusterCABundle.env}`);
  }
  // The default ServiceCIDR (GA since Kubernetes 1.33) holds the range kube-apiserver was started with.
  try {
    const cidr = await kc.makeApiClient(NetworkingV1Api).readServiceCIDR({ name: "kubernetes" });
    facts.clusterCIDR = cidr.spec?.cidrs?.find((c) => !c.includes(":")) ?? cidr.spec?.cidrs?.[0];
  } catch (error) {
    logger.warn({ error: errorText(error) }, "could not read the service CIDR (ServiceCIDR kubernetes); AL2023 nodes cannot be launched without it");
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

export async function buildAWSCloudProvider(i: AWSProviderInputs): Promise<AWSCloudProvider> {
  const { config } = i;
  const region = await resolveRegion(config, i.env);
  if (!config.clusterEndpoint) {
    throw new ConfigError([`missing setting ${settings.clusterEndpoint.env} (${settings.clusterEndpoint.flag}): the API server URL new nodes join; set it (tenon does not discover it from EKS)`]);
  }
  const e = config.awsEndpoints;
  const created = createAWSClients({
    region,
    endpoints: { default: e.default, ec2: e.ec2, iam: e.iam, ssm: e.ssm, pricing: e.pricing },
    ...(i.credentials ? { credentials: i.credentials } : {}),
  });
  const clients = i.fence ? fenceAWSClients(created, i.fence) : created;
  const facts = await readClusterFacts(i.kubeConfig, config, i.logger);
  i.logger.info({ region, endpoint: e.default, clusterCIDR: facts.clusterCIDR, kubeDNSIP: facts.kubeDNSIP }, "built the AWS cloud provider");
  return new AWSCloudProvider({
    clusterName: config.clusterName,
    clusterEndpoint: config.clusterEndpoint,
    region,
    clients,
    getNodeClass: i.getNodeClass,
    kubernetesVersion: kubernetesVersionReader(i.kubeConfig),
    caBundle: facts.caBundle,
    clusterCIDR: facts.clusterCIDR,
    kubeDNSIP: facts.kubeDNSIP,
    vmMemoryOverheadPercent: config.vmMemoryOverheadPercent,
    reservedENIs: config.reservedENIs,
    isolatedVPC: config.isolatedVPC,
    logger: i.logger,
    pricingMetrics: i.pricingMetrics ?? pricingMetrics,
  });
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
    sqs: createSQSClient({ region: i.region, ...(endpoint ? { endpoint } : {}), ...(i.credentials ? { credentials: i.credentials } : {}) }),
  };
  // DeleteMessage changes the queue: a replica that no longer leads must not consume messages.
  const { sqs } = i.fence ? fenceAWSClients(created, i.fence) : created;
  return new InterruptionQueue({ client: sqs, queue });
}
