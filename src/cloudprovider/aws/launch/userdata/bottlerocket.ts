// Bottlerocket: TOML settings. The user's TOML is parsed and tenon's settings are written over it
// (cluster, CA, DNS, labels, taints, kubelet reservations), so everything else the user set stays.
import { parse as parseTOML, stringify as stringifyTOML, type TomlTable } from "smol-toml";
import { bottlerocketKubeletKeys } from "../../../../apis/kubeletfamilies.js";
import { type BootstrapOptions, base64 } from "./options.js";

// Fields written above with a conversion of their own; every other supported one is copied as is.
const converted = new Set(["clusterDNS", "maxPods", "systemReserved", "kubeReserved", "evictionHard", "imageGCHighThresholdPercent", "imageGCLowThresholdPercent", "cpuCFSQuota"]);

const isTable = (v: unknown): v is TomlTable => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

function table(parent: TomlTable, key: string): TomlTable {
  const v = parent[key];
  if (isTable(v)) return v;
  const t: TomlTable = {};
  parent[key] = t;
  return t;
}

export function bottlerocketUserData(o: BootstrapOptions): string {
  let doc: TomlTable;
  try {
    doc = o.customUserData ? parseTOML(o.customUserData) : {};
  } catch (err) {
    throw new Error(`spec.userData is not valid TOML for Bottlerocket: ${err instanceof Error ? err.message : String(err)}`);
  }
  const k8s = table(table(doc, "settings"), "kubernetes");
  k8s["cluster-name"] = o.clusterName;
  k8s["api-server"] = o.clusterEndpoint;
  if (o.caBundle) k8s["cluster-certificate"] = o.caBundle;
  const kc = o.kubelet;
  if (kc.clusterDNS?.[0]) k8s["cluster-dns-ip"] = kc.clusterDNS[0];
  if (kc.maxPods !== undefined) k8s["max-pods"] = kc.maxPods;
  if (kc.systemReserved) k8s["system-reserved"] = { ...kc.systemReserved };
  if (kc.kubeReserved) k8s["kube-reserved"] = { ...kc.kubeReserved };
  if (kc.evictionHard) k8s["eviction-hard"] = { ...kc.evictionHard };
  if (kc.imageGCHighThresholdPercent !== undefined) k8s["image-gc-high-threshold-percent"] = String(kc.imageGCHighThresholdPercent);
  if (kc.imageGCLowThresholdPercent !== undefined) k8s["image-gc-low-threshold-percent"] = String(kc.imageGCLowThresholdPercent);
  if (kc.cpuCFSQuota !== undefined) k8s["cpu-cfs-quota-enforced"] = kc.cpuCFSQuota;
  // The rest of settings.kubernetes (the controller refuses fields Bottlerocket has no key for).
  for (const [field, value] of Object.entries(kc)) {
    const key = bottlerocketKubeletKeys[field];
    if (!key || converted.has(field) || value === undefined || value === null) continue;
    k8s[key] = (typeof value === "object" && !Array.isArray(value) ? { ...value } : value) as TomlTable[string];
  }
  // The user's labels stay unless tenon sets the same key.
  const labels = isTable(k8s["node-labels"]) ? k8s["node-labels"] : {};
  k8s["node-labels"] = { ...labels, ...o.labels };
  // Bottlerocket's taint format: key = ["value:Effect", …]; tenon's taints replace the user's.
  const taints: Record<string, string[]> = {};
  for (const t of o.taints) (taints[t.key] ??= []).push(`${t.value ?? ""}:${t.effect}`);
  k8s["node-taints"] = taints;
  if (o.instanceStorePolicy === "RAID0") {
    const commands = table(table(doc, "settings"), "bootstrap-commands");
    commands["000-mount-instance-storage"] = {
      commands: [
        ["apiclient", "ephemeral-storage", "init"],
        ["apiclient", "ephemeral-storage", "bind", "--dirs", "/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"],
      ],
      mode: "always",
      essential: true,
    };
  }
  return base64(stringifyTOML(doc));
}
