// What a user does: `kubectl apply` manifests written for Karpenter v1 onto an API server with
// tenon's CRDs, then `kubectl get` them. Uses the real kubectl built with the control plane.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { installCRDs, useControlPlane } from "../env/index.js";
import { bin, repoRoot } from "../env/paths.js";
import { manifestsDir } from "./corpus.js";

describe("kubectl with tenon's CRDs", () => {
  const cluster = useControlPlane();
  const kubectl = (...args: string[]) => {
    const r = spawnSync(bin.kubectl, ["--kubeconfig", cluster().kubeconfigPath, ...args], { encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(async () => {
    await installCRDs(cluster().kubeConfig(), join(repoRoot, "crds"));
  });

  it("applies Karpenter v1 manifests unchanged, twice (the second time as a no-op)", () => {
    const files = ["nodepool-getting-started.yaml", "ec2nodeclass-getting-started.yaml", "nodepool-every-field.yaml", "ec2nodeclass-every-field.yaml"].map((f) => join(manifestsDir, "valid", f));
    const args = files.flatMap((f) => ["-f", f]);
    const first = kubectl("apply", ...args);
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /nodepool.karpenter.sh\/default created/);
    assert.match(first.out, /ec2nodeclass.karpenter.k8s.aws\/default created/);
    const second = kubectl("apply", ...args);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /nodepool.karpenter.sh\/default unchanged/);
  });

  it("shows Karpenter's columns in kubectl get", () => {
    const pools = kubectl("get", "nodepools");
    assert.equal(pools.code, 0, pools.err);
    assert.match(pools.out.split("\n")[0]!, /^NAME\s+NODECLASS\s+NODES\s+READY\s+AGE$/);
    assert.match(pools.out, /^default\s+default\s+/m);
    const wide = kubectl("get", "nodepools", "-o", "wide");
    assert.match(wide.out.split("\n")[0]!, /WEIGHT\s+CPU\s+MEMORY/);
    const classes = kubectl("get", "ec2nc");
    assert.match(classes.out.split("\n")[0]!, /^NAME\s+READY\s+AGE$/);
    const claims = kubectl("get", "nodeclaims");
    assert.equal(claims.code, 0, claims.err);
  });

  it("a NodePool whose node registrations fail stays READY (Ready summarises validation and the node class only)", () => {
    const at = "2026-11-21T10:00:00Z";
    const c = (type: string, status: string, reason: string, message = "") => ({ type, status, reason, message, lastTransitionTime: at, observedGeneration: 1 });
    const status = {
      nodes: 3,
      conditions: [c("ValidationSucceeded", "True", "ValidationSucceeded"), c("NodeClassReady", "True", "NodeClassReady"), c("NodeRegistrationHealthy", "False", "RegistrationFailed", "Failed to register node"), c("Ready", "True", "Ready")],
    };
    const patched = kubectl("patch", "nodepool", "default", "--subresource=status", "--type=merge", "-p", JSON.stringify({ status }));
    assert.equal(patched.code, 0, patched.err);
    const pools = kubectl("get", "nodepools", "default");
    assert.match(pools.out, /^default\s+default\s+3\s+True\s+/m);
    // What Karpenter's docs and e2e suites wait on works against tenon's CRD.
    const waited = kubectl("wait", "nodepool/default", "--for=condition=NodeRegistrationHealthy=False", "--timeout=10s");
    assert.equal(waited.code, 0, waited.err);
    const reason = kubectl("get", "nodepool", "default", "-o", "jsonpath={.status.conditions[?(@.type==\"NodeRegistrationHealthy\")].reason}");
    assert.equal(reason.out, "RegistrationFailed");
  });

  it("refuses a bad manifest with a message naming the field", () => {
    const r = kubectl("apply", "-f", join(manifestsDir, "invalid", "np-req-karpenter-domain.yaml"));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /spec\.template\.spec\.requirements\[0\]\.key: Invalid value: "string": label domain "karpenter\.sh" is restricted/);
  });

  it("scales a static NodePool with kubectl scale, and refuses to scale a dynamic one", () => {
    const applied = kubectl("apply", "-f", join(manifestsDir, "valid", "nodepool-static-karpenter-docs.yaml"));
    assert.equal(applied.code, 0, applied.err);
    const scaled = kubectl("scale", "nodepool", "static-capacity", "--replicas", "5");
    assert.equal(scaled.code, 0, scaled.err);
    assert.match(scaled.out, /nodepool.karpenter.sh\/static-capacity scaled/);
    const replicas = kubectl("get", "nodepool", "static-capacity", "-o", "jsonpath={.spec.replicas}");
    assert.equal(replicas.out, "5");
    // The scale subresource reads status.nodes, which the API server defaults to 0.
    const scale = kubectl("get", "--raw", "/apis/karpenter.sh/v1/nodepools/static-capacity/scale");
    assert.equal(scale.code, 0, scale.err);
    const body = JSON.parse(scale.out) as { spec: { replicas: number }; status: { replicas: number } };
    assert.deepEqual([body.spec.replicas, body.status.replicas], [5, 0]);
    const dynamic = kubectl("scale", "nodepool", "default", "--replicas", "2");
    assert.notEqual(dynamic.code, 0);
    assert.match(dynamic.err, /Cannot transition NodePool between static \(replicas set\) and dynamic \(replicas unset\) provisioning modes/);
  });

  it("applies Karpenter's NodeOverlay and CapacityBuffer examples and lists them with their short names", () => {
    const files = ["nodeoverlay-karpenter-docs.yaml", "capacitybuffer-karpenter-docs.yaml"].flatMap((f) => ["-f", join(manifestsDir, "valid", f)]);
    const r = kubectl("apply", ...files);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /nodeoverlay.karpenter.sh\/overlay-b created/);
    assert.match(r.out, /capacitybuffer.autoscaling.x-k8s.io\/web-app-buffer created/);
    const overlays = kubectl("get", "overlays");
    assert.match(overlays.out.split("\n")[0]!, /^NAME\s+READY\s+AGE$/);
    assert.match(overlays.out, /^custom-devices\s/m);
    const buffers = kubectl("get", "cb", "-n", "default");
    assert.match(buffers.out.split("\n")[0]!, /^NAME\s+STRATEGY\s+PODTEMPLATE\s+REPLICAS\s+CONDITIONSTYPE\s+CONDITIONSSTATUS\s+CONDITIONSREASON\s+AGE$/);
    assert.match(buffers.out, /^web-app-buffer\s+buffer.x-k8s.io\/active-capacity\s/m);
  });

  it("explains fields", () => {
    const r = kubectl("explain", "nodepool.spec.disruption.consolidationPolicy");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /WhenEmptyOrUnderutilized/);
  });
});
