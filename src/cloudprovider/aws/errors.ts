// Classifying AWS errors, and turning the ones a user can fix into messages that name the
// EC2NodeClass, the field and the fix.
import { NodeClassNotReadyError } from "../errors.js";

/** The error code of an AWS SDK v3 error (its `name`, or `Code` in some EC2 answers). */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; code?: unknown };
  for (const v of [e.Code, e.code, e.name]) if (typeof v === "string" && v !== "Error") return v;
  return undefined;
}

const notFoundCodes = new Set([
  "InvalidInstanceID.NotFound",
  "InvalidInstanceID.Malformed",
  "InvalidLaunchTemplateName.NotFoundException",
  "InvalidLaunchTemplateId.NotFound",
  "InvalidAMIID.NotFound",
  "NoSuchEntity",
  "NoSuchEntityException",
  "ParameterNotFound",
]);
export const isNotFound = (err: unknown): boolean => notFoundCodes.has(awsErrorCode(err) ?? "");

/** Codes EC2 gives when it has no capacity for a launch (Karpenter's list). */
export const insufficientCapacityCodes = new Set([
  "InsufficientInstanceCapacity",
  "InsufficientCapacity",
  "MaxSpotInstanceCountExceeded",
  "VcpuLimitExceeded",
  "UnfulfillableCapacity",
  "Unsupported",
  "InsufficientFreeAddressesInSubnet",
  "ReservationCapacityExceeded",
  "SpotMaxPriceTooLow",
]);
/** Of those, the ones that mean "this zone or type, not the request" rather than an account-wide limit. */
export const isInsufficientCapacityCode = (code: string | undefined): boolean => insufficientCapacityCodes.has(code ?? "");

const unauthorizedCodes = new Set(["UnauthorizedOperation", "AccessDenied", "AccessDeniedException", "AuthFailure"]);
export const isUnauthorized = (err: unknown): boolean => unauthorizedCodes.has(awsErrorCode(err) ?? "");

export const isAlreadyExists = (err: unknown): boolean => {
  const c = awsErrorCode(err) ?? "";
  return c === "EntityAlreadyExists" || c === "EntityAlreadyExistsException" || c === "InvalidLaunchTemplateName.AlreadyExistsException";
};

/** The message of any thrown value. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A user-facing problem with an EC2NodeClass: `EC2NodeClass "x": <field> <what>; <fix>`.
 * Permission problems name the IAM action so the fix is one policy line.
 */
export function nodeClassMessage(nodeClass: string, field: string, problem: string, fix: string): string {
  return `EC2NodeClass "${nodeClass}": ${field} ${problem}; ${fix}`;
}

export function describeAWSFailure(nodeClass: string, field: string, action: string, err: unknown): string {
  if (isUnauthorized(err)) {
    return nodeClassMessage(nodeClass, field, `could not be resolved: the controller's role may not call ${action} (${awsErrorCode(err)})`, `allow ${action} in the controller's IAM policy (see docs/iam-policy.md)`);
  }
  return nodeClassMessage(nodeClass, field, `could not be resolved: ${action} failed: ${errorMessage(err)}`, "check the AWS endpoint and credentials; tenon retries");
}

/**
 * An AWS call made to resolve a node class field gave no answer (throttled, 5xx, unreachable,
 * denied): nothing was learned, so the last resolved status stands and the call is retried. Not
 * to be confused with a ConfigurationError, which is an answer (no subnet matches, no such role).
 */
export class ResolutionFailure extends Error {
  constructor(
    nodeClass: string,
    /** The spec field being resolved, e.g. spec.subnetSelectorTerms. */
    readonly field: string,
    /** The call that failed, as its IAM action, e.g. ec2:DescribeSubnets. */
    readonly call: string,
    readonly error: unknown,
    /** What the call was about, when the field alone does not say (an SSM parameter's name). */
    target?: string,
  ) {
    super(describeAWSFailure(nodeClass, field, target ? `${call} (${target})` : call, error));
    this.name = "ResolutionFailure";
  }
}

/**
 * EC2 refused a launch because of the node class's placement group itself (gone, invalid, in use).
 * The node class cannot launch until it is resolved again, so this is a not-ready node class to the
 * NodeClaim lifecycle (an Event on the claim, a retry with backoff), and the provider has the node
 * class resolved again at once, so PlacementGroupReady tells what EC2 now says of the group.
 */
export class PlacementGroupUnusableError extends NodeClassNotReadyError {
  constructor(
    readonly nodeClass: string,
    readonly placementGroup: { id: string; name: string },
    readonly refusal: { code: string; message: string },
  ) {
    super(
      nodeClassMessage(
        nodeClass,
        "spec.placementGroupSelector",
        `selects placement group "${placementGroup.name || placementGroup.id}" (${placementGroup.id}), which EC2 refused for the launch (${refusal.code}: ${refusal.message})`,
        "check that the group exists, is available and suits the instance types; tenon resolves the node class again",
      ),
    );
    this.name = "PlacementGroupUnusableError";
  }
}
