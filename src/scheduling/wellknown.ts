import {
  AWSInstanceLabels,
  ArchLabel,
  CapacityReservationIDLabel,
  CapacityReservationTypeLabel,
  CapacityTypeLabel,
  EC2NodeClassLabel,
  InstanceTypeLabel,
  NodePoolLabel,
  OSLabel,
  RegionLabel,
  WindowsBuildLabel,
  ZoneIDLabel,
  ZoneLabel,
} from "../apis/labels.js";

/**
 * Labels every node tenon launches carries with a value known from its instance type, NodePool or
 * offering. A pod may require one of these even when its NodePool does not mention it (the
 * instance types narrow it instead); custom labels must be defined by the NodePool. This is
 * Karpenter's WellKnownLabels plus the AWS provider's registrations.
 */
export const WellKnownLabels: ReadonlySet<string> = new Set<string>([
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
  CapacityReservationIDLabel,
  CapacityReservationTypeLabel,
  ...AWSInstanceLabels,
]);
