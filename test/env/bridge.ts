// The kubelet bridge: the part of a real cluster between an EC2 instance and its Node object,
// played against moto and the local API server. For every running instance tenon launched (tagged
// `karpenter.sh/nodeclaim`) it registers the Node that the instance's kubelet would: named by the
// private DNS name, with the provider ID, the kubelet's own labels, the labels and taints of
// --node-labels / registerWithTaints from the instance's user data (as nodeadm hands them to the
// kubelet), and capacity and allocatable from the instance type, computed the way the EKS AMIs
// configure the kubelet. kwok then plays the kubelet from there on: it keeps the Node Ready and
// runs its pods. When the instance is terminated (or gone), the bridge deletes the Node, as the
// cloud controller manager's node-lifecycle controller does.
//
// It deliberately does not reuse tenon's own code (user data, capacity): it is the other side of
// the contract, so a disagreement shows up as a test failure instead of being agreed away.
import {
  DescribeFleetsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type LaunchTemplateBlockDeviceMapping,
  ModifyInstanceAttributeCommand,
  ModifyVolumeCommand,
  type ResponseLaunchTemplateData,
  type Instance,
  type InstanceTypeInfo,
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import { CoreV1Api, type KubeConfig, type V1Node, type V1Taint } from "@kubernetes/client-node";
import { parse as parseYAML } from "yaml";

export const NODECLAIM_TAG = "karpenter.sh/nodeclaim";
export const NODEPOOL_LABEL = "karpenter.sh/nodepool";

export interface KubeletBridgeOptions {
  ec2: EC2Client;
  kubeConfig: KubeConfig;
  region: string;
  /** Reported in nodeInfo, e.g. "v1.34.4". */
  kubeletVersion: string;
  /** How often to look at the instances. Default 500 ms. */
  intervalMs?: number;
  /** How long an instance "boots" before its kubelet registers. Default 0. */
  bootDelayMs?: number;
  /** Memory the hypervisor and kernel keep: the node reports the rest as capacity. Default 0.05. */
  memoryOverheadFraction?: number;
  log?: (message: string) => void;
}

/** What nodeadm hands to the kubelet, read from the instance's user data. */
export interface KubeletSettings {
  labels: Record<string, string>;
  taints: V1Taint[];
  maxPods?: number;
  kubeReserved?: Record<string, string>;
  systemReserved?: Record<string, string>;
  evictionHard?: Record<string, string>;
}

export interface BridgeStats {
  registered: number;
  deleted: number;
  errors: number;
  lastError?: string;
}

const Mi = 1024 * 1024;
const Gi = 1024 * Mi;

/** Splits a MIME multipart document into its parts' content types and bodies. */
export function mimeParts(text: string): { contentType: string; body: string }[] {
  const boundary = /boundary="?([^"\r\n;]+)"?/i.exec(text)?.[1];
  if (!boundary || !/^MIME-Version:/im.test(text)) return [];
  const out: { contentType: string; body: string }[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const sep = /\r?\n\r?\n/.exec(chunk);
    if (!sep) continue;
    const headers = chunk.slice(0, sep.index);
    const contentType = /^Content-Type:\s*([^;\r\n]+)/im.exec(headers)?.[1]?.trim() ?? "text/plain";
    out.push({ contentType, body: chunk.slice(sep.index + sep[0].length).replace(/\r?\n$/, "") });
  }
  return out;
}

/** `--flag=value` or `--flag="value"` out of a list of kubelet flags. */
function flagValue(flags: string[], name: string): string | undefined {
  for (const f of flags) {
    const m = new RegExp(`^--${name}=(.*)$`).exec(f.trim());
    if (m) return m[1]!.replace(/^"(.*)"$/, "$1").replace(/^'(.*)'$/, "$1");
  }
  return undefined;
}

