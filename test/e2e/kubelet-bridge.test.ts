// The kubelet bridge reads what tenon's user data tells the kubelet (labels, taints, max pods) the
// way nodeadm and bootstrap.sh would, and reports what a kubelet on that instance type reports.
// Checked against tenon's own user data generators, so the two sides of the contract agree.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InstanceTypeInfo } from "@aws-sdk/client-ec2";
import { al2UserData } from "../../src/cloudprovider/aws/launch/userdata/al2.js";
import { al2023UserData } from "../../src/cloudprovider/aws/launch/userdata/al2023.js";
import type { BootstrapOptions } from "../../src/cloudprovider/aws/launch/userdata/options.js";
import { eniMaxPods, kubeletSettingsFromUserData, nodeResources, parseTaints } from "../env/bridge.js";

const options: BootstrapOptions = {
  clusterName: "dev",
  clusterEndpoint: "https://127.0.0.1:6443",
  caBundle: "Y2E=",
  clusterCIDR: "10.96.0.0/12",
  kubelet: { maxPods: 29, clusterDNS: ["10.96.0.10"] },
  taints: [
    { key: "karpenter.sh/unregistered", effect: "NoExecute" },
    { key: "dedicated", value: "gpu", effect: "NoSchedule" },
  ],
  labels: { "karpenter.sh/nodepool": "default", "karpenter.sh/capacity-type": "on-demand", team: "a" },
};
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

// m5.large as DescribeInstanceTypes reports it (the fields the bridge reads).
const m5large: InstanceTypeInfo = {
  InstanceType: "m5.large",
  VCpuInfo: { DefaultVCpus: 2 },
  MemoryInfo: { SizeInMiB: 8192 },
  NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10 },
  ProcessorInfo: { SupportedArchitectures: ["x86_64"] },
};

describe("kubelet bridge", () => {
  it("reads labels, taints and max pods from tenon's AL2023 NodeConfig", () => {
    const s = kubeletSettingsFromUserData(decode(al2023UserData(options)));
    assert.deepEqual(s.labels, options.labels);
    assert.deepEqual(s.taints, [
      { key: "karpenter.sh/unregistered", effect: "NoExecute" },
      { key: "dedicated", value: "gpu", effect: "NoSchedule" },
    ]);
    assert.equal(s.maxPods, 29);
  });

  it("merges a user's NodeConfig before tenon's, as nodeadm does", () => {
    const custom = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      maxPods: 11\n";
    const s = kubeletSettingsFromUserData(decode(al2023UserData({ ...options, customUserData: custom })));
    assert.equal(s.maxPods, 29, "tenon's document comes last and wins");
    assert.equal(s.labels.team, "a");
  });

  it("reads --kubelet-extra-args from tenon's AL2 bootstrap.sh call", () => {
    const s = kubeletSettingsFromUserData(decode(al2UserData({ ...options, kubelet: { ...options.kubelet, kubeReserved: { cpu: "100m", memory: "300Mi" } } })));
    assert.deepEqual(s.labels, options.labels);
    assert.deepEqual(s.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ""}:${t.effect}`), ["karpenter.sh/unregistered:NoExecute", "dedicated=gpu:NoSchedule"]);
    assert.equal(s.maxPods, 29);
    assert.deepEqual(s.kubeReserved, { cpu: "100m", memory: "300Mi" });
  });

  it("parses --register-with-taints", () => {
    assert.deepEqual(parseTaints("a=b:NoSchedule,c:NoExecute, bad"), [
      { key: "a", value: "b", effect: "NoSchedule" },
      { key: "c", effect: "NoExecute" },
    ]);
  });

  it("reports capacity and allocatable the way the EKS AMIs configure the kubelet", () => {
    assert.equal(eniMaxPods(m5large), 29);
    const r = nodeResources(m5large, { labels: {}, taints: [] }, 20 * 2 ** 30, 0);
    assert.equal(r.capacity.cpu, "2");
    assert.equal(r.capacity.pods, "29");
    assert.equal(r.capacity.memory, `${8192 * 1024}Ki`);
    // kube-reserved: 70m CPU (6% + 1%), 11 × 29 + 255 = 574 MiB; eviction: 100 MiB and 10% of the disk.
    assert.equal(r.allocatable.cpu, "1930m");
    assert.equal(r.allocatable.memory, `${(8192 - 574 - 100) * 1024}Ki`);
    assert.equal(r.allocatable["ephemeral-storage"], `${Math.floor((20 * 2 ** 30 - 2 ** 30 - 2 * 2 ** 30) / 1024)}Ki`);
    const withMax = nodeResources(m5large, { labels: {}, taints: [], maxPods: 110 }, 20 * 2 ** 30, 0);
    assert.equal(withMax.capacity.pods, "110");
  });
});
