import { z } from "zod";
import { kubeletFieldsRefused } from "./kubeletfamilies.js";
import { ConditionSchema, ObjectMetaSchema } from "./common.js";
import { KubeletConfigurationSchema } from "./kubelet.js";
import { type CelRule, withRules } from "./rules.js";

const tagSelector = () =>
  withRules(z.record(z.string(), z.string()).meta({ maxProperties: 20 }), [
    {
      message: "empty tag keys or values aren't supported",
      rule: "self.all(k, k != '' && self[k] != '')",
      check: (tags) => Object.entries(tags).every(([k, v]) => k !== "" && v !== ""),
    },
  ]);

const has = (o: object, k: string): boolean => (o as Record<string, unknown>)[k] !== undefined;
const celHas = (fields: string[]) => fields.map((f) => `has(x.${f})`).join(" || ");

/** "at least one of", "x is exclusive" rules shared by every selector-term list. */
function termRules<T extends object>(list: string, fields: string[], exclusive: string[]): CelRule<T[]>[] {
  const rules: CelRule<T[]>[] = [
    {
      message: `expected at least one, got none, [${fields.map((f) => `'${f}'`).join(", ")}]`,
      rule: `self.all(x, ${celHas(fields)})`,
      check: (terms) => terms.every((t) => fields.some((f) => has(t, f))),
    },
  ];
  for (const f of exclusive) {
    const others = fields.filter((o) => o !== f);
    rules.push({
      message: `'${f}' is mutually exclusive, cannot be set with a combination of other fields in ${list}`,
      rule: `!self.exists(x, has(x.${f}) && (${others.map((o) => `has(x.${o})`).join(" || ")}))`,
      check: (terms) => !terms.some((t) => has(t, f) && others.some((o) => has(t, o))),
    });
  }
  return rules;
}

export const SubnetSelectorTermSchema = z.object({
  tags: tagSelector().optional(),
  id: z.string().regex(/^subnet-[0-9a-z]+$/, "must be a subnet ID like subnet-0123abcd").optional(),
});
export const SecurityGroupSelectorTermSchema = z.object({
  tags: tagSelector().optional(),
  id: z.string().regex(/^sg-[0-9a-z]+$/, "must be a security group ID like sg-0123abcd").optional(),
  name: z.string().optional(),
});
export const CapacityReservationSelectorTermSchema = z.object({
  tags: tagSelector().optional(),
  id: z.string().regex(/^cr-[0-9a-z]+$/, "must be a capacity reservation ID like cr-0123abcd").optional(),
  ownerID: z.string().regex(/^[0-9]{12}$/, "must be a 12-digit AWS account ID").optional(),
  instanceMatchCriteria: z.enum(["open", "targeted"]).optional(),
});

export const PlacementGroupSelectorSchema = withRules(
  z.object({
    name: z.string().min(1).optional(),
    id: z.string().regex(/^pg-[0-9a-z]+$/, "must be a placement group ID like pg-0123abcd").optional(),
  }),
  [
    { message: "expected at least one, got none, ['name', 'id']", rule: "has(self.name) || has(self.id)", check: (p) => p.name !== undefined || p.id !== undefined },
    { message: "'name' and 'id' are mutually exclusive", rule: "!(has(self.name) && has(self.id))", check: (p) => !(p.name !== undefined && p.id !== undefined) },
  ],
);
export type PlacementGroupSelector = z.infer<typeof PlacementGroupSelectorSchema>;

export const NetworkInterfaceSchema = z.object({
  networkCardIndex: z.number().int().min(0).meta({ format: "int32" }),
  deviceIndex: z.number().int().min(0).meta({ format: "int32" }),
  interfaceType: z.enum(["interface", "efa-only"]),
});
export type NetworkInterface = z.infer<typeof NetworkInterfaceSchema>;

export const ConnectionTrackingSchema = withRules(
  z.object({
    tcpEstablishedTimeout: z.number().int().min(60).max(432000).optional().meta({ format: "int32" }),
    udpStreamTimeout: z.number().int().min(60).max(180).optional().meta({ format: "int32" }),
    udpTimeout: z.number().int().min(30).max(60).optional().meta({ format: "int32" }),
  }),
  [
    {
      message: "at least one of tcpEstablishedTimeout, udpStreamTimeout, or udpTimeout must be set",
      rule: "has(self.tcpEstablishedTimeout) || has(self.udpStreamTimeout) || has(self.udpTimeout)",
      check: (c) => c.tcpEstablishedTimeout !== undefined || c.udpStreamTimeout !== undefined || c.udpTimeout !== undefined,
    },
  ],
);
export type ConnectionTracking = z.infer<typeof ConnectionTrackingSchema>;

