// AL2: the EKS AMI's /etc/eks/bootstrap.sh, run from a MIME shell part after the user's parts.
import { isIP } from "node:net";
import { CONTENT_TYPE_SHELL, isMime, type MimePart, parseMime, serializeMime } from "./mime.js";
import { kubeletFlagFields } from "../../../../apis/kubeletfamilies.js";
import { type BootstrapOptions, base64, kubeletExtraArgs } from "./options.js";

const KubeletConfigFile = "/etc/kubernetes/kubelet/kubelet-config.json";
const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * The kubelet fields bootstrap.sh has no flag for, merged into the AMI's kubelet config file before
 * it runs (bootstrap.sh edits that file in place and keeps what it does not set), so AL2 takes any
 * KubeletConfiguration field as AL2023 does.
 */
function kubeletConfigMerge(o: BootstrapOptions): string {
  const extra = Object.fromEntries(Object.entries(o.kubelet).filter(([k, v]) => v !== undefined && !kubeletFlagFields.has(k)).sort(([a], [b]) => a.localeCompare(b)));
  if (Object.keys(extra).length === 0) return "";
  return `echo "$(jq --argjson extra ${shellQuote(JSON.stringify(extra))} '. * $extra' ${KubeletConfigFile})" > ${KubeletConfigFile}\n`;
}

function bootstrapScript(o: BootstrapOptions): string {
  const dns = o.kubelet.clusterDNS?.[0];
  let s = "#!/bin/bash -xe\n";
  s += "exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1\n";
  s += kubeletConfigMerge(o);
  // bootstrap.sh does not accept --flag=value, so values are separate, quoted words.
  s += `/etc/eks/bootstrap.sh '${o.clusterName}' --apiserver-endpoint '${o.clusterEndpoint}'`;
  if (o.caBundle) s += ` --b64-cluster-ca '${o.caBundle}'`;
  if (dns && isIP(dns) === 6) s += " \\\n--ip-family ipv6";
  if (dns) s += ` \\\n--dns-cluster-ip '${dns}'`;
  // maxPods is always set by tenon; the AMI's own ENI table must not override it.
  if (o.kubelet.maxPods !== undefined) s += " \\\n--use-max-pods false";
  const args = kubeletExtraArgs(o);
  if (args.length > 0) s += ` \\\n--kubelet-extra-args '${args.join(" ")}'`;
  if (o.instanceStorePolicy === "RAID0") s += " \\\n--local-disks raid0";
  return s;
}

function customParts(userData: string | undefined): MimePart[] {
  if (!userData) return [];
  return isMime(userData) ? parseMime(userData) : [{ contentType: CONTENT_TYPE_SHELL, content: userData }];
}

export function al2UserData(o: BootstrapOptions): string {
  return base64(serializeMime([...customParts(o.customUserData), { contentType: CONTENT_TYPE_SHELL, content: bootstrapScript(o) }]));
}
