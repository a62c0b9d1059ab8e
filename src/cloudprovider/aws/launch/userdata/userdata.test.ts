import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parse as parseTOML } from "smol-toml";
import { parse as parseYAML } from "yaml";
import { userDataFor } from "./index.js";
import { parseMime } from "./mime.js";
import type { BootstrapOptions } from "./options.js";

const opts: BootstrapOptions = {
  clusterName: "test-cluster",
  clusterEndpoint: "https://test-cluster",
  caBundle: "Y2EtYnVuZGxlCg==",
  clusterCIDR: "10.100.0.0/16",
  kubelet: { maxPods: 110, clusterDNS: ["10.0.100.10"], evictionHard: { "memory.available": "12%" } },
  taints: [
    { key: "foo", value: "bar", effect: "NoExecute" },
    { key: "karpenter.sh/unregistered", effect: "NoExecute" },
  ],
  labels: { "karpenter.sh/capacity-type": "on-demand", "team": "a" },
};
const decode = (b64: string) => Buffer.from(b64, "base64").toString("utf8");

describe("user data", () => {
  it("AL2023: appends a NodeConfig after the user's shell script", () => {
    const parts = parseMime(decode(userDataFor("AL2023", { ...opts, customUserData: "#!/bin/bash\necho hello" })));
    assert.deepEqual(parts[0], { contentType: 'text/x-shellscript; charset="us-ascii"', content: "#!/bin/bash\necho hello" });
    assert.equal(parts[1]?.contentType, "application/node.eks.aws");
    const cfg = parseYAML(parts[1]!.content) as { kind: string; spec: { cluster: Record<string, string>; kubelet: { config: Record<string, unknown>; flags: string[] } } };
    assert.equal(cfg.kind, "NodeConfig");
    assert.deepEqual(cfg.spec.cluster, { apiServerEndpoint: "https://test-cluster", certificateAuthority: "Y2EtYnVuZGxlCg==", cidr: "10.100.0.0/16", name: "test-cluster" });
    assert.equal(cfg.spec.kubelet.config.maxPods, 110);
    assert.deepEqual(cfg.spec.kubelet.config.registerWithTaints, [
      { key: "foo", value: "bar", effect: "NoExecute" },
      { key: "karpenter.sh/unregistered", effect: "NoExecute" },
    ]);
    assert.deepEqual(cfg.spec.kubelet.flags, ['--node-labels="karpenter.sh/capacity-type=on-demand,team=a"']);
  });

  it("AL2023: keeps a user's MIME parts and types bare YAML as a NodeConfig", () => {
    const mime = 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="BOUNDARY"\n\n--BOUNDARY\nContent-Type: text/x-shellscript\n\necho one\n--BOUNDARY--\n';
    assert.equal(parseMime(decode(userDataFor("AL2023", { ...opts, customUserData: mime })))[0]?.content, "echo one");
    const yaml = "apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      shutdownGracePeriod: 30s\n";
    assert.equal(parseMime(decode(userDataFor("AL2023", { ...opts, customUserData: yaml })))[0]?.contentType, "application/node.eks.aws");
  });

  it("AL2023: refuses to build a NodeConfig without the cluster CIDR", () => {
    assert.throws(() => userDataFor("AL2023", { ...opts, clusterCIDR: undefined }), /service CIDR/);
  });

  it("AL2: runs bootstrap.sh with the kubelet settings after the user's script", () => {
    const parts = parseMime(decode(userDataFor("AL2", { ...opts, customUserData: "echo pre" })));
    assert.equal(parts[0]?.content, "echo pre");
    const script = parts[1]!.content;
    assert.match(script, /^#!\/bin\/bash -xe/);
    assert.match(script, /\/etc\/eks\/bootstrap.sh 'test-cluster' --apiserver-endpoint 'https:\/\/test-cluster' --b64-cluster-ca 'Y2EtYnVuZGxlCg=='/);
    assert.match(script, /--dns-cluster-ip '10.0.100.10'/);
    assert.match(script, /--use-max-pods false/);
    assert.match(script, /--kubelet-extra-args '--node-labels="karpenter.sh\/capacity-type=on-demand,team=a" --register-with-taints="foo=bar:NoExecute,karpenter.sh\/unregistered:NoExecute" --max-pods=110 --eviction-hard="memory.available<12%"'/);
  });

  it("Bottlerocket: merges tenon's settings into the user's TOML", () => {
    const custom = '[settings.kubernetes]\ncluster-name = "wrong"\n[settings.kubernetes.node-labels]\ncustom = "x"\n[settings.ntp]\ntime-servers = ["169.254.169.123"]\n';
    // Through JSON: the TOML parser returns null-prototype objects.
    const doc = JSON.parse(JSON.stringify(parseTOML(decode(userDataFor("Bottlerocket", { ...opts, customUserData: custom }))))) as { settings: { kubernetes: Record<string, unknown>; ntp: unknown } };
    const k = doc.settings.kubernetes;
    assert.equal(k["cluster-name"], "test-cluster");
    assert.equal(k["api-server"], "https://test-cluster");
    assert.equal(k["cluster-dns-ip"], "10.0.100.10");
    assert.equal(k["max-pods"], 110);
    assert.deepEqual(k["node-labels"], { custom: "x", "karpenter.sh/capacity-type": "on-demand", team: "a" });
    assert.deepEqual(k["node-taints"], { foo: ["bar:NoExecute"], "karpenter.sh/unregistered": [":NoExecute"] });
    assert.deepEqual(k["eviction-hard"], { "memory.available": "12%" });
    assert.deepEqual(doc.settings.ntp, { "time-servers": ["169.254.169.123"] });
    assert.throws(() => userDataFor("Bottlerocket", { ...opts, customUserData: "not = = toml" }), /not valid TOML/);
  });

  it("Windows: wraps the user's commands and the EKS bootstrap in a PowerShell block", () => {
    const ps = decode(userDataFor("Windows2022", { ...opts, customUserData: "Write-Host hi" }));
    assert.match(ps, /^<powershell>\nWrite-Host hi\n/);
    assert.match(ps, /& \$EKSBootstrapScriptFile -EKSClusterName 'test-cluster' -APIServerEndpoint 'https:\/\/test-cluster' -Base64ClusterCA 'Y2EtYnVuZGxlCg==' -KubeletExtraArgs '.*--max-pods=110.*' -DNSClusterIP '10.0.100.10'\n<\/powershell>$/);
  });

  it("Custom: passes the user data through unchanged", () => {
    assert.equal(decode(userDataFor("Custom", { ...opts, customUserData: "#cloud-config\n" })), "#cloud-config\n");
  });

  describe("any kubelet field reaches every family that can carry it", () => {
    // Fields beyond bootstrap.sh's flags; AL2023 takes them in NodeConfig.
    const extra = { ...opts, kubelet: { ...opts.kubelet, registryPullQPS: 10, shutdownGracePeriod: "45s", featureGates: { InPlacePodVerticalScaling: true }, cpuCFSQuota: false } };

    it("AL2023: every field in the NodeConfig's kubelet config", () => {
      const parts = parseMime(decode(userDataFor("AL2023", extra)));
      const cfg = parseYAML(parts[parts.length - 1]!.content) as { spec: { kubelet: { config: Record<string, unknown> } } };
      const c = cfg.spec.kubelet.config;
      assert.deepEqual([c.registryPullQPS, c.shutdownGracePeriod, c.featureGates, c.cpuCFSQuota], [10, "45s", { InPlacePodVerticalScaling: true }, false]);
    });

    it("AL2: flag fields as --kubelet-extra-args, the rest merged into kubelet-config.json before bootstrap.sh", () => {
      const script = parseMime(decode(userDataFor("AL2", extra))).at(-1)!.content;
      const merge = script.indexOf(`jq --argjson extra '{"featureGates":{"InPlacePodVerticalScaling":true},"registryPullQPS":10,"shutdownGracePeriod":"45s"}' '. * $extra' /etc/kubernetes/kubelet/kubelet-config.json`);
      assert.ok(merge > 0, script);
      assert.ok(merge < script.indexOf("/etc/eks/bootstrap.sh"), "merged before bootstrap.sh runs");
      assert.match(script, /--cpu-cfs-quota=false/);
      assert.doesNotMatch(script, /--registry-qps|--feature-gates/);
    });

    it("AL2: a quote in a value is escaped for the shell", () => {
      const script = parseMime(decode(userDataFor("AL2", { ...opts, kubelet: { ...opts.kubelet, providerID: "it's" } }))).at(-1)!.content;
      assert.match(script, /\{"providerID":"it'\\''s"\}/);
    });

    it("Bottlerocket: each field under its settings.kubernetes key", () => {
      const br = { ...opts, kubelet: { ...opts.kubelet, registryPullQPS: 10, shutdownGracePeriod: "45s", containerLogMaxFiles: 3, allowedUnsafeSysctls: ["net.core.somaxconn"], evictionSoft: { "memory.available": "15%" }, evictionSoftGracePeriod: { "memory.available": "1m" } } };
      const k = (JSON.parse(JSON.stringify(parseTOML(decode(userDataFor("Bottlerocket", br))))) as { settings: { kubernetes: Record<string, unknown> } }).settings.kubernetes;
      assert.deepEqual(
        [k["registry-qps"], k["shutdown-grace-period"], k["container-log-max-files"], k["allowed-unsafe-sysctls"], k["eviction-soft"], k["eviction-soft-grace-period"]],
        [10, "45s", 3, ["net.core.somaxconn"], { "memory.available": "15%" }, { "memory.available": "1m" }],
      );
    });
  });
});