function parsePairs(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (s ?? "").split(",")) {
    if (!kv.trim()) continue;
    const eq = kv.indexOf("=");
    out[(eq < 0 ? kv : kv.slice(0, eq)).trim()] = eq < 0 ? "" : kv.slice(eq + 1).trim();
  }
  return out;
}

/** key=value:Effect or key:Effect, comma separated (--register-with-taints). */
export function parseTaints(s: string | undefined): V1Taint[] {
  const out: V1Taint[] = [];
  for (const t of (s ?? "").split(",")) {
    const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t.trim());
    if (m) out.push({ key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3]! });
  }
  return out;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
}

/**
 * The kubelet settings in user data: AL2023 NodeConfig documents (kubelet.config and
 * kubelet.flags, merged in order as nodeadm does) and AL2-style bootstrap.sh
 * --kubelet-extra-args. Unknown formats give empty settings.
 */
export function kubeletSettingsFromUserData(userData: string): KubeletSettings {
  const s: KubeletSettings = { labels: {}, taints: [] };
  const flags: string[] = [];
  const nodeConfigs: string[] = [];
  const parts = mimeParts(userData);
  if (parts.length === 0) {
    if (/^\s*apiVersion:\s*node\.eks\.aws/m.test(userData)) nodeConfigs.push(userData);
    else parts.push({ contentType: "text/x-shellscript", body: userData });
  }
  for (const p of parts) {
    if (p.contentType === "application/node.eks.aws") nodeConfigs.push(p.body);
    const extra = /--kubelet-extra-args\s+'([^']*)'/.exec(p.body)?.[1] ?? /--kubelet-extra-args\s+"((?:[^"\\]|\\.)*)"/.exec(p.body)?.[1];
    if (extra) flags.push(...(extra.replace(/\\"/g, '"').match(/--[^\s=]+=(?:"[^"]*"|\S+)/g) ?? []));
  }
  for (const text of nodeConfigs) {
    const doc = parseYAML(text) as { spec?: { kubelet?: { config?: Record<string, unknown>; flags?: unknown[] } } } | null;
    const kubelet = doc?.spec?.kubelet;
    const config = kubelet?.config ?? {};
    if (typeof config.maxPods === "number") s.maxPods = config.maxPods;
    if (Array.isArray(config.registerWithTaints)) {
      s.taints = (config.registerWithTaints as V1Taint[]).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
    }
    s.kubeReserved = stringMap(config.kubeReserved) ?? s.kubeReserved;
    s.systemReserved = stringMap(config.systemReserved) ?? s.systemReserved;
    s.evictionHard = stringMap(config.evictionHard) ?? s.evictionHard;
    flags.push(...(kubelet?.flags ?? []).map(String));
  }
  Object.assign(s.labels, parsePairs(flagValue(flags, "node-labels")));
  const taintFlag = flagValue(flags, "register-with-taints");
  if (taintFlag !== undefined) s.taints = parseTaints(taintFlag);
  const maxPods = flagValue(flags, "max-pods");
  if (maxPods !== undefined && s.maxPods === undefined) s.maxPods = Number(maxPods);
  const kr = flagValue(flags, "kube-reserved");
  if (kr) s.kubeReserved = parsePairs(kr);
  const sr = flagValue(flags, "system-reserved");
  if (sr) s.systemReserved = parsePairs(sr);
  return s;
}

/** A quantity string in bytes (Ki, Mi, Gi, K, M, G or plain). */
function bytes(q: string): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(q.trim());
  if (!m) return 0;
  const unit = { Ki: 1024, Mi, Gi, Ti: 1024 * Gi, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}

function millicores(q: string): number {
  return q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000;
}

/** EKS AMIs' kube-reserved CPU: 6% of the first core, 1% of the second, 0.5% of the next two, 0.25% beyond. */
function eksKubeReservedCPU(cores: number): number {
  let m = 0;
  const tiers: [number, number, number][] = [
    [0, 1, 60],
    [1, 2, 10],
    [2, 4, 5],
    [4, Infinity, 2.5],
  ];
  for (const [from, to, perCore] of tiers) if (cores > from) m += (Math.min(cores, to) - from) * perCore;
  return Math.floor(m);
}

/** The VPC CNI's pod limit: ENIs × (IPv4 addresses per ENI − 1) + 2. */
export function eniMaxPods(info: InstanceTypeInfo): number {
  const n = info.NetworkInfo;
  return (n?.MaximumNetworkInterfaces ?? 1) * ((n?.Ipv4AddressesPerInterface ?? 2) - 1) + 2;
}

export interface NodeResources {
  capacity: Record<string, string>;
  allocatable: Record<string, string>;
}

/** What the kubelet reports for an instance type, under the given kubelet settings. */
export function nodeResources(info: InstanceTypeInfo, k: KubeletSettings, rootVolumeBytes: number, memoryOverheadFraction: number): NodeResources {
  const cores = info.VCpuInfo?.DefaultVCpus ?? 1;
  const memory = Math.floor((info.MemoryInfo?.SizeInMiB ?? 0) * Mi * (1 - memoryOverheadFraction));
  const pods = k.maxPods ?? eniMaxPods(info);
  const reserved = (m: Record<string, string> | undefined, key: string, parse: (q: string) => number) => (m?.[key] ? parse(m[key]) : 0);
  const kubeCPU = k.kubeReserved?.cpu ? millicores(k.kubeReserved.cpu) : eksKubeReservedCPU(cores);
  const kubeMem = k.kubeReserved?.memory ? bytes(k.kubeReserved.memory) : (11 * eniMaxPods(info) + 255) * Mi;
  const kubeEph = k.kubeReserved?.["ephemeral-storage"] ? bytes(k.kubeReserved["ephemeral-storage"]) : 1 * Gi;
  const evictMem = k.evictionHard?.["memory.available"];
  const evictionMemory = evictMem ? (evictMem.endsWith("%") ? (memory * Number(evictMem.slice(0, -1))) / 100 : bytes(evictMem)) : 100 * Mi;
  const evictFs = k.evictionHard?.["nodefs.available"] ?? "10%";
  const evictionStorage = evictFs.endsWith("%") ? (rootVolumeBytes * Number(evictFs.slice(0, -1))) / 100 : bytes(evictFs);
  const capacity: Record<string, string> = {
    cpu: String(cores),
    memory: `${Math.floor(memory / 1024)}Ki`,
    pods: String(pods),
    "ephemeral-storage": `${Math.floor(rootVolumeBytes / 1024)}Ki`,
    "hugepages-1Gi": "0",
    "hugepages-2Mi": "0",
  };
  const allocatable: Record<string, string> = {
    ...capacity,
    cpu: `${cores * 1000 - kubeCPU - reserved(k.systemReserved, "cpu", millicores)}m`,
    memory: `${Math.floor((memory - kubeMem - reserved(k.systemReserved, "memory", bytes) - evictionMemory) / 1024)}Ki`,
    "ephemeral-storage": `${Math.floor((rootVolumeBytes - kubeEph - reserved(k.systemReserved, "ephemeral-storage", bytes) - evictionStorage) / 1024)}Ki`,
  };
  // Device plugins advertise accelerators; the bridge registers them with the node.
  const gpus = (manufacturer: string) => (info.GpuInfo?.Gpus ?? []).filter((g) => g.Manufacturer === manufacturer).reduce((n, g) => n + (g.Count ?? 0), 0);
  const extended: Record<string, number> = {
    "nvidia.com/gpu": gpus("NVIDIA"),
    "amd.com/gpu": gpus("AMD"),
    "aws.amazon.com/neuron": (info.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0),
  };
  for (const [name, n] of Object.entries(extended)) {
    if (n > 0) capacity[name] = allocatable[name] = String(n);
  }
  return { capacity, allocatable };
}

const kubeArch = (a: string | undefined) => (a === "arm64" ? "arm64" : "amd64");

export class KubeletBridge {
  readonly stats: BridgeStats = { registered: 0, deleted: 0, errors: 0 };
  private readonly core: CoreV1Api;
  private readonly types = new Map<string, InstanceTypeInfo>();
  private readonly settings = new Map<string, KubeletSettings>();
  /** Instance ID → the launch template (ID, version) its fleet launched it from. */
  private readonly templateOf = new Map<string, { id?: string; name?: string; version?: string }>();
  private readonly rootDeviceOf = new Map<string, string>();
  private readonly templates = new Map<string, ResponseLaunchTemplateData>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: KubeletBridgeOptions) {
    this.core = o.kubeConfig.makeApiClient(CoreV1Api);
  }

  start(): void {
    this.stopped = false;
    const tick = () => {
      if (this.stopped) return;
      this.running = this.sync()
        .catch((err: unknown) => {
          this.stats.errors++;
          this.stats.lastError = err instanceof Error ? err.message : String(err);
          this.o.log?.(`kubelet bridge: ${this.stats.lastError}`);
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? 500);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: register Nodes of running instances, delete Nodes of terminated ones. */
  async sync(): Promise<void> {
    const instances = await this.allInstances();
    const byID = new Map(instances.map((i) => [i.InstanceId!, i]));
    const nodes = (await this.core.listNode()).items;
    const nodeByInstance = new Map<string, V1Node>();
    for (const n of nodes) {
      const id = /^aws:\/\/\/[^/]*\/(i-[0-9a-z]+)$/.exec(n.spec?.providerID ?? "")?.[1];
      if (id) nodeByInstance.set(id, n);
    }
    const now = Date.now();
    const work: Promise<void>[] = [];
    for (const i of instances) {
      const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
      if (!tags[NODECLAIM_TAG] || i.State?.Name !== "running" || nodeByInstance.has(i.InstanceId!)) continue;
      if (now - (i.LaunchTime?.getTime() ?? now) < (this.o.bootDelayMs ?? 0)) continue;
      work.push(this.register(i, tags));
    }
    for (const [id, node] of nodeByInstance) {
      const state = byID.get(id)?.State?.Name;
      if (state === "running" || state === "pending" || state === "stopping" || state === "stopped") continue;
      if (node.metadata?.deletionTimestamp) continue;
      work.push(this.deleteNode(node, id, state ?? "gone"));
    }
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private async allInstances(): Promise<Instance[]> {
    const out: Instance[] = [];
    let token: string | undefined;
    do {
      const res = await this.o.ec2.send(new DescribeInstancesCommand({ NextToken: token }));
      for (const r of res.Reservations ?? []) out.push(...(r.Instances ?? []));
      token = res.NextToken;
    } while (token);
    return out;
  }

  private async instanceType(name: string): Promise<InstanceTypeInfo> {
    let info = this.types.get(name);
    if (!info) {
      const res = await this.o.ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [name as _InstanceType] }));
      info = res.InstanceTypes?.[0];
      if (!info) throw new Error(`DescribeInstanceTypes knows no ${name}`);
      this.types.set(name, info);
    }
    return info;
  }

  private async kubeletSettings(instanceID: string): Promise<KubeletSettings> {
    let s = this.settings.get(instanceID);
    if (!s) {
      const res = await this.o.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceID, Attribute: "userData" }));
      const b64 = res.UserData?.Value;
      s = b64 ? kubeletSettingsFromUserData(Buffer.from(b64, "base64").toString("utf8")) : { labels: {}, taints: [] };
      this.settings.set(instanceID, s);
    }
    return s;
  }

  /** The root volume's size: what the launch template asked for (applyLaunchTemplate), else the volume's. */
  private async rootVolumeBytes(i: Instance): Promise<number> {
    const fromTemplate = await this.templateRoot(i).then((b) => b?.Ebs?.VolumeSize).catch(() => undefined);
    if (fromTemplate) return fromTemplate * Gi;
    const root = i.BlockDeviceMappings?.find((b) => b.DeviceName === i.RootDeviceName) ?? i.BlockDeviceMappings?.[0];
    const id = root?.Ebs?.VolumeId;
    if (id) {
      const res = await this.o.ec2.send(new DescribeVolumesCommand({ VolumeIds: [id] }));
      const size = res.Volumes?.[0]?.Size;
      if (size) return size * Gi;
    }
    return 20 * Gi;
  }

  /** The launch template data of the fleet that launched the instance, if it came from one. */
  private async templateData(i: Instance): Promise<ResponseLaunchTemplateData | undefined> {
    const id = i.InstanceId!;
    const tags = Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
    if (tags["aws:ec2launchtemplate:id"]) this.templateOf.set(id, { id: tags["aws:ec2launchtemplate:id"], version: tags["aws:ec2launchtemplate:version"] });
    if (!this.templateOf.has(id)) {
      let token: string | undefined;
      do {
        const res = await this.o.ec2.send(new DescribeFleetsCommand({ NextToken: token }));
        for (const f of res.Fleets ?? []) {
          const spec = f.LaunchTemplateConfigs?.[0]?.LaunchTemplateSpecification;
          if (!spec) continue;
          for (const inst of f.Instances ?? []) for (const iid of inst.InstanceIds ?? []) this.templateOf.set(iid, { id: spec.LaunchTemplateId, name: spec.LaunchTemplateName, version: spec.Version });
        }
        token = res.NextToken;
      } while (token);
    }
    const t = this.templateOf.get(id);
    if (!t) return undefined;
    const version = t.version && !t.version.startsWith("$") ? t.version : "$Latest";
    const key = `${t.id ?? t.name}@${version}`;
    let data = this.templates.get(key);
    if (!data) {
      const res = await this.o.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({ ...(t.id ? { LaunchTemplateId: t.id } : { LaunchTemplateName: t.name }), Versions: [version] }),
      );
      data = res.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
      // "$Latest" may move; a numbered version never changes.
      if (data && version !== "$Latest") this.templates.set(key, data);
    }
    return data;
  }

  private async templateRoot(i: Instance): Promise<LaunchTemplateBlockDeviceMapping | undefined> {
    const bdms = (await this.templateData(i))?.BlockDeviceMappings ?? [];
    const rootDevice = await this.rootDevice(i.ImageId);
    return bdms.find((b) => b.DeviceName === rootDevice) ?? bdms[0];
  }

  /**
   * EC2 gives a fleet's instance the security groups and root volume of its launch template;
   * moto's CreateFleet does not (its instances get the VPC's default group and an 8 GiB volume).
   * Until moto does, the bridge applies them through EC2's own API before the node registers,
   * so that everything reading the instance (tenon's drift checks too) sees what AWS would show.
   */
  async applyLaunchTemplate(i: Instance): Promise<void> {
    const data = await this.templateData(i);
    if (!data) return;
    const wanted = data.SecurityGroupIds ?? data.NetworkInterfaces?.find((n) => (n.DeviceIndex ?? 0) === 0)?.Groups ?? [];
    const have = (i.SecurityGroups ?? []).map((g) => g.GroupId ?? "");
    if (wanted.length > 0 && (wanted.length !== have.length || wanted.some((g) => !have.includes(g)))) {
      await this.o.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: i.InstanceId, Groups: wanted }));
    }
    const size = (await this.templateRoot(i))?.Ebs?.VolumeSize;
    const rootDevice = await this.rootDevice(i.ImageId);
    const volumeID = (i.BlockDeviceMappings?.find((b) => b.DeviceName === rootDevice) ?? i.BlockDeviceMappings?.[0])?.Ebs?.VolumeId;
    if (size && volumeID) {
      const res = await this.o.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeID] }));
      if ((res.Volumes?.[0]?.Size ?? size) !== size) await this.o.ec2.send(new ModifyVolumeCommand({ VolumeId: volumeID, Size: size }));
    }
  }

  private async rootDevice(imageID: string | undefined): Promise<string | undefined> {
    if (!imageID) return undefined;
    if (!this.rootDeviceOf.has(imageID)) {
      const res = await this.o.ec2.send(new DescribeImagesCommand({ ImageIds: [imageID] }));
      this.rootDeviceOf.set(imageID, res.Images?.[0]?.RootDeviceName ?? "");
    }
    return this.rootDeviceOf.get(imageID) || undefined;
  }

  /** The Node this instance's kubelet registers. */
  async nodeFor(i: Instance, tags: Record<string, string>): Promise<V1Node> {
    const id = i.InstanceId!;
    const zone = i.Placement?.AvailabilityZone ?? "";
    const type = i.InstanceType ?? "";
    const [info, kubelet, rootBytes] = await Promise.all([this.instanceType(type), this.kubeletSettings(id), this.rootVolumeBytes(i)]);
    const name = i.PrivateDnsName || `ip-${(i.PrivateIpAddress ?? "0.0.0.0").replace(/\./g, "-")}.ec2.internal`;
    const arch = kubeArch(i.Architecture ?? info.ProcessorInfo?.SupportedArchitectures?.[0]);
    const labels: Record<string, string> = {
      ...kubelet.labels,
      "kubernetes.io/hostname": name,
      "kubernetes.io/arch": arch,
      "kubernetes.io/os": "linux",
      "beta.kubernetes.io/arch": arch,
      "beta.kubernetes.io/os": "linux",
      "node.kubernetes.io/instance-type": type,
      "beta.kubernetes.io/instance-type": type,
      "topology.kubernetes.io/zone": zone,
      "topology.kubernetes.io/region": this.o.region,
      "failure-domain.beta.kubernetes.io/zone": zone,
      "failure-domain.beta.kubernetes.io/region": this.o.region,
    };
    if (tags[NODEPOOL_LABEL]) labels[NODEPOOL_LABEL] ??= tags[NODEPOOL_LABEL];
    const res = nodeResources(info, kubelet, rootBytes, this.o.memoryOverheadFraction ?? 0.05);
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels },
      spec: { providerID: `aws:///${zone}/${id}`, ...(kubelet.taints.length > 0 ? { taints: kubelet.taints } : {}) },
      status: {
        capacity: res.capacity,
        allocatable: res.allocatable,
        addresses: [
          { type: "InternalIP", address: i.PrivateIpAddress ?? "" },
          { type: "InternalDNS", address: name },
          { type: "Hostname", address: name },
        ],
        nodeInfo: {
          architecture: arch,
          operatingSystem: "linux",
          osImage: "Amazon Linux 2023",
          kernelVersion: "6.1.0",
          kubeletVersion: this.o.kubeletVersion,
          kubeProxyVersion: "",
          containerRuntimeVersion: "containerd://1.7.27",
          machineID: id,
          systemUUID: id,
          bootID: id,
        },
      },
    };
  }

  private async register(i: Instance, tags: Record<string, string>): Promise<void> {
    await this.applyLaunchTemplate(i);
    const node = await this.nodeFor(i, tags);
    try {
      await this.core.createNode({ body: node });
      this.stats.registered++;
      this.o.log?.(`kubelet bridge: registered Node ${node.metadata!.name} for ${i.InstanceId} (${i.InstanceType}, ${i.Placement?.AvailabilityZone}, NodeClaim ${tags[NODECLAIM_TAG]})`);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }

  private async deleteNode(node: V1Node, instanceID: string, state: string): Promise<void> {
    try {
      await this.core.deleteNode({ name: node.metadata!.name! });
      this.stats.deleted++;
      this.settings.delete(instanceID);
      this.o.log?.(`kubelet bridge: deleted Node ${node.metadata!.name} (instance ${instanceID} is ${state})`);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}
