/** The claim's instance does not exist (any more). Deleting it again is success. */
export class NodeClaimNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeClaimNotFoundError";
  }
}

/** No offering the claim allows had capacity; the claim should be deleted and its pods solved again. */
export class InsufficientCapacityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InsufficientCapacityError";
  }
}

/** The node class is not ready (unresolved subnets, AMIs …); launching must wait. */
export class NodeClassNotReadyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NodeClassNotReadyError";
  }
}

/** A user's configuration is wrong; the message names the object, the field and the fix. */
export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}
