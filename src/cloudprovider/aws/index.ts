// The AWS cloud provider's public surface.
export { AWSCloudProvider } from "./provider.js";
export type { AWSCloudProviderOptions } from "./options.js";
export { createAWSClients, type AWSClients, type AWSClientSettings } from "./clients.js";
export { NodeClassResolver, resolveNodeClass, isNodeClassReady, type NodeClassResolverDeps, type RefreshFailure, type ResolvedStatus } from "./nodeclass/resolve.js";
export { nodeClassHash, NODECLASS_HASH_VERSION } from "./nodeclass/hash.js";
export { instanceProfileName } from "./nodeclass/instanceprofile.js";
export { loadCatalogInstanceTypes, catalogRegions, ESTIMATED_SPOT_FRACTION_OF_ON_DEMAND, type CatalogOptions } from "./catalog.js";
export { toInstanceType, type ConversionOptions } from "./instancetype/instancetypes.js";
export { UnavailableOfferings, UNAVAILABLE_OFFERING_TTL_MS } from "./unavailableofferings.js";
export { amiFamilyOf } from "./amifamily.js";
