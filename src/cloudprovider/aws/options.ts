// What a controller passes to construct the AWS cloud provider.
import type { Logger } from "pino";
import type { EC2NodeClass } from "../../apis/ec2nodeclass.js";
import type { Clock } from "./cache.js";
import type { AWSClients } from "./clients.js";
import type { InstanceBatching } from "./instances.js";
import type { FleetOptions } from "./launch/fleet.js";
import type { PricingMetricsSink } from "./pricing/pricing.js";

export interface AWSCloudProviderOptions {
  clusterName: string;
  /** The API server URL nodes join (CLUSTER_ENDPOINT). */
  clusterEndpoint: string;
  region: string;
  clients: AWSClients;
  /**
   * Reads an EC2NodeClass (with its status) by name; undefined if it does not exist. Controllers
   * own the Kubernetes client, so the provider asks through this.
   */
  getNodeClass(name: string): Promise<EC2NodeClass | undefined>;
  /** The cluster's Kubernetes minor version ("1.34"), for AMI aliases. */
  kubernetesVersion(): Promise<string>;
  /** Base64 cluster CA for user data. */
  caBundle?: string;
  /** The service CIDR: AL2023's nodeadm requires it. */
  clusterCIDR?: string;
  /** kube-dns's cluster IP, the kubelet's clusterDNS unless the node class sets one. */
  kubeDNSIP?: string;
  /** VM_MEMORY_OVERHEAD_PERCENT (default 0.075). */
  vmMemoryOverheadPercent?: number;
  /** RESERVED_ENIS (default 0). */
  reservedENIs?: number;
  /** ISOLATED_VPC: do not call the Pricing API. */
  isolatedVPC?: boolean;
  fleetBatching?: FleetOptions;
  instanceBatching?: InstanceBatching;
  clock?: Clock;
  /** Where price refresh failures are logged (once per streak). */
  logger?: Pick<Logger, "warn" | "info">;
  /** Where price refreshes are counted and the prices' age exposed. */
  pricingMetrics?: PricingMetricsSink;
}
