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

  it("refuses a bad manifest with a message naming the field", () => {
    const r = kubectl("apply", "-f", join(manifestsDir, "invalid", "np-req-karpenter-domain.yaml"));
    assert.notEqual(r.code, 0);
    assert.match(r.err, /spec\.template\.spec\.requirements\[0\]\.key: Invalid value: "string": label domain "karpenter\.sh" is restricted/);
  });

  it("explains fields", () => {
    const r = kubectl("explain", "nodepool.spec.disruption.consolidationPolicy");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /WhenEmptyOrUnderutilized/);
  });
});
