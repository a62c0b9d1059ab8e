// What every AMI family's bootstrap needs to know, and the helpers they share.
import type { Taint } from "../../../../apis/common.js";
import type { KubeletConfiguration } from "../../../../apis/ec2nodeclass.js";

export interface BootstrapOptions {
  clusterName: string;
  clusterEndpoint: string;
  /** Base64 PEM of the cluster CA, as EKS and kubeconfigs carry it. */
  caBundle?: string | undefined;
  /** The cluster's service CIDR (nodeadm requires it). */
  clusterCIDR?: string | undefined;
  /** Kubelet settings with maxPods already set and clusterDNS defaulted. */
  kubelet: KubeletConfiguration;
  /** Taints to register with (including karpenter.sh/unregistered). */
  taints: Taint[];
  /** Labels the kubelet may set itself (restricted domains already removed). */
  labels: Record<string, string>;
  customUserData?: string | undefined;
  instanceStorePolicy?: "RAID0" | undefined;
}

/** Taint as the kubelet's --register-with-taints spells it: key=value:Effect or key:Effect. */
export const taintString = (t: Taint): string => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`;

/** key=value,… sorted, so equal inputs give byte-equal user data (and the same launch template). */
export const sortedPairs = (m: Record<string, string>, sep = "="): string =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}${sep}${m[k]}`)
    .join(",");

/** The kubelet flags the AL2 and Windows bootstraps take (--kubelet-extra-args). */
export function kubeletExtraArgs(o: BootstrapOptions): string[] {
  const k = o.kubelet;
  const args: string[] = [];
  if (Object.keys(o.labels).length > 0) args.push(`--node-labels="${sortedPairs(o.labels)}"`);
  args.push(`--register-with-taints="${o.taints.map(taintString).join(",")}"`);
  if (k.maxPods !== undefined) args.push(`--max-pods=${k.maxPods}`);
  if (k.podsPerCore !== undefined) args.push(`--pods-per-core=${k.podsPerCore}`);
  const map = (flag: string, m: Record<string, string> | undefined, sep: string) => {
    if (m && Object.keys(m).length > 0) args.push(`${flag}="${sortedPairs(m, sep)}"`);
  };
  map("--system-reserved", k.systemReserved, "=");
  map("--kube-reserved", k.kubeReserved, "=");
  map("--eviction-hard", k.evictionHard, "<");
  map("--eviction-soft", k.evictionSoft, "<");
  map("--eviction-soft-grace-period", k.evictionSoftGracePeriod, "=");
  if (k.evictionMaxPodGracePeriod !== undefined) args.push(`--eviction-max-pod-grace-period=${k.evictionMaxPodGracePeriod}`);
  if (k.imageGCHighThresholdPercent !== undefined) args.push(`--image-gc-high-threshold=${k.imageGCHighThresholdPercent}`);
  if (k.imageGCLowThresholdPercent !== undefined) args.push(`--image-gc-low-threshold=${k.imageGCLowThresholdPercent}`);
  if (k.cpuCFSQuota !== undefined) args.push(`--cpu-cfs-quota=${k.cpuCFSQuota}`);
  return args;
}

export const base64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
