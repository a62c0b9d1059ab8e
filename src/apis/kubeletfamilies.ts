// Which spec.kubelet fields each AMI family's bootstrap can carry. AL2023 (nodeadm's NodeConfig)
// takes any KubeletConfiguration field, and AL2 too (tenon merges the fields bootstrap.sh has no
// flag for into /etc/kubernetes/kubelet/kubelet-config.json before it runs). Bottlerocket has a
// fixed set of settings.kubernetes keys, and the Windows bootstrap only kubelet flags: a field
// either cannot carry is refused by the controller, naming the family and the field, instead of
// being dropped silently (Karpenter drops it). Custom writes its own user data: nothing is refused.

/** Fields every family's bootstrap takes as flags (AL2 --kubelet-extra-args, Windows -KubeletExtraArgs). */
export const kubeletFlagFields = new Set([
  "maxPods",
  "podsPerCore",
  "clusterDNS",
  "systemReserved",
  "kubeReserved",
  "evictionHard",
  "evictionSoft",
  "evictionSoftGracePeriod",
  "evictionMaxPodGracePeriod",
  "imageGCHighThresholdPercent",
  "imageGCLowThresholdPercent",
  "cpuCFSQuota",
]);

/** KubeletConfiguration field → Bottlerocket settings.kubernetes key (clusterDNS: cluster-dns-ip). */
export const bottlerocketKubeletKeys: Record<string, string> = {
  maxPods: "max-pods",
  podsPerCore: "pods-per-core",
  clusterDNS: "cluster-dns-ip",
  systemReserved: "system-reserved",
  kubeReserved: "kube-reserved",
  evictionHard: "eviction-hard",
  evictionSoft: "eviction-soft",
  evictionSoftGracePeriod: "eviction-soft-grace-period",
  evictionMaxPodGracePeriod: "eviction-max-pod-grace-period",
  imageGCHighThresholdPercent: "image-gc-high-threshold-percent",
  imageGCLowThresholdPercent: "image-gc-low-threshold-percent",
  cpuCFSQuota: "cpu-cfs-quota-enforced",
  kubeAPIQPS: "kube-api-qps",
  kubeAPIBurst: "kube-api-burst",
  eventRecordQPS: "event-qps",
  eventBurst: "event-burst",
  registryPullQPS: "registry-qps",
  registryBurst: "registry-burst",
  containerLogMaxSize: "container-log-max-size",
  containerLogMaxFiles: "container-log-max-files",
  cpuManagerPolicy: "cpu-manager-policy",
  cpuManagerReconcilePeriod: "cpu-manager-reconcile-period",
  cpuManagerPolicyOptions: "cpu-manager-policy-options",
  topologyManagerPolicy: "topology-manager-policy",
  topologyManagerScope: "topology-manager-scope",
  memoryManagerPolicy: "memory-manager-policy",
  podPidsLimit: "pod-pids-limit",
  shutdownGracePeriod: "shutdown-grace-period",
  shutdownGracePeriodCriticalPods: "shutdown-grace-period-for-critical-pods",
  allowedUnsafeSysctls: "allowed-unsafe-sysctls",
  seccompDefault: "seccomp-default",
  serverTLSBootstrap: "server-tls-bootstrap",
  maxParallelImagePulls: "max-parallel-image-pulls",
};

const windowsFamilies = new Set(["Windows2019", "Windows2022", "Windows2025"]);

/** The kubelet fields the family cannot carry, in field order. */
export function kubeletFieldsRefused(family: string, kubelet: Record<string, unknown> | undefined): string[] {
  if (!kubelet) return [];
  const fields = Object.keys(kubelet).filter((k) => kubelet[k] !== undefined);
  if (family === "Bottlerocket") return fields.filter((f) => !(f in bottlerocketKubeletKeys));
  if (windowsFamilies.has(family)) return fields.filter((f) => !kubeletFlagFields.has(f));
  return [];
}