export const CPUOptionsSchema = z.object({ nestedVirtualization: z.enum(["enabled", "disabled"]).optional() });
export type CPUOptions = z.infer<typeof CPUOptionsSchema>;

export const AMIFamilies = ["AL2", "AL2023", "Bottlerocket", "Custom", "Windows2019", "Windows2022", "Windows2025"] as const;
export type AMIFamily = (typeof AMIFamilies)[number];
export const AliasFamilies = ["al2", "al2023", "bottlerocket", "windows2019", "windows2022", "windows2025"] as const;
const WindowsAliasFamilies = ["windows2019", "windows2022", "windows2025"];

export const AMISelectorTermSchema = z.object({
  alias: withRules(z.string().max(30), [
    {
      message: "'alias' is improperly formatted, must match the format 'family@version'",
      rule: "self.matches('^[a-zA-Z0-9]+@.+$')",
      check: (a) => /^[a-zA-Z0-9]+@.+$/.test(a),
    },
    {
      message: `family is not supported, must be one of the following: ${AliasFamilies.map((f) => `'${f}'`).join(", ")}`,
      rule: `self.split('@')[0] in [${AliasFamilies.map((f) => `'${f}'`).join(",")}]`,
      check: (a) => (AliasFamilies as readonly string[]).includes(a.split("@")[0] ?? ""),
    },
    {
      message: "windows families may only specify version 'latest'",
      rule: `self.split('@')[0] in [${WindowsAliasFamilies.map((f) => `'${f}'`).join(",")}] ? self.split('@')[1] == 'latest' : true`,
      check: (a) => !WindowsAliasFamilies.includes(a.split("@")[0] ?? "") || a.split("@")[1] === "latest",
    },
  ]).optional(),
  tags: tagSelector().optional(),
  id: z.string().regex(/^ami-[0-9a-z]+$/, "must be an AMI ID like ami-0123abcd").optional(),
  name: z.string().optional(),
  owner: z.string().optional(),
  ssmParameter: z.string().optional(),
});

export { KubeletConfigurationSchema, type KubeletConfiguration } from "./kubelet.js";

export const BlockDeviceSchema = withRules(
  z.object({
    deleteOnTermination: z.boolean().optional(),
    encrypted: z.boolean().optional(),
    iops: z.number().int().optional(),
    kmsKeyID: z.string().optional(),
    snapshotID: z.string().optional(),
    throughput: z.number().int().optional(),
    volumeInitializationRate: z.number().int().min(100).max(300).optional(),
    volumeSize: z
      .string()
      .regex(
        /^((?:[1-9][0-9]{0,3}|[1-4][0-9]{4}|[5][0-8][0-9]{3}|59000)Gi|(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|[6][0-3][0-9]{3}|64000)G|([1-9]||[1-5][0-7]|58)Ti|([1-9]||[1-5][0-9]|6[0-3]|64)T)$/,
        'must be a size in Gi, G, Ti or T like "100Gi"',
      )
      .optional(),
    volumeType: z.enum(["standard", "io1", "io2", "gp2", "sc1", "st1", "gp3"]).optional(),
  }),
  [
    {
      message: "snapshotID or volumeSize must be defined",
      rule: "has(self.snapshotID) || has(self.volumeSize)",
      check: (b) => b.snapshotID !== undefined || b.volumeSize !== undefined,
    },
    {
      message: "snapshotID must be set when volumeInitializationRate is set",
      rule: "!has(self.volumeInitializationRate) || (has(self.snapshotID) && self.snapshotID != '')",
      check: (b) => b.volumeInitializationRate === undefined || (b.snapshotID !== undefined && b.snapshotID !== ""),
    },
  ],
);
export const BlockDeviceMappingSchema = z.object({
  deviceName: z.string().optional(),
  ebs: BlockDeviceSchema.optional(),
  rootVolume: z.boolean().optional(),
});
export type BlockDeviceMapping = z.infer<typeof BlockDeviceMappingSchema>;

