// spec.kubelet: any field of the upstream KubeletConfiguration (k8s.io/kubelet config/v1beta1), as
// Karpenter v1.14 takes it. Karpenter's CRD leaves spec.kubelet an open object and validates it in
// the controller (an unknown field, a wrong type or a broken rule sets the EC2NodeClass aside
// rather than failing the apply), so the CRD generator renders this schema as an open object and
// zod is where the checks live.
import { z } from "zod";
import { isQuantity } from "../core/quantity.js";
import { QuantityPattern, QuantityStringSchema } from "./common.js";
import { parseDuration } from "./duration.js";
import { withMeta, withRules } from "./rules.js";

/** Marks a schema the CRD renders as an open object: the controller, not the API server, checks it. */
export const ControllerValidated = "x-tenon-controller-validated";

const int32 = () => z.number().int().min(-2147483648).max(2147483647).meta({ format: "int32" });
const int64 = () => z.number().int();
const str = () => z.string();
const bool = () => z.boolean();
const strings = () => z.array(z.string());
const stringMap = () => z.record(z.string(), z.string());
/** metav1.Duration: a Go duration string. */
const duration = () =>
  z.string().refine(
    (d) => {
      try {
        parseDuration(d);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a duration like "30s" or "5m"' },
  );
/** A nested upstream struct tenon passes through as given. */
const struct = () => z.record(z.string(), z.unknown());

const evictionSignals = ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "imagefs.inodesFree", "pid.available"];
const signalList = `[${evictionSignals.map((s) => `'${s}'`).join(",")}]`;
const EvictionThresholdPattern = `^((\\d{1,2}(\\.\\d{1,2})?|100(\\.0{1,2})?)%|${QuantityPattern.slice(1, -1)})$`;
/** A percentage, or a quantity the kubelet can read (the pattern alone admits "1e1.5"). */
const evictionThreshold = () =>
  z
    .string()
    .regex(new RegExp(EvictionThresholdPattern), "must be a percentage or a quantity")
    .refine((v) => v.endsWith("%") || (isQuantity(v) && !v.startsWith("-")), { message: "is not a non-negative quantity Kubernetes can read (an exponent must be a whole number, e.g. 1e3)", abort: true });
const evictionMap = (field: string, value: z.ZodType<string>) =>
  withRules(z.record(z.string(), value), [
    {
      message: `valid keys for ${field} are ${signalList}`,
      rule: `self.all(x, x in ${signalList})`,
      check: (m) => Object.keys(m).every((k) => evictionSignals.includes(k)),
    },
  ]);
const reservedKeys = ["cpu", "memory", "ephemeral-storage", "pid"];
const reservedMap = (field: string) =>
  withRules(z.record(z.string(), QuantityStringSchema), [
    {
      message: `valid keys for ${field} are ['cpu','memory','ephemeral-storage','pid']`,
      rule: "self.all(x, x=='cpu' || x=='memory' || x=='ephemeral-storage' || x=='pid')",
      check: (m) => Object.keys(m).every((k) => reservedKeys.includes(k)),
    },
    {
      message: `${field} value cannot be a negative resource quantity`,
      rule: "self.all(x, !self[x].startsWith('-'))",
      check: (m) => Object.values(m).every((v) => !v.startsWith("-")),
    },
  ]);

/** The fields tenon reads itself (scheduling, user data), with the rules Karpenter enforces on them. */
const readFields = {
  clusterDNS: strings().optional(),
  maxPods: int32().min(0).optional(),
  podsPerCore: int32().min(0).optional(),
  systemReserved: reservedMap("systemReserved").optional(),
  kubeReserved: reservedMap("kubeReserved").optional(),
  evictionHard: evictionMap("evictionHard", evictionThreshold()).optional(),
  evictionSoft: evictionMap("evictionSoft", evictionThreshold()).optional(),
  evictionSoftGracePeriod: evictionMap("evictionSoftGracePeriod", duration()).optional(),
  evictionMinimumReclaim: evictionMap("evictionMinimumReclaim", evictionThreshold()).optional(),
  evictionMaxPodGracePeriod: int32().min(0).optional(),
  imageGCHighThresholdPercent: int32().min(0).max(100).optional(),
  imageGCLowThresholdPercent: int32().min(0).max(100).optional(),
  cpuCFSQuota: bool().optional(),
};

/** Every other upstream field, typed as upstream types it, passed to the node as given. */
const passThroughFields = {
  enableServer: bool(),
  staticPodPath: str(),
  podLogsDir: str(),
  syncFrequency: duration(),
  fileCheckFrequency: duration(),
  httpCheckFrequency: duration(),
  staticPodURL: str(),
  staticPodURLHeader: z.record(z.string(), strings()),
  address: str(),
  port: int32(),
  readOnlyPort: int32(),
  tlsCertFile: str(),
  tlsPrivateKeyFile: str(),
  tlsCipherSuites: strings(),
  tlsCurvePreferences: z.array(int32()),
  tlsMinVersion: str(),
  rotateCertificates: bool(),
  serverTLSBootstrap: bool(),
  authentication: struct(),
  authorization: struct(),
  registryPullQPS: int32(),
  registryBurst: int32(),
  imagePullCredentialsVerificationPolicy: str(),
  preloadedImagesVerificationAllowlist: strings(),
  eventRecordQPS: int32(),
  eventBurst: int32(),
  enableDebuggingHandlers: bool(),
  enableContentionProfiling: bool(),
  healthzPort: int32(),
  healthzBindAddress: str(),
  oomScoreAdj: int32(),
  clusterDomain: str(),
  streamingConnectionIdleTimeout: duration(),
  nodeStatusUpdateFrequency: duration(),
  nodeStatusReportFrequency: duration(),
  nodeLeaseDurationSeconds: int32(),
  imageMinimumGCAge: duration(),
  imageMaximumGCAge: duration(),
  volumeStatsAggPeriod: duration(),
  kubeletCgroups: str(),
  systemCgroups: str(),
  cgroupRoot: str(),
  cgroupsPerQOS: bool(),
  cgroupDriver: str(),
  cpuManagerPolicy: str(),
  singleProcessOOMKill: bool(),
  cpuManagerPolicyOptions: stringMap(),
  cpuManagerReconcilePeriod: duration(),
  memoryManagerPolicy: str(),
  topologyManagerPolicy: str(),
  topologyManagerScope: str(),
  topologyManagerPolicyOptions: stringMap(),
  qosReserved: stringMap(),
  runtimeRequestTimeout: duration(),
  hairpinMode: str(),
  podCIDR: str(),
  podPidsLimit: int64(),
  resolvConf: str(),
  runOnce: bool(),
  cpuCFSQuotaPeriod: duration(),
  nodeStatusMaxImages: int32(),
  maxOpenFiles: int64(),
  contentType: str(),
  kubeAPIQPS: int32(),
  kubeAPIBurst: int32(),
  serializeImagePulls: bool(),
  maxParallelImagePulls: int32(),
  evictionPressureTransitionPeriod: duration(),
  mergeDefaultEvictionSettings: bool(),
  enableControllerAttachDetach: bool(),
  protectKernelDefaults: bool(),
  makeIPTablesUtilChains: bool(),
  iptablesMasqueradeBit: int32(),
  iptablesDropBit: int32(),
  featureGates: z.record(z.string(), z.boolean()),
  failSwapOn: bool(),
  memorySwap: struct(),
  containerLogMaxSize: str(),
  containerLogMaxFiles: int32(),
  containerLogMaxWorkers: int32(),
  containerLogMonitorInterval: duration(),
  configMapAndSecretChangeDetectionStrategy: str(),
  reservedSystemCPUs: str(),
  showHiddenMetricsForVersion: str(),
  systemReservedCgroup: str(),
  kubeReservedCgroup: str(),
  enforceNodeAllocatable: strings(),
  allowedUnsafeSysctls: strings(),
  volumePluginDir: str(),
  providerID: str(),
  kernelMemcgNotification: bool(),
  logging: struct(),
  enableSystemLogHandler: bool(),
  enableSystemLogQuery: bool(),
  shutdownGracePeriod: duration(),
  shutdownGracePeriodCriticalPods: duration(),
  shutdownGracePeriodByPodPriority: z.array(z.object({ priority: int32(), shutdownGracePeriodSeconds: int64() })),
  crashLoopBackOff: struct(),
  reservedMemory: z.array(z.object({ numaNode: int32(), limits: z.record(z.string(), QuantityStringSchema) })),
  enableProfilingHandler: bool(),
  enableDebugFlagsHandler: bool(),
  seccompDefault: bool(),
  memoryThrottlingFactor: z.number(),
  registerNode: bool(),
  tracing: struct(),
  localStorageCapacityIsolation: bool(),
  containerRuntimeEndpoint: str(),
  imageServiceEndpoint: str(),
  failCgroupV1: bool(),
  userNamespaces: struct(),
};

const optional = <T extends Record<string, z.ZodType>>(fields: T) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };

export const KubeletConfigurationSchema = withMeta(
  withRules(
    z.strictObject({
      ...readFields,
      ...optional(passThroughFields),
      // Karpenter refuses it: it sets the node's taints from the NodeClaim.
      registerWithTaints: z.never({ error: "can't be set, Karpenter sets it from the NodeClaim's taints so the node registers unschedulable until it's ready" }).optional(),
    }),
    [
      {
        message: "imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent",
        rule: "has(self.imageGCHighThresholdPercent) && has(self.imageGCLowThresholdPercent) ? self.imageGCHighThresholdPercent > self.imageGCLowThresholdPercent : true",
        check: (k) => k.imageGCHighThresholdPercent === undefined || k.imageGCLowThresholdPercent === undefined || k.imageGCHighThresholdPercent > k.imageGCLowThresholdPercent,
      },
      {
        message: "evictionSoft OwnerKey does not have a matching evictionSoftGracePeriod",
        rule: "has(self.evictionSoft) ? self.evictionSoft.all(e, has(self.evictionSoftGracePeriod) && (e in self.evictionSoftGracePeriod)) : true",
        check: (k) => Object.keys(k.evictionSoft ?? {}).every((e) => k.evictionSoftGracePeriod?.[e] !== undefined),
      },
      {
        message: "evictionSoftGracePeriod OwnerKey does not have a matching evictionSoft",
        rule: "has(self.evictionSoftGracePeriod) ? self.evictionSoftGracePeriod.all(e, has(self.evictionSoft) && (e in self.evictionSoft)) : true",
        check: (k) => Object.keys(k.evictionSoftGracePeriod ?? {}).every((e) => k.evictionSoft?.[e] !== undefined),
      },
    ],
  ),
  {
    [ControllerValidated]: true,
    description:
      "Kubelet configures the kubelet on provisioned nodes: any field of the upstream KubeletConfiguration. The controller validates it (unknown fields, types, eviction signals, reserved resources, thresholds) and sets an invalid EC2NodeClass aside.",
  },
);
export type KubeletConfiguration = z.infer<typeof KubeletConfigurationSchema>;
