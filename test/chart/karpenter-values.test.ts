// The chart speaks Karpenter's values: a values file written for Karpenter's chart renders an
// equivalent tenon install; unknown keys and an empty cluster name are refused with a message
// naming them; the monitors, dashboards and alerts render where asked; and the test
// environment's helm renders without --kube-version.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { CHART_DIR, helmTemplate } from "../env/devcluster.js";
import { bin, ensureBuilt, installCRDs, startControlPlane, type ControlPlane } from "../env/index.js";

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };
const karpenterValues = join(import.meta.dirname, "fixtures", "karpenter-values.yaml");
const Monitoring = "monitoring.coreos.com/v1";

function render(o: { set?: string[]; valuesFiles?: string[]; apiVersions?: string[] } = {}): Obj[] {
  return helmTemplate({ releaseName: "karpenter", namespace: "kube-system", ...o }) as Obj[];
}
const only = (objs: Obj[], kind: string): Obj[] => objs.filter((o) => o.kind === kind);
interface Container {
  name: string;
  image: string;
  imagePullPolicy: string;
  env: { name: string; value?: string }[];
  resources: unknown;
  volumeMounts?: { name: string }[];
}
interface PodSpec {
  priorityClassName: string;
  containers: Container[];
  volumes?: { name: string }[];
  topologySpreadConstraints: { topologyKey: string; labelSelector?: unknown }[];
}
const deployment = (objs: Obj[]) => only(objs, "Deployment")[0] as unknown as { spec: { replicas: number; template: { metadata: { annotations?: Record<string, string> }; spec: PodSpec } } };