export const MetadataOptionsSchema = z.object({
  httpEndpoint: z.enum(["enabled", "disabled"]).default("enabled"),
  httpProtocolIPv6: z.enum(["enabled", "disabled"]).default("disabled"),
  httpPutResponseHopLimit: z.number().int().min(1).max(64).default(1),
  httpTokens: z.enum(["required", "optional"]).default("required"),
});
export type MetadataOptions = z.infer<typeof MetadataOptionsSchema>;

/** A tag key tenon (like Karpenter) writes itself; `prefix` refuses every key starting with it. */
const restrictedTag = (tag: string, prefix?: string): CelRule<Record<string, string>> => ({
  message: `tag contains a restricted tag matching ${tag}`,
  rule: prefix !== undefined ? `self.all(k, !k.startsWith('${prefix}'))` : `self.all(k, k != '${tag}')`,
  check: (tags) => Object.keys(tags).every((k) => (prefix !== undefined ? !k.startsWith(prefix) : k !== tag)),
});

const aliasFamilyRule = (alias: string, family: AMIFamily): CelRule<{ amiFamily?: string | undefined; amiSelectorTerms: { alias?: string | undefined }[] }> => ({
  message: `if set, amiFamily must be '${family}' or 'Custom' when using ${family.startsWith("AL") ? "an" : "a"} ${family} alias`,
  rule: `!has(self.amiFamily) || (self.amiSelectorTerms.exists(x, has(x.alias) && x.alias.find('^[^@]+') == '${alias}') ? (self.amiFamily == 'Custom' || self.amiFamily == '${family}') : true)`,
  check: (s) => s.amiFamily === undefined || !s.amiSelectorTerms.some((t) => t.alias?.split("@")[0] === alias) || s.amiFamily === "Custom" || s.amiFamily === family,
});

