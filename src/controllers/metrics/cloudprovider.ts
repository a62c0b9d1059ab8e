// Karpenter's cloud provider decorator: every call a controller makes through the CloudProvider
// seam is timed (karpenter_cloudprovider_duration_seconds) and its errors counted by kind
// (karpenter_cloudprovider_errors_total), labelled with the calling controller.
import { InsufficientCapacityError, NodeClaimNotFoundError, NodeClassNotReadyError } from "../../cloudprovider/errors.js";
import type { CloudProvider } from "../../cloudprovider/types.js";
import type { Metrics } from "../../operator/metrics.js";

/** The error label Karpenter gives the errors it knows; any other error is counted with an empty one. */
export function errorLabel(err: unknown): string {
  if (err instanceof NodeClaimNotFoundError) return "NodeClaimNotFoundError";
  if (err instanceof InsufficientCapacityError) return "InsufficientCapacityError";
  if (err instanceof NodeClassNotReadyError) return "NodeClassNotReadyError";
  return "";
}

/** Karpenter's method label for each method of the seam. */
const methodNames = { create: "Create", delete: "Delete", get: "Get", list: "List", getInstanceTypes: "GetInstanceTypes", isDrifted: "IsDrifted" } as const;

/** The provider, measured for one calling controller. */
export function measuredCloudProvider(inner: CloudProvider, controller: string, metrics: Metrics): CloudProvider {
  // Each method's error series exists from the start at 0, so a rate over it (dashboards, alerts) reads 0, not "no data".
  for (const method of Object.values(methodNames)) metrics.cloudProviderErrors.inc({ controller, method, provider: inner.name, error: "" }, 0);
  const measure = async <T>(method: keyof typeof methodNames, call: () => Promise<T>): Promise<T> => {
    const labels = { controller, method: methodNames[method], provider: inner.name };
    const end = metrics.cloudProviderDuration.startTimer(labels);
    try {
      return await call();
    } catch (err) {
      metrics.cloudProviderErrors.inc({ ...labels, error: errorLabel(err) });
      throw err;
    } finally {
      end();
    }
  };
  return {
    name: inner.name,
    create: (c) => measure("create", () => inner.create(c)),
    delete: (c) => measure("delete", () => inner.delete(c)),
    get: (id) => measure("get", () => inner.get(id)),
    list: () => measure("list", () => inner.list()),
    getInstanceTypes: (np) => measure("getInstanceTypes", () => inner.getInstanceTypes(np)),
    isDrifted: (c) => measure("isDrifted", () => inner.isDrifted(c)),
    getSupportedNodeClasses: () => inner.getSupportedNodeClasses(),
  };
}
