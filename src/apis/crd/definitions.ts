import type { z } from "zod";
import { EC2NodeClassSpecSchema, EC2NodeClassStatusSchema } from "../ec2nodeclass.js";
import { NodeClaimSpecSchema, NodeClaimStatusSchema } from "../nodeclaim.js";
import { NodePoolSpecSchema, NodePoolStatusSchema } from "../nodepool.js";
import { NodeOverlaySpecSchema, NodeOverlayStatusSchema } from "../nodeoverlay.js";
import { CapacityBufferSpecSchema, CapacityBufferStatusSchema } from "../capacitybuffer.js";

export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "date" | "number" | "boolean";
  jsonPath: string;
  priority?: number;
  description?: string;
}

/** Everything that makes one CRD besides its schemas, matching Karpenter's so kubectl output is the same. */
export interface CRDDefinition {
  group: string;
  /** The served and stored version; Karpenter's kinds are v1 unless they are still alpha or beta. */
  version?: string;
  scope?: "Cluster" | "Namespaced";
  categories?: string[];
  /** The scale subresource (`kubectl scale`), as the paths of the replica counts. */
  scale?: { specReplicasPath: string; statusReplicasPath: string };
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  specDefault?: unknown;
  printerColumns: PrinterColumn[];
}

const ready = { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' } as const;
const age = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" } as const;

export const crdDefinitions: CRDDefinition[] = [
  {
    group: "karpenter.sh",
    kind: "NodePool",
    plural: "nodepools",
    singular: "nodepool",
    description: "NodePool is the Schema for the NodePools API",
    spec: NodePoolSpecSchema,
    status: NodePoolStatusSchema,
    scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.nodes" },
    printerColumns: [
      { name: "NodeClass", type: "string", jsonPath: ".spec.template.spec.nodeClassRef.name" },
      { name: "Nodes", type: "string", jsonPath: ".status.nodes" },
      ready,
      age,
      { name: "Weight", type: "integer", jsonPath: ".spec.weight", priority: 1 },
      { name: "CPU", type: "string", jsonPath: ".status.resources.cpu", priority: 1 },
      { name: "Memory", type: "string", jsonPath: ".status.resources.memory", priority: 1 },
    ],
  },
  {
    group: "karpenter.sh",
    kind: "NodeClaim",
    plural: "nodeclaims",
    singular: "nodeclaim",
    description: "NodeClaim is the Schema for the NodeClaims API",
    spec: NodeClaimSpecSchema,
    status: NodeClaimStatusSchema,
    printerColumns: [
      { name: "Type", type: "string", jsonPath: ".metadata.labels.node\\.kubernetes\\.io/instance-type" },
      { name: "Capacity", type: "string", jsonPath: ".metadata.labels.karpenter\\.sh/capacity-type" },
      { name: "Zone", type: "string", jsonPath: ".metadata.labels.topology\\.kubernetes\\.io/zone" },
      { name: "Node", type: "string", jsonPath: ".status.nodeName" },
      ready,
      age,
      { name: "ImageID", type: "string", jsonPath: ".status.imageID", priority: 1 },
      { name: "ID", type: "string", jsonPath: ".status.providerID", priority: 1 },
      { name: "NodePool", type: "string", jsonPath: ".metadata.labels.karpenter\\.sh/nodepool", priority: 1 },
      { name: "NodeClass", type: "string", jsonPath: ".spec.nodeClassRef.name", priority: 1 },
      { name: "Drifted", type: "string", jsonPath: '.status.conditions[?(@.type=="Drifted")].status', priority: 1 },
    ],
  },
  {
    group: "karpenter.k8s.aws",
    kind: "EC2NodeClass",
    plural: "ec2nodeclasses",
    singular: "ec2nodeclass",
    shortNames: ["ec2nc", "ec2ncs"],
    description: "EC2NodeClass is the Schema for the EC2NodeClass API",
    spec: EC2NodeClassSpecSchema,
    status: EC2NodeClassStatusSchema,
    printerColumns: [ready, age, { name: "Role", type: "string", jsonPath: ".spec.role", priority: 1 }],
  },
  {
    group: "karpenter.sh",
    version: "v1alpha1",
    kind: "NodeOverlay",
    plural: "nodeoverlays",
    singular: "nodeoverlay",
    shortNames: ["overlays"],
    description: "NodeOverlay changes the price or capacity the scheduler assumes for the instance types it selects",
    spec: NodeOverlaySpecSchema,
    status: NodeOverlayStatusSchema,
    printerColumns: [ready, age, { name: "Weight", type: "integer", jsonPath: ".spec.weight", priority: 1 }],
  },
  {
    // SIG Autoscaling's API, shared with Cluster Autoscaler: its category and columns are upstream's.
    group: "autoscaling.x-k8s.io",
    version: "v1beta1",
    scope: "Namespaced",
    categories: ["autoscaling"],
    kind: "CapacityBuffer",
    plural: "capacitybuffers",
    singular: "capacitybuffer",
    shortNames: ["cb"],
    description: "CapacityBuffer is the configuration that an autoscaler can use to provision buffer capacity within a cluster",
    spec: CapacityBufferSpecSchema,
    status: CapacityBufferStatusSchema,
    printerColumns: [
      { name: "Strategy", type: "string", jsonPath: ".spec.provisioningStrategy", description: "The strategy to be used." },
      { name: "PodTemplate", type: "string", jsonPath: ".status.podTemplateRef.name", description: "The name of the PodTemplate used." },
      { name: "Replicas", type: "integer", jsonPath: ".status.replicas", description: "The actual number of buffer chunks." },
      { name: "ConditionsType", type: "string", jsonPath: ".status.conditions[*].type", description: "List of all condition types." },
      { name: "ConditionsStatus", type: "string", jsonPath: ".status.conditions[*].status", description: "List of all condition statuses." },
      { name: "ConditionsReason", type: "string", jsonPath: ".status.conditions[*].reason", description: "List of all condition reasons." },
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp", description: "The age of the CapacityBuffer." },
    ],
  },
];
