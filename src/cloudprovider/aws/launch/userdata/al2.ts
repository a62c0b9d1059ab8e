// AL2: the EKS AMI's /etc/eks/bootstrap.sh, run from a MIME shell part after the user's parts.
import { isIP } from "node:net";
import { CONTENT_TYPE_SHELL, isMime, type MimePart, parseMime, serializeMime } from "./mime.js";
import { type BootstrapOptions, base64, kubeletExtraArgs } from "./options.js";

function bootstrapScript(o: BootstrapOptions): string {
  const dns = o.kubelet.clusterDNS?.[0];
  let s = "#!/bin/bash -xe\n";
  s += "exec > >(tee /var/log/user-data.log|logger -t user-data -s 2>/dev/console) 2>&1\n";
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
