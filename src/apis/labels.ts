// Karpenter v1's well-known names. Users' manifests, selectors, dashboards and runbooks refer to
// these exact strings, so they are defined once here and nowhere else.

export const Group = "karpenter.sh";
export const AWSGroup = "karpenter.k8s.aws";

// Labels
export const NodePoolLabel = "karpenter.sh/nodepool";
export const CapacityTypeLabel = "karpenter.sh/capacity-type";
export const NodeInitializedLabel = "karpenter.sh/initialized";
export const NodeRegisteredLabel = "karpenter.sh/registered";
export const EC2NodeClassLabel = "karpenter.k8s.aws/ec2nodeclass";
/** On a node: tenon leaves its taints alone instead of keeping them in step with the NodeClaim's. */
export const DoNotSyncTaintsLabel = "karpenter.sh/do-not-sync-taints";

export const HostnameLabel = "kubernetes.io/hostname";
export const ZoneLabel = "topology.kubernetes.io/zone";
export const ZoneIDLabel = "topology.k8s.aws/zone-id";
export const RegionLabel = "topology.kubernetes.io/region";
export const InstanceTypeLabel = "node.kubernetes.io/instance-type";
export const ArchLabel = "kubernetes.io/arch";
export const OSLabel = "kubernetes.io/os";
export const WindowsBuildLabel = "node.kubernetes.io/windows-build";

export const InstanceCategoryLabel = "karpenter.k8s.aws/instance-category";
export const InstanceFamilyLabel = "karpenter.k8s.aws/instance-family";
export const InstanceGenerationLabel = "karpenter.k8s.aws/instance-generation";
export const InstanceSizeLabel = "karpenter.k8s.aws/instance-size";
export const InstanceCPULabel = "karpenter.k8s.aws/instance-cpu";
export const InstanceCPUManufacturerLabel = "karpenter.k8s.aws/instance-cpu-manufacturer";
export const InstanceCPUSustainedClockSpeedLabel = "karpenter.k8s.aws/instance-cpu-sustained-clock-speed-mhz";
export const InstanceMemoryLabel = "karpenter.k8s.aws/instance-memory";
export const InstanceHypervisorLabel = "karpenter.k8s.aws/instance-hypervisor";
export const InstanceEncryptionInTransitLabel = "karpenter.k8s.aws/instance-encryption-in-transit-supported";
export const InstanceNetworkBandwidthLabel = "karpenter.k8s.aws/instance-network-bandwidth";
export const InstanceEBSBandwidthLabel = "karpenter.k8s.aws/instance-ebs-bandwidth";
export const InstanceLocalNVMeLabel = "karpenter.k8s.aws/instance-local-nvme";
export const InstanceGPUNameLabel = "karpenter.k8s.aws/instance-gpu-name";
export const InstanceGPUManufacturerLabel = "karpenter.k8s.aws/instance-gpu-manufacturer";
export const InstanceGPUCountLabel = "karpenter.k8s.aws/instance-gpu-count";
export const InstanceGPUMemoryLabel = "karpenter.k8s.aws/instance-gpu-memory";
export const InstanceAcceleratorNameLabel = "karpenter.k8s.aws/instance-accelerator-name";
export const InstanceAcceleratorManufacturerLabel = "karpenter.k8s.aws/instance-accelerator-manufacturer";
export const InstanceAcceleratorCountLabel = "karpenter.k8s.aws/instance-accelerator-count";
export const CapacityReservationIDLabel = "karpenter.k8s.aws/capacity-reservation-id";
export const CapacityReservationTypeLabel = "karpenter.k8s.aws/capacity-reservation-type";
export const CapacityReservationInterruptibleLabel = "karpenter.k8s.aws/capacity-reservation-interruptible";
export const InstanceTenancyLabel = "karpenter.k8s.aws/instance-tenancy";
export const PlacementGroupIDLabel = "karpenter.k8s.aws/placement-group-id";
export const PlacementGroupPartitionLabel = "karpenter.k8s.aws/placement-group-partition";
/** Whether the type supports Nitro Enclaves (Karpenter's key name). */
export const NitroSandboxLabel = "karpenter.k8s.aws/nitro-sandbox";
export const InstanceCapabilityFlexLabel = "karpenter.k8s.aws/instance-capability-flex";
/** The tenancies a NodePool may ask for; default is chosen when both are allowed. */
export const Tenancies = ["default", "dedicated"] as const;

/** Labels that describe an AWS instance type; allowed in NodePool requirements and labels. */
export const AWSInstanceLabels = [
  InstanceEncryptionInTransitLabel,
  InstanceCategoryLabel,
  InstanceHypervisorLabel,
  InstanceFamilyLabel,
  InstanceGenerationLabel,
  InstanceLocalNVMeLabel,
  InstanceSizeLabel,
  InstanceCPULabel,
  InstanceCPUManufacturerLabel,
  InstanceCPUSustainedClockSpeedLabel,
  InstanceMemoryLabel,
  InstanceEBSBandwidthLabel,
  InstanceNetworkBandwidthLabel,
  InstanceGPUNameLabel,
  InstanceGPUManufacturerLabel,
  InstanceGPUCountLabel,
  InstanceGPUMemoryLabel,
  InstanceAcceleratorNameLabel,
  InstanceAcceleratorManufacturerLabel,
  InstanceAcceleratorCountLabel,
  NitroSandboxLabel,
  InstanceCapabilityFlexLabel,
] as const;