describe("helm chart with Karpenter's values", () => {
  before(() => ensureBuilt(["helm"]));

  it("renders a Karpenter values file to an equivalent tenon install", () => {
    const objs = render({ valuesFiles: [karpenterValues], apiVersions: [Monitoring] });
    const d = deployment(objs);
    const spec = d.spec.template.spec;
    const c = spec.containers[0]!;
    assert.equal(c.name, "controller");
    assert.equal(c.image, "registry.example/tenon:0.1.0", "controller.image.repository and tag");
    assert.equal(c.imagePullPolicy, "Always");
    assert.deepEqual(c.resources, { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } });
    const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
    assert.equal(env.CLUSTER_NAME, "prod");
    assert.equal(env.INTERRUPTION_QUEUE, "prod-karpenter");
    assert.equal(env.AWS_REGION, "us-west-2", "controller.env is passed through");
    assert.equal(env.LOG_LEVEL, "debug");
    assert.match(env.FEATURE_GATES!, /SpotToSpotConsolidation=true/);
    assert.equal(d.spec.replicas, 1);
    assert.equal(d.spec.template.metadata.annotations?.["prometheus.io/scrape"], "true");
    assert.equal(spec.priorityClassName, "system-node-critical");
    assert.equal(spec.topologySpreadConstraints[0]?.topologyKey, "kubernetes.io/hostname");
    assert.ok(spec.topologySpreadConstraints[0]?.labelSelector, "the constraint gets the chart's selector");
    assert.deepEqual(spec.volumes?.map((v) => v.name), ["aws-iam-token"]);
    assert.deepEqual(c.volumeMounts?.map((v) => v.name), ["aws-iam-token"]);
    const sa = only(objs, "ServiceAccount")[0] as unknown as { metadata: { annotations: Record<string, string> } };
    assert.equal(sa.metadata.annotations["eks.amazonaws.com/role-arn"], "arn:aws:iam::111122223333:role/KarpenterController");
    const rules = (only(objs, "ClusterRole")[0] as unknown as { rules: { resources: string[]; verbs: string[] }[] }).rules;
    assert.ok(rules.some((r) => r.resources.includes("configmaps") && r.verbs.join() === "get"), "additionalClusterRoleRules are appended");
    const sm = only(objs, "ServiceMonitor");
    assert.equal(sm.length, 1, "serviceMonitor.enabled renders a ServiceMonitor where the CRD exists");
    const smSpec = sm[0]!.spec as { endpoints: { port: string; path: string; interval?: string }[] };
    assert.deepEqual(smSpec.endpoints[0], { port: "http-metrics", path: "/metrics", interval: "15s" });
    assert.equal(sm[0]!.metadata.labels?.release, "prometheus");
  });

  it("renders no ServiceMonitor where prometheus-operator's CRD is absent", () => {
    assert.equal(only(render({ valuesFiles: [karpenterValues] }), "ServiceMonitor").length, 0);
  });

  it("renders a PodMonitor, the dashboards and the alerts where asked", () => {
    const objs = render({ set: ["settings.clusterName=prod", "podMonitor.enabled=true", "dashboards.enabled=true", "prometheusRule.enabled=true"], apiVersions: [Monitoring] });
    const pm = only(objs, "PodMonitor");
    assert.equal(pm.length, 1);
    assert.equal((pm[0]!.spec as { podMetricsEndpoints: { port: string }[] }).podMetricsEndpoints[0]?.port, "http-metrics");
    const dashboards = only(objs, "ConfigMap").filter((o) => o.metadata.labels?.grafana_dashboard === "1");
    const files = readdirSync(join(CHART_DIR, "files", "dashboards")).filter((f) => f.endsWith(".json"));
    assert.equal(dashboards.length, files.length, "one ConfigMap per dashboard");
    for (const cm of dashboards) {
      for (const [key, text] of Object.entries(cm.data as Record<string, string>)) {
        const d = JSON.parse(text) as { title: string; panels: unknown[] };
        assert.ok(d.panels.length > 0, `${key} has panels`);
      }
    }
    const rule = only(objs, "PrometheusRule");
    assert.equal(rule.length, 1);
    const groups = (rule[0]!.spec as { groups: { rules: { alert: string; expr: string }[] }[] }).groups;
    const want = (parse(readFileSync(join(CHART_DIR, "files", "alerts.yaml"), "utf8")) as { groups: { rules: { alert: string }[] }[] }).groups[0]!.rules.map((r) => r.alert);
    assert.deepEqual(groups[0]!.rules.map((r) => r.alert), want);
  });

  it("refuses an empty settings.clusterName, saying what to set", () => {
    assert.throws(() => render({ set: [] }), /settings\.clusterName is required/);
  });

  it("refuses keys the chart does not know, naming them", () => {
    for (const [set, named] of [
      ["imagee.repository=x", /imagee/],
      ["controller.imag.tag=1", /imag/],
      ["settings.clusterNmae=prod", /clusterNmae/],
      ["serviceMonitor.enable=true", /enable/],
    ] as const) {
      assert.throws(() => render({ set: ["settings.clusterName=prod", set] }), (err: Error) => /additional propert(y|ies)/i.test(err.message) && named.test(err.message), set);
    }
  });

  it("renders with the test environment's helm without --kube-version (its Kubernetes version is stamped)", () => {
    const res = spawnSync(bin.helm, ["template", "t", CHART_DIR, "--set", "settings.clusterName=prod"], { encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    const version = spawnSync(bin.helm, ["template", "t", CHART_DIR, "--set", "settings.clusterName=prod", "--show-only", "templates/deployment.yaml"], { encoding: "utf8" });
    assert.equal(version.status, 0, version.stderr);
  });
});

describe("a Karpenter values file installs on a real API server", () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane();
    await installCRDs(cp.kubeConfig(), join(CHART_DIR, "crds"));
  });
  after(() => cp?.stop());

  it("creates every object the chart renders from it", () => {
    // No prometheus-operator on this API server: the ServiceMonitor is left out, as it would be by helm install.
    const objs = render({ valuesFiles: [karpenterValues] });
    const res = spawnSync(bin.kubectl, ["--kubeconfig", cp.kubeconfigPath, "apply", "-f", "-"], { encoding: "utf8", input: objs.map((o) => JSON.stringify(o)).join("\n") });
    assert.equal(res.status, 0, res.stderr);
    for (const o of objs) {
      const args = ["--kubeconfig", cp.kubeconfigPath, "get", o.kind, o.metadata.name, ...(o.metadata.namespace ? ["--namespace", o.metadata.namespace] : []), "-o", "name"];
      const got = spawnSync(bin.kubectl, args, { encoding: "utf8" });
      assert.equal(got.status, 0, `${o.kind} ${o.metadata.name}: ${got.stderr}`);
    }
  });
});
