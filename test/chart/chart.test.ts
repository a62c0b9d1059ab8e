// The Helm chart, rendered by the real `helm template` and linted by `helm lint`, and its RBAC
// checked on a real kube-apiserver with `kubectl auth can-i` as the chart's ServiceAccount.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ConfigError, resolveConfig, settings } from "../../src/operator/config.js";
import { CHART_DIR, helmTemplate } from "../env/devcluster.js";
import { bin, ensureBuilt, installCRDs, startControlPlane, versions, type ControlPlane } from "../env/index.js";
import { repoRoot } from "../env/paths.js";

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env: EnvVar[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: Record<string, unknown>;
  resources?: Record<string, unknown>;
}
interface PodSpec {
  serviceAccountName: string;
  priorityClassName?: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  nodeSelector?: Record<string, string>;
  affinity?: Record<string, unknown>;
  tolerations?: unknown[];
  topologySpreadConstraints?: Record<string, unknown>[];
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

// Every install names its cluster (an empty settings.clusterName fails the install).
const render = (set: string[] = [], releaseName = "tenon", namespace = "tenon-system") => helmTemplate({ releaseName, namespace, set: ["settings.clusterName=test-cluster", ...set] }) as Obj[];
const one = (objs: Obj[], kind: string, name?: string): Obj => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ""}, got ${found.length}`);
  return found[0]!;
};
const podSpec = (objs: Obj[]): PodSpec => (one(objs, "Deployment") as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const envOf = (objs: Obj[]): Record<string, string> => Object.fromEntries(podSpec(objs).containers[0]!.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));

describe("helm chart charts/tenon", () => {
  before(() => ensureBuilt(["helm"]));

  it("passes helm lint --strict, with default and custom values", () => {
    for (const set of [["settings.clusterName=test-cluster"], ["settings.clusterName=prod", "replicas=3", "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/tenon"]]) {
      const args = ["lint", CHART_DIR, "--strict", "--kube-version", versions.kubernetes, ...set.flatMap((s) => ["--set", s])];
      const res = spawnSync(bin.helm, args, { encoding: "utf8" });
      assert.equal(res.status, 0, `helm ${args.join(" ")}:\n${res.stdout}${res.stderr}`);
      assert.match(res.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  it("renders the controller's objects with the default values", () => {
    const objs = render();
    assert.deepEqual(objs.map((o) => o.kind).sort(), ["ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget", "Role", "Role", "RoleBinding", "RoleBinding", "Service", "ServiceAccount"]);
    for (const o of objs) {
      assert.equal(o.metadata.labels?.["app.kubernetes.io/name"], "tenon", `${o.kind} ${o.metadata.name} carries the chart's labels`);
      if (!["ClusterRole", "ClusterRoleBinding"].includes(o.kind) && !o.metadata.name.endsWith("-dns")) assert.equal(o.metadata.namespace, "tenon-system", `${o.kind} ${o.metadata.name}`);
    }
    const deploy = one(objs, "Deployment") as unknown as { spec: { replicas: number; selector: { matchLabels: Record<string, string> } } };
    assert.equal(deploy.spec.replicas, 2, "two replicas: one leads, one stands by");
    const spec = podSpec(objs);
    assert.equal(spec.serviceAccountName, "tenon");
    assert.equal(spec.priorityClassName, "system-cluster-critical");
    assert.equal(spec.securityContext.runAsNonRoot, true);
    const c = spec.containers[0]!;
    assert.equal(c.image, "tenon:0.1.0", "the image tag defaults to the chart's appVersion");
    assert.deepEqual(c.args, ["controller"]);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    const port = (name: string) => c.ports.find((p) => p.name === name)?.containerPort;
    assert.equal(port("http-metrics"), 8080);
    assert.equal(port("http"), 8081);
    assert.deepEqual(c.livenessProbe.httpGet, { path: "/healthz", port: "http" });
    assert.deepEqual(c.readinessProbe.httpGet, { path: "/readyz", port: "http" });
    const env = envOf(objs);
    assert.equal(env.METRICS_PORT, "8080");
    assert.equal(env.HEALTH_PROBE_PORT, "8081");
    assert.equal(env.LEADER_ELECTION_NAME, "karpenter-leader-election");
    assert.equal(env.FEATURE_GATES, "CapacityBuffer=false,NodeOverlay=false,NodeRepair=false,ReservedCapacity=true,SpotToSpotConsolidation=false,StaticCapacity=false");
    assert.equal(env.AWS_ENDPOINT_URL, undefined, "no endpoint override unless asked for");
    assert.ok(c.env.some((e) => e.name === "POD_NAMESPACE" && e.valueFrom), "POD_NAMESPACE from the downward API (the lease's namespace)");

    // Never on a node tenon manages, one replica per node, spread over zones.
    const affinity = spec.affinity as { nodeAffinity: unknown; podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { labelSelector: unknown; topologyKey: string }[] } };
    assert.match(JSON.stringify(affinity.nodeAffinity), /"key":"karpenter.sh\/nodepool","operator":"DoesNotExist"/);
    assert.deepEqual(affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]!.labelSelector, { matchLabels: deploy.spec.selector.matchLabels });
    assert.deepEqual(spec.topologySpreadConstraints?.[0]?.labelSelector, { matchLabels: deploy.spec.selector.matchLabels });

    const svc = one(objs, "Service") as unknown as { spec: { ports: { name: string; port: number; targetPort: string }[]; selector: Record<string, string> } };
    assert.deepEqual(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort]), [["http-metrics", 8080, "http-metrics"]]);
    assert.deepEqual(svc.spec.selector, deploy.spec.selector.matchLabels);
    const pdb = one(objs, "PodDisruptionBudget") as unknown as { spec: { maxUnavailable: number; selector: { matchLabels: Record<string, string> } } };
    assert.equal(pdb.spec.maxUnavailable, 1);
    assert.deepEqual(pdb.spec.selector.matchLabels, deploy.spec.selector.matchLabels);
  });

  it("sets only environment variables the controller reads, and the controller accepts them", () => {
    const known = new Set<string>([...Object.values(settings).map((s) => s.env), "POD_NAMESPACE", "POD_NAME"]);
    const objs = render([
      "settings.clusterName=prod",
      "settings.clusterEndpoint=https://ABC.gr7.us-west-2.eks.amazonaws.com",
      "settings.interruptionQueue=prod-interruptions",
      "settings.clusterServiceCIDR=172.20.0.0/16",
      "settings.featureGates.spotToSpotConsolidation=true",
      "settings.aws.region=us-west-2",
      "settings.aws.endpointURL=https://vpce.example.internal",
      "settings.aws.endpoints.ec2=https://ec2.vpce.example.internal",
      "settings.aws.endpoints.sqs=https://sqs.vpce.example.internal",
      "settings.batchMaxDuration=20s",
      "logLevel=debug",
    ]);
    const c = podSpec(objs).containers[0]!;
    for (const e of c.env) assert.ok(known.has(e.name), `the chart sets ${e.name}, which tenon's config does not read`);
    const env = { ...envOf(objs), POD_NAMESPACE: "tenon-system" };
    let config;
    try {
      config = resolveConfig({}, env);
    } catch (err) {
      assert.fail(`the rendered environment is not a valid configuration: ${err instanceof ConfigError ? err.message : String(err)}`);
    }
    assert.equal(config.clusterName, "prod");
    assert.equal(config.clusterEndpoint, "https://ABC.gr7.us-west-2.eks.amazonaws.com");
    assert.equal(config.interruptionQueue, "prod-interruptions");
    assert.equal(config.clusterServiceCIDR, "172.20.0.0/16");
    assert.equal(config.region, "us-west-2");
    assert.equal(config.featureGates.SpotToSpotConsolidation, true);
    assert.equal(config.featureGates.ReservedCapacity, true);
    assert.deepEqual(config.awsEndpoints, { default: "https://vpce.example.internal", ec2: "https://ec2.vpce.example.internal", sqs: "https://sqs.vpce.example.internal" });
    assert.equal(config.batchMaxDurationMs, 20_000);
    assert.equal(config.logLevel, "debug");
    assert.equal(config.leaderElect, true);
    assert.equal(config.leaderElectionNamespace, "tenon-system");
    assert.equal(config.metricsPort, 8080);
    assert.equal(config.healthProbePort, 8081);
  });

  it("renders custom values: IRSA annotation, replicas, placement, no PDB, another lease", () => {
    const objs = render(
      [
        "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=arn:aws:iam::111122223333:role/KarpenterController",
        "replicas=3",
        "controller.image.repository=registry.example/tenon",
        "controller.image.digest=sha256:" + "a".repeat(64),
        "priorityClassName=",
        "podDisruptionBudget.enabled=false",
        "leaderElection.name=tenon-leader",
        "nodeSelector.role=system",
        "tolerations[0].key=dedicated",
        "tolerations[0].operator=Equal",
        "tolerations[0].value=system",
        "tolerations[0].effect=NoSchedule",
        "controller.metrics.port=9090",
        "controller.resources.limits.memory=2Gi",
      ],
      "autoscaler",
      "kube-system",
    );
    assert.ok(!objs.some((o) => o.kind === "PodDisruptionBudget"));
    const sa = one(objs, "ServiceAccount");
    assert.equal(sa.metadata.name, "autoscaler-tenon");
    assert.equal(sa.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::111122223333:role/KarpenterController");
    const deploy = one(objs, "Deployment") as unknown as { spec: { replicas: number } };
    assert.equal(deploy.spec.replicas, 3);
    const spec = podSpec(objs);
    assert.equal(spec.serviceAccountName, "autoscaler-tenon");
    assert.equal(spec.priorityClassName, undefined);
    assert.deepEqual(spec.nodeSelector, { "kubernetes.io/os": "linux", role: "system" });
    assert.deepEqual(spec.tolerations, [{ key: "dedicated", operator: "Equal", value: "system", effect: "NoSchedule" }]);
    const c = spec.containers[0]!;
    assert.equal(c.image, `registry.example/tenon@sha256:${"a".repeat(64)}`);
    assert.equal(c.ports.find((p) => p.name === "http-metrics")?.containerPort, 9090);
    assert.equal(envOf(objs).METRICS_PORT, "9090");
    assert.deepEqual(c.resources, { limits: { memory: "2Gi" }, requests: { cpu: "1", memory: "640Mi" } }, "a limit set alone keeps the default requests");
    assert.equal(envOf(objs).LEADER_ELECTION_NAME, "tenon-leader");
    const role = one(objs, "Role", "autoscaler-tenon") as unknown as { rules: Rule[] };
    assert.deepEqual(
      role.rules.flatMap((r) => r.resourceNames ?? []),
      ["tenon-leader"],
      "the Role grants the configured Lease and no other",
    );
    const svc = one(objs, "Service") as unknown as { spec: { ports: { port: number }[] } };
    assert.equal(svc.spec.ports[0]!.port, 9090);
  });

  it("rejects values that do not fit the schema", () => {
    for (const [set, problem] of [
      ["logLevel=loud", /logLevel/],
      ["settings.featureGates.unknownGate=true", /featureGates/],
      ["settings.batchMaxDuration=ten seconds", /batchMaxDuration/],
      ["settings.clusterEndpoint=ABC.eks.amazonaws.com", /clusterEndpoint/],
      ["settings.clusterServiceCIDR=10.100.0.0", /clusterServiceCIDR/],
    ] as const) {
      assert.throws(() => render([set]), problem, set);
    }
  });

  it("grants least privilege: no wildcards, no secrets or configmaps, writes only where tenon writes", () => {
    const objs = render();
    const cluster = (one(objs, "ClusterRole") as unknown as { rules: Rule[] }).rules;
    const all = [...cluster, ...objs.filter((o) => o.kind === "Role").flatMap((o) => (o as unknown as { rules: Rule[] }).rules)];
    for (const r of all) {
      assert.ok(!r.verbs.includes("*") && !r.resources.includes("*") && !r.apiGroups.includes("*"), `wildcard in ${JSON.stringify(r)}`);
      assert.ok(!r.resources.some((x) => ["secrets", "configmaps", "serviceaccounts"].includes(x)), `unexpected resource in ${JSON.stringify(r)}`);
      // Workloads are only read (a CapacityBuffer's scalableRef copies their pod template, as Karpenter's chart allows).
      if (r.resources.some((x) => ["deployments", "statefulsets", "replicasets"].includes(x))) assert.deepEqual(r.verbs, ["get"], `workloads are read, one by one: ${JSON.stringify(r)}`);
      // PodTemplates are watched, so a buffer follows its template (as Karpenter's kwok chart allows).
      if (r.resources.includes("podtemplates")) assert.deepEqual(r.verbs, ["get", "list", "watch"], `podtemplates are read and watched: ${JSON.stringify(r)}`);
    }
    const writes = new Set(cluster.filter((r) => r.verbs.some((v) => ["create", "update", "patch", "delete"].includes(v))).flatMap((r) => r.resources.map((res) => `${r.apiGroups[0] || "core"}/${res}`)));
    assert.deepEqual(
      [...writes].sort(),
      [
        "autoscaling.x-k8s.io/capacitybuffers/status",
        "core/events",
        "core/nodes",
        "core/pods",
        "core/pods/eviction",
        "events.k8s.io/events",
        "karpenter.k8s.aws/ec2nodeclasses",
        "karpenter.k8s.aws/ec2nodeclasses/finalizers",
        "karpenter.k8s.aws/ec2nodeclasses/status",
        "karpenter.sh/nodeclaims",
        "karpenter.sh/nodeclaims/finalizers",
        "karpenter.sh/nodeclaims/status",
        "karpenter.sh/nodepools",
        "karpenter.sh/nodepools/finalizers",
        "karpenter.sh/nodepools/status",
        "karpenter.sh/nodeoverlays/status",
      ].sort(),
    );
    const podRule = cluster.find((r) => r.resources.includes("pods"))!;
    assert.deepEqual(podRule.verbs.filter((v) => !["get", "list", "watch"].includes(v)), ["delete"], "pods are only ever deleted (past a terminationGracePeriod), never created or patched");
  });

  it("installs the generated CRDs, identical to crds/", () => {
    const chartCRDs = readdirSync(join(CHART_DIR, "crds")).sort();
    assert.deepEqual(chartCRDs, readdirSync(join(repoRoot, "crds")).filter((f) => f.endsWith(".yaml")).sort());
    for (const f of chartCRDs) assert.equal(readFileSync(join(CHART_DIR, "crds", f), "utf8"), readFileSync(join(repoRoot, "crds", f), "utf8"), `charts/tenon/crds/${f} differs from crds/${f}; run npm run generate`);
    const res = spawnSync(bin.helm, ["template", "t", CHART_DIR, "--include-crds", "--kube-version", versions.kubernetes, "--set", "settings.clusterName=test-cluster"], { encoding: "utf8" });
    assert.equal(res.status, 0, res.stderr);
    for (const name of ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh", "ec2nodeclasses.karpenter.k8s.aws", "nodeoverlays.karpenter.sh", "capacitybuffers.autoscaling.x-k8s.io"]) assert.match(res.stdout, new RegExp(`name: ${name.replace(/\./g, "\\.")}`));
  });
});