/** Labels of how a node is launched (tenancy, reservation, placement group): allowed in requirements. */
export const AWSLaunchLabels = [
  InstanceTenancyLabel,
  CapacityReservationIDLabel,
  CapacityReservationTypeLabel,
  CapacityReservationInterruptibleLabel,
  PlacementGroupIDLabel,
  PlacementGroupPartitionLabel,
] as const;

/** Kubernetes labels a NodePool may constrain even though their domain is restricted. */
export const KubernetesWellKnownLabels = [
  "beta.kubernetes.io/instance-type",
  "failure-domain.beta.kubernetes.io/region",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "failure-domain.beta.kubernetes.io/zone",
  ZoneLabel,
  RegionLabel,
  InstanceTypeLabel,
  ArchLabel,
  OSLabel,
  WindowsBuildLabel,
] as const;

/** Domains whose labels only Kubernetes, Karpenter or the provider may set. */
export const RestrictedLabelDomains = ["kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws"] as const;
/** Sub-domains of restricted domains that users may still use. */
export const LabelDomainExceptions = ["kops.k8s.io", "node.kubernetes.io", "node-restriction.kubernetes.io"] as const;

// Capacity types
export const CapacityTypeSpot = "spot";
export const CapacityTypeOnDemand = "on-demand";
export const CapacityTypeReserved = "reserved";
export const CapacityTypes = [CapacityTypeReserved, CapacityTypeSpot, CapacityTypeOnDemand] as const;
export type CapacityType = (typeof CapacityTypes)[number];

/**
 * Labels every node tenon launches carries with a value known from its instance type, NodePool or
 * offering: Karpenter's WellKnownLabels plus the AWS provider's registrations. The solver lets a
 * pod require these even where its NodePool does not mention them; node metrics carry them.
 */
export const WellKnownNodeLabels: readonly string[] = [
  NodePoolLabel,
  ZoneLabel,
  RegionLabel,
  InstanceTypeLabel,
  ArchLabel,
  OSLabel,
  CapacityTypeLabel,
  WindowsBuildLabel,
  ZoneIDLabel,
  EC2NodeClassLabel,
  ...AWSLaunchLabels,
  ...AWSInstanceLabels,
];

// Annotations
export const DoNotDisruptAnnotation = "karpenter.sh/do-not-disrupt";
export const NodePoolHashAnnotation = "karpenter.sh/nodepool-hash";
export const NodePoolHashVersionAnnotation = "karpenter.sh/nodepool-hash-version";
export const NodeClaimMinValuesRelaxedAnnotation = "karpenter.sh/nodeclaim-min-values-relaxed";
/** Set on a NodeClaim when a NodeOverlay changed the price of one of its instance types: the launch then follows those prices. */
export const PriceOverlayAppliedAnnotation = "karpenter.sh/price-overlay-applied";
/** Set on a NodeClaim when a NodeOverlay added capacity to one of its instance types. */
export const CapacityOverlayAppliedAnnotation = "karpenter.sh/capacity-overlay-applied";
export const EC2NodeClassHashAnnotation = "karpenter.k8s.aws/ec2nodeclass-hash";
export const EC2NodeClassHashVersionAnnotation = "karpenter.k8s.aws/ec2nodeclass-hash-version";
export const TerminationTimestampAnnotation = "karpenter.sh/nodeclaim-termination-timestamp";

// Taints
export const DisruptedTaintKey = "karpenter.sh/disrupted";
export const UnregisteredTaintKey = "karpenter.sh/unregistered";

// Finalizers
export const TerminationFinalizer = "karpenter.sh/termination";
export const NodeClassTerminationFinalizer = "karpenter.k8s.aws/termination";

// EC2 tags written on every resource tenon creates
export const ManagedByTag = "karpenter.sh/managed-by";
export const NodePoolTag = NodePoolLabel;
export const NodeClaimTag = "karpenter.sh/nodeclaim";
export const EC2NodeClassTag = EC2NodeClassLabel;
export const EKSClusterNameTag = "eks:eks-cluster-name";
export const InstanceTaggedAnnotation = "karpenter.k8s.aws/tagged";
export const ClusterNameTaggedAnnotation = "compatibility.karpenter.k8s.aws/cluster-name-tagged";
export const clusterOwnershipTag = (clusterName: string): string => `kubernetes.io/cluster/${clusterName}`;
export const NameTag = "Name";

// Condition types (NodeClaim)
export const ConditionLaunched = "Launched";
export const ConditionRegistered = "Registered";
export const ConditionInitialized = "Initialized";
export const ConditionDrifted = "Drifted";
export const ConditionConsolidatable = "Consolidatable";
export const ConditionConsistentStateFound = "ConsistentStateFound";
export const ConditionReady = "Ready";
/** True while a disruption command is taking the node away; reason and message are the disruption reason (Karpenter's markDisrupted). */
export const ConditionDisruptionReason = "DisruptionReason";
export const ConditionDrained = "Drained";
export const ConditionVolumesDetached = "VolumesDetached";
export const ConditionInstanceTerminating = "InstanceTerminating";
// Condition types (NodePool, EC2NodeClass)
export const ConditionNodeClassReady = "NodeClassReady";
/** False when launches from a pool keep failing to register: a misconfiguration to look into. */
export const ConditionNodeRegistrationHealthy = "NodeRegistrationHealthy";
export const ConditionValidationSucceeded = "ValidationSucceeded";
export const ConditionSubnetsReady = "SubnetsReady";
export const ConditionSecurityGroupsReady = "SecurityGroupsReady";
export const ConditionAMIsReady = "AMIsReady";
export const ConditionInstanceProfileReady = "InstanceProfileReady";
export const ConditionCapacityReservationsReady = "CapacityReservationsReady";
export const ConditionPlacementGroupReady = "PlacementGroupReady";