export const EC2NodeClassSpecSchema = withRules(
  z.object({
    subnetSelectorTerms: withRules(z.array(SubnetSelectorTermSchema).max(30), [
      { message: "subnetSelectorTerms cannot be empty", rule: "self.size() != 0", check: (t) => t.length !== 0 },
      ...termRules<z.infer<typeof SubnetSelectorTermSchema>>("subnetSelectorTerms", ["tags", "id"], ["id"]),
    ]),
    securityGroupSelectorTerms: withRules(z.array(SecurityGroupSelectorTermSchema).max(30), [
      { message: "securityGroupSelectorTerms cannot be empty", rule: "self.size() != 0", check: (t) => t.length !== 0 },
      ...termRules<z.infer<typeof SecurityGroupSelectorTermSchema>>("securityGroupSelectorTerms", ["tags", "id", "name"], ["id", "name"]),
    ]),
    capacityReservationSelectorTerms: withRules(z.array(CapacityReservationSelectorTermSchema).max(30), [
      // Karpenter's rules, spelt as its CRD spells them (`!self.all`: refused only when every term breaks it).
      {
        message: "expected at least one, got none, ['tags', 'id', 'instanceMatchCriteria']",
        rule: "self.all(x, has(x.tags) || has(x.id) || has(x.instanceMatchCriteria))",
        check: (ts) => ts.every((t) => t.tags !== undefined || t.id !== undefined || t.instanceMatchCriteria !== undefined),
      },
      {
        message: "'id' is mutually exclusive, cannot be set along with other fields in a capacity reservation selector term",
        rule: "!self.all(x, has(x.id) && (has(x.tags) || has(x.ownerID) || has(x.instanceMatchCriteria)))",
        check: (ts) => !ts.every((t) => t.id !== undefined && (t.tags !== undefined || t.ownerID !== undefined || t.instanceMatchCriteria !== undefined)),
      },
    ]).optional(),
    placementGroupSelector: PlacementGroupSelectorSchema.optional(),
    associatePublicIPAddress: z.boolean().optional(),
    ipPrefixCount: z.number().int().min(0).optional().meta({ format: "int32" }),
    amiSelectorTerms: withRules(z.array(AMISelectorTermSchema).min(1).max(30), [
      {
        message: "expected at least one, got none, ['tags', 'id', 'name', 'alias', 'ssmParameter']",
        rule: "self.all(x, has(x.tags) || has(x.id) || has(x.name) || has(x.alias) || has(x.ssmParameter))",
        check: (ts) => ts.every((t) => t.tags !== undefined || t.id !== undefined || t.name !== undefined || t.alias !== undefined || t.ssmParameter !== undefined),
      },
      {
        message: "'id' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms",
        rule: "!self.exists(x, has(x.id) && (has(x.alias) || has(x.tags) || has(x.name) || has(x.owner) || has(x.ssmParameter)))",
        check: (ts) => !ts.some((t) => t.id !== undefined && (t.alias !== undefined || t.tags !== undefined || t.name !== undefined || t.owner !== undefined || t.ssmParameter !== undefined)),
      },
      {
        message: "'alias' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms",
        rule: "!self.exists(x, has(x.alias) && (has(x.id) || has(x.tags) || has(x.name) || has(x.owner) || has(x.ssmParameter)))",
        check: (ts) => !ts.some((t) => t.alias !== undefined && (t.id !== undefined || t.tags !== undefined || t.name !== undefined || t.owner !== undefined || t.ssmParameter !== undefined)),
      },
      {
        message: "'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms",
        rule: "!(self.exists(x, has(x.alias)) && self.size() != 1)",
        check: (ts) => !(ts.some((t) => t.alias !== undefined) && ts.length !== 1),
      },
    ]),
    amiFamily: z.enum(AMIFamilies).optional(),
    userData: z.string().optional(),
    role: withRules(z.string(), [
      { message: "role cannot be empty", rule: "self != ''", check: (r) => r !== "" },
      { message: "immutable field changed", rule: "self == oldSelf" },
    ]).optional(),
    instanceProfile: withRules(z.string(), [{ message: "instanceProfile cannot be empty", rule: "self != ''", check: (p) => p !== "" }]).optional(),
    tags: withRules(z.record(z.string(), z.string()), [
      { message: "empty tag keys aren't supported", rule: "self.all(k, k != '')", check: (t) => Object.keys(t).every((k) => k !== "") },
      restrictedTag("eks:eks-cluster-name"),
      restrictedTag("kubernetes.io/cluster/", "kubernetes.io/cluster"),
      restrictedTag("karpenter.sh/nodepool"),
      restrictedTag("karpenter.sh/nodeclaim"),
      restrictedTag("karpenter.k8s.aws/ec2nodeclass"),
    ]).optional(),
    kubelet: KubeletConfigurationSchema.optional(),
    blockDeviceMappings: withRules(z.array(BlockDeviceMappingSchema).max(50), [
      {
        message: "must have only one blockDeviceMappings with rootVolume",
        rule: "self.filter(x, has(x.rootVolume) ? x.rootVolume == true : false).size() <= 1",
        check: (bs) => bs.filter((b) => b.rootVolume === true).length <= 1,
      },
    ]).optional(),
    instanceStorePolicy: z.enum(["RAID0"]).optional(),
    networkInterfaces: withRules(z.array(NetworkInterfaceSchema).max(150), [
      {
        message: "networkInterfaces must include a primary interface with interfaceType='interface'",
        rule: "self.size() == 0 || self.exists(x, x.deviceIndex == 0 && x.networkCardIndex == 0 && x.interfaceType == 'interface')",
        check: (ns) => ns.length === 0 || ns.some((n) => n.deviceIndex === 0 && n.networkCardIndex === 0 && n.interfaceType === "interface"),
      },
      {
        message: "networkInterfaces must not have duplicate networkCardIndex and deviceIndex pairs, and can have at most one efa device per network card",
        rule: "self.all(x, self.filter(y, x.networkCardIndex == y.networkCardIndex && x.deviceIndex == y.deviceIndex).size() == 1 && (x.interfaceType != 'efa-only' || self.filter(y, x.networkCardIndex == y.networkCardIndex && y.interfaceType == 'efa-only').size() == 1))",
        check: (ns) =>
          ns.every(
            (x) =>
              ns.filter((y) => x.networkCardIndex === y.networkCardIndex && x.deviceIndex === y.deviceIndex).length === 1 &&
              (x.interfaceType !== "efa-only" || ns.filter((y) => x.networkCardIndex === y.networkCardIndex && y.interfaceType === "efa-only").length === 1),
          ),
      },
    ]).optional(),
    detailedMonitoring: z.boolean().optional(),
    metadataOptions: MetadataOptionsSchema.prefault({ httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" }),
    connectionTracking: ConnectionTrackingSchema.optional(),
    context: z.string().optional(),
    cpuOptions: CPUOptionsSchema.optional(),
  }),
  [
    {
      message: "must specify exactly one of ['role', 'instanceProfile']",
      rule: "(has(self.role) && !has(self.instanceProfile)) || (!has(self.role) && has(self.instanceProfile))",
      check: (s) => (s.role !== undefined) !== (s.instanceProfile !== undefined),
    },
    {
      message: "changing from 'instanceProfile' to 'role' is not supported. You must delete and recreate this node class if you want to change this.",
      rule: "(has(oldSelf.role) && has(self.role)) || (has(oldSelf.instanceProfile) && has(self.instanceProfile))",
    },
    aliasFamilyRule("al2", "AL2"),
    aliasFamilyRule("al2023", "AL2023"),
    aliasFamilyRule("bottlerocket", "Bottlerocket"),
    aliasFamilyRule("windows2019", "Windows2019"),
    aliasFamilyRule("windows2022", "Windows2022"),
    aliasFamilyRule("windows2025", "Windows2025"),
    {
      message: "must specify amiFamily if amiSelectorTerms does not contain an alias",
      rule: "self.amiSelectorTerms.exists(x, has(x.alias)) ? true : has(self.amiFamily)",
      check: (s) => s.amiSelectorTerms.some((t) => t.alias !== undefined) || s.amiFamily !== undefined,
    },
  ],
);
export type EC2NodeClassSpec = z.infer<typeof EC2NodeClassSpecSchema>;

const RequirementStatusSchema = z.object({
  key: z.string(),
  operator: z.string(),
  values: z.array(z.string()).optional(),
});

export const EC2NodeClassStatusSchema = z.object({
  subnets: z.array(z.object({ id: z.string(), zone: z.string(), zoneID: z.string().optional() })).optional(),
  securityGroups: z.array(z.object({ id: z.string(), name: z.string().optional() })).optional(),
  capacityReservations: z
    .array(
      z.object({
        id: z.string().regex(/^cr-[0-9a-z]+$/),
        availabilityZone: z.string(),
        instanceType: z.string(),
        ownerID: z.string().regex(/^[0-9]{12}$/),
        instanceMatchCriteria: z.enum(["open", "targeted"]),
        endTime: z.string().meta({ format: "date-time" }).optional(),
        reservationType: z.enum(["default", "capacity-block"]).default("default"),
        interruptible: z.boolean().optional(),
        state: z.enum(["active", "expiring"]).default("active"),
      }),
    )
    .optional(),
  amis: z
    .array(z.object({ id: z.string(), name: z.string().optional(), deprecated: z.boolean().optional(), requirements: z.array(RequirementStatusSchema) }))
    .optional(),
  instanceProfile: z.string().optional(),
  conditions: z.array(ConditionSchema).optional(),
});
export type EC2NodeClassStatus = z.infer<typeof EC2NodeClassStatusSchema>;

const aliasFamily: Record<string, string> = { al2: "AL2", al2023: "AL2023", bottlerocket: "Bottlerocket", windows2019: "Windows2019", windows2022: "Windows2022", windows2025: "Windows2025" };

// Not a CRD rule (spec.kubelet is the controller's to validate, as in Karpenter): a kubelet field
// the AMI family's bootstrap cannot carry sets the node class aside, naming the family and field.
export const EC2NodeClassSchema = z
  .object({
    apiVersion: z.literal("karpenter.k8s.aws/v1"),
    kind: z.literal("EC2NodeClass"),
    metadata: ObjectMetaSchema,
    spec: EC2NodeClassSpecSchema,
    status: EC2NodeClassStatusSchema.optional(),
  })
  .superRefine((nc, ctx) => {
    const alias = nc.spec.amiSelectorTerms.find((t) => t.alias !== undefined)?.alias;
    const family = nc.spec.amiFamily ?? aliasFamily[alias?.split("@")[0] ?? ""] ?? "Custom";
    const how = family === "Bottlerocket" ? "Bottlerocket's settings.kubernetes has no such setting" : "the Windows bootstrap takes kubelet flags only";
    for (const field of kubeletFieldsRefused(family, nc.spec.kubelet as Record<string, unknown> | undefined)) {
      ctx.addIssue({ code: "custom", path: ["spec", "kubelet", field], message: `the ${family} AMI family cannot take spec.kubelet.${field} (${how}); remove it, or use the AL2023 family, which takes every kubelet field` });
    }
  });
export type EC2NodeClass = z.infer<typeof EC2NodeClassSchema>;
export type EC2NodeClassInput = z.input<typeof EC2NodeClassSchema>;
