// What EKS says about the cluster (DescribeCluster): the API server endpoint new nodes join, its CA
// bundle, the service CIDR and the IP family. Karpenter reads the same call when its
// CLUSTER_ENDPOINT is unset and to find the service CIDR AL2023's nodeadm needs.
import { type Cluster, DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";

export type IPFamily = "ipv4" | "ipv6";

export interface EKSClusterFacts {
  endpoint?: string;
  /** Base64 PEM, as EKS and kubeconfigs carry it. */
  caBundle?: string;
  /** The service CIDR of the cluster's IP family. */
  serviceCIDR?: string;
  ipFamily?: IPFamily;
}

/** Pure: the facts in a DescribeCluster answer. */
export function factsOfCluster(c: Cluster | undefined): EKSClusterFacts {
  const net = c?.kubernetesNetworkConfig;
  const ipFamily: IPFamily | undefined = net?.ipFamily === "ipv6" ? "ipv6" : net?.ipFamily === "ipv4" ? "ipv4" : undefined;
  // An IPv6 cluster still reports an IPv4 range it does not use for services.
  const serviceCIDR = ipFamily === "ipv6" ? (net?.serviceIpv6Cidr ?? net?.serviceIpv4Cidr) : (net?.serviceIpv4Cidr ?? net?.serviceIpv6Cidr);
  const out: EKSClusterFacts = {};
  if (c?.endpoint) out.endpoint = c.endpoint;
  if (c?.certificateAuthority?.data) out.caBundle = c.certificateAuthority.data;
  if (serviceCIDR) out.serviceCIDR = serviceCIDR;
  if (ipFamily) out.ipFamily = ipFamily;
  return out;
}

/** DescribeCluster once; errors (no such cluster, no eks:DescribeCluster permission) are the caller's to report. */
export async function describeEKSCluster(client: Pick<EKSClient, "send">, clusterName: string): Promise<EKSClusterFacts> {
  const out = await client.send(new DescribeClusterCommand({ name: clusterName }));
  return factsOfCluster(out.cluster);
}

export function createEKSClient(s: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string }; maxAttempts?: number }): EKSClient {
  return new EKSClient({
    region: s.region,
    ...(s.endpoint ? { endpoint: s.endpoint } : {}),
    ...(s.credentials ? { credentials: s.credentials } : {}),
    maxAttempts: s.maxAttempts ?? 3,
  });
}
