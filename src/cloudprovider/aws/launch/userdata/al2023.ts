// AL2023: nodeadm reads a NodeConfig document from MIME user data. The user's parts come first
// (shell scripts run, NodeConfigs are merged by nodeadm), then tenon's NodeConfig.
import { parse as parseYAML, stringify as stringifyYAML } from "yaml";
import { NodeClassNotReadyError } from "../../../errors.js";
import { CONTENT_TYPE_NODECONFIG, CONTENT_TYPE_SHELL, isMime, type MimePart, parseMime, serializeMime } from "./mime.js";
import { type BootstrapOptions, base64, sortedPairs } from "./options.js";

function nodeConfig(o: BootstrapOptions): string {
  if (!o.clusterCIDR) {
    throw new NodeClassNotReadyError("AL2023 nodes need the cluster's service CIDR for nodeadm; set the controller's cluster CIDR setting (tenon cannot launch AL2023 nodes without it)");
  }
  const kubeletConfig: Record<string, unknown> = { ...o.kubelet, registerWithTaints: o.taints.map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect })) };
  const doc = {
    apiVersion: "node.eks.aws/v1alpha1",
    kind: "NodeConfig",
    metadata: {},
    spec: {
      cluster: {
        apiServerEndpoint: o.clusterEndpoint,
        ...(o.caBundle ? { certificateAuthority: o.caBundle } : {}),
        cidr: o.clusterCIDR,
        name: o.clusterName,
      },
      containerd: {},
      instance: { localStorage: o.instanceStorePolicy === "RAID0" ? { strategy: "RAID0" } : {} },
      kubelet: {
        config: sortKeys(kubeletConfig),
        ...(Object.keys(o.labels).length > 0 ? { flags: [`--node-labels="${sortedPairs(o.labels)}"`] } : {}),
      },
    },
  };
  return `# Karpenter Generated NodeConfig\n${stringifyYAML(doc)}`;
}

/** Sorted keys keep the YAML (and so the launch template hash) stable. */
function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** The custom user data as MIME parts: a MIME document's parts, or one part typed by its content. */
function customParts(userData: string | undefined): MimePart[] {
  if (!userData) return [];
  if (isMime(userData)) return parseMime(userData);
  let isYAMLMap = false;
  try {
    const v: unknown = parseYAML(userData);
    isYAMLMap = typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    isYAMLMap = false;
  }
  return [{ contentType: isYAMLMap ? CONTENT_TYPE_NODECONFIG : CONTENT_TYPE_SHELL, content: userData }];
}

export function al2023UserData(o: BootstrapOptions): string {
  return base64(serializeMime([...customParts(o.customUserData), { contentType: CONTENT_TYPE_NODECONFIG, content: nodeConfig(o) }]));
}