describe("the chart's RBAC on a real API server", () => {
  let cp: ControlPlane;
  const namespace = "tenon-system";
  before(async () => {
    cp = await startControlPlane();
    // The custom resources must be served for `can-i` to know them.
    await installCRDs(cp.kubeConfig(), join(CHART_DIR, "crds"));
    const objs = render([], "tenon", namespace).filter((o) => ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"].includes(o.kind));
    kubectl(["create", "namespace", namespace]);
    kubectl(["apply", "-f", "-"], objs.map((o) => JSON.stringify(o)).join("\n"));
  });
  after(() => cp?.stop());

  function kubectl(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
    const res = spawnSync(bin.kubectl, ["--kubeconfig", cp.kubeconfigPath, ...args], { encoding: "utf8", input });
    if (args[0] !== "auth" && res.status !== 0) throw new Error(`kubectl ${args.join(" ")}: ${res.stderr}`);
    return res;
  }
  const can = (verb: string, resource: string, ns?: string, sub?: string) => {
    const args = ["auth", "can-i", verb, resource, "--as", `system:serviceaccount:${namespace}:tenon`];
    if (ns) args.push("--namespace", ns);
    if (sub) args.push("--subresource", sub);
    return kubectl(args).stdout.trim() === "yes";
  };

  it("allows every call tenon makes", () => {
    const allowed: [string, string, string?, string?][] = [
      ["watch", "pods"],
      ["list", "nodes"],
      ["patch", "nodes"],
      ["delete", "nodes"],
      ["create", "pods", "default", "eviction"],
      ["create", "nodeclaims.karpenter.sh"],
      ["patch", "nodeclaims.karpenter.sh", undefined, "status"],
      ["delete", "nodeclaims.karpenter.sh"],
      ["watch", "nodepools.karpenter.sh"],
      ["patch", "nodepools.karpenter.sh", undefined, "status"],
      ["patch", "ec2nodeclasses.karpenter.k8s.aws"],
      ["patch", "ec2nodeclasses.karpenter.k8s.aws", undefined, "status"],
      ["list", "daemonsets.apps"],
      ["list", "persistentvolumeclaims"],
      ["list", "persistentvolumes"],
      ["list", "storageclasses.storage.k8s.io"],
      ["list", "csinodes.storage.k8s.io"],
      ["list", "volumeattachments.storage.k8s.io"],
      ["list", "poddisruptionbudgets.policy"],
      ["list", "namespaces"],
      ["create", "events", "default"],
      ["create", "events.events.k8s.io", "default"],
      ["create", "leases.coordination.k8s.io", namespace],
      ["update", "leases.coordination.k8s.io/karpenter-leader-election", namespace],
      ["get", "services/kube-dns", "kube-system"],
      ["get", "servicecidrs.networking.k8s.io/kubernetes"],
    ];
    const denied = allowed.filter(([v, r, ns, sub]) => !can(v, r, ns, sub));
    assert.deepEqual(denied, [], "the ServiceAccount lacks these permissions");
  });

  it("denies what tenon has no business doing", () => {
    const forbidden: [string, string, string?, string?][] = [
      ["get", "secrets", "default"],
      ["create", "pods", "default"],
      ["patch", "pods", "default"],
      ["create", "nodes"],
      ["delete", "nodepools.karpenter.sh"],
      ["create", "ec2nodeclasses.karpenter.k8s.aws"],
      ["update", "leases.coordination.k8s.io/someone-elses-lease", namespace],
      ["create", "leases.coordination.k8s.io", "default"],
      ["get", "services/other", "kube-system"],
      ["create", "deployments.apps", "default"],
      ["update", "clusterroles.rbac.authorization.k8s.io"],
    ];
    const granted = forbidden.filter(([v, r, ns, sub]) => can(v, r, ns, sub));
    assert.deepEqual(granted, [], "the ServiceAccount may do these, and should not");
  });
});
