// The EC2NodeClass controller against a real API server, with a fake resolver standing in for AWS:
// finalizer and hash annotations, status and conditions from what the resolver found, messages
// that name the field, and termination that waits for NodeClaims and cleans up.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import type { EC2NodeClass } from "../../../src/apis/index.js";
import { installCRDs, useControlPlane, waitFor } from "../../env/index.js";
import { repoRoot } from "../../env/paths.js";
import { EC2NodeClassesAPI, type Harness, NodeClaimsAPI, create, ec2NodeClass, events, get, nodeClassRef, startHarness, waitForCondition } from "../nodepool/fixtures.js";

describe("EC2NodeClass controller", () => {
  const cluster = useControlPlane();
  let h: Harness;

  before(async () => {
    const kc = cluster().kubeConfig();
    await installCRDs(kc, join(repoRoot, "crds"));
    h = await startHarness(kc, { run: ["nodeclass"] });
  });
  after(() => h?.stop());

  it("adds the finalizer and hash, and writes the resolved status with every condition True", async () => {
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("ready"));
    const nc = await waitForCondition<EC2NodeClass>(h.kube, EC2NodeClassesAPI, "ready", "Ready", "True");
    assert.deepEqual(nc.metadata.finalizers, ["karpenter.k8s.aws/termination"]);
    assert.match(nc.metadata.annotations?.["karpenter.k8s.aws/ec2nodeclass-hash"] ?? "", /^[0-9]+$/);
    assert.equal(nc.metadata.annotations?.["karpenter.k8s.aws/ec2nodeclass-hash-version"], "tenon-v1");
    assert.deepEqual(nc.status?.subnets, [{ id: "subnet-0a1", zone: "us-east-1a", zoneID: "use1-az1" }]);
    assert.deepEqual(nc.status?.securityGroups, [{ id: "sg-0a1", name: "nodes" }]);
    assert.equal(nc.status?.amis?.[0]?.id, "ami-0a1");
    assert.equal(nc.status?.instanceProfile, "test_0123456789abcdef");
    const types = (nc.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();
    assert.deepEqual(types, ["AMIsReady=True", "InstanceProfileReady=True", "Ready=True", "SecurityGroupsReady=True", "SubnetsReady=True"]);
    assert.ok(nc.status?.conditions?.every((c) => c.observedGeneration === nc.metadata.generation));
  });

  it("says which field failed and how to fix it", async () => {
    h.resolver.answer = (nc) =>
      nc.metadata.name === "broken"
        ? {
            subnets: [{ id: "subnet-0a1", zone: "us-east-1a" }],
            // The resolver's own verdict on AMIs…
            conditions: [{ type: "AMIsReady", status: "False", reason: "AMINotFound", message: 'EC2NodeClass "broken": spec.amiSelectorTerms selected no AMI; fix the terms', lastTransitionTime: new Date().toISOString() }],
            // …and no security groups without a word: derived from the empty field.
            instanceProfile: "p",
          }
        : { subnets: [{ id: "subnet-0a1", zone: "us-east-1a" }], securityGroups: [{ id: "sg-1" }], amis: [{ id: "ami-1", requirements: [] }], instanceProfile: "p" };
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("broken"));
    const nc = await waitForCondition<EC2NodeClass>(h.kube, EC2NodeClassesAPI, "broken", "Ready", "False");
    const byType = new Map((nc.status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.get("SubnetsReady")?.status, "True");
    assert.equal(byType.get("InstanceProfileReady")?.status, "True");
    assert.equal(byType.get("AMIsReady")?.reason, "AMINotFound");
    const sg = byType.get("SecurityGroupsReady")!;
    assert.equal(sg.status, "False");
    assert.match(sg.message, /^EC2NodeClass "broken": no security group matches spec\.securityGroupSelectorTerms .*karpenter\.sh\/discovery.*; tag the security groups to match or fix the terms$/);
    assert.match(byType.get("Ready")!.message, /SecurityGroupsReady=False/);
    assert.match(byType.get("Ready")!.message, /AMIsReady=False/);

    // Fixed in AWS: the next resolution (on a spec change here) turns it Ready.
    h.resolver.answer = () => ({ subnets: [{ id: "subnet-0a1", zone: "us-east-1a" }], securityGroups: [{ id: "sg-1" }], amis: [{ id: "ami-1", requirements: [] }], instanceProfile: "p" });
    await h.kube.customObjects.patchClusterCustomObject(
      { ...EC2NodeClassesAPI, name: "broken", body: { spec: { tags: { fixed: "yes" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const fixed = await waitForCondition<EC2NodeClass>(h.kube, EC2NodeClassesAPI, "broken", "Ready", "True");
    assert.equal(fixed.status?.conditions?.find((c) => c.type === "SubnetsReady")?.lastTransitionTime, byType.get("SubnetsReady")?.lastTransitionTime, "an unchanged condition keeps its transition time");
  });

  // A node class the CRD admits but no kubelet can read (the quantity pattern lets "1e1.5" through)
  // used to vanish from the cache with a log line only; now it says so on itself.
  it("sets aside an EC2NodeClass it cannot read: ValidationSucceeded and Ready False naming the field, and an Event", async () => {
    const base = ec2NodeClass("unreadable") as { spec: Record<string, unknown> };
    await create(h.kube, EC2NodeClassesAPI, { ...base, spec: { ...base.spec, kubelet: { evictionHard: { "memory.available": "1e1.5" } } } });
    const nc = await waitForCondition<{ status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }>(h.kube, EC2NodeClassesAPI, "unreadable", "ValidationSucceeded", "False");
    const byType = new Map((nc.status?.conditions ?? []).map((c) => [c.type, c]));
    assert.equal(byType.get("ValidationSucceeded")?.reason, "NodeClassValidationFailed");
    assert.match(byType.get("ValidationSucceeded")!.message, /spec\.kubelet\.evictionHard\.memory\.available: is not a non-negative quantity Kubernetes can read/);
    assert.equal(byType.get("Ready")?.status, "False");
    const ev = await waitFor("the NodeClassValidationFailed event", async () => (await events(h.kube, "default", "unreadable")).find((e) => e.reason === "NodeClassValidationFailed"), { timeoutMs: 15_000 });
    assert.equal(ev.type, "Warning");
  });

  it("sets aside a kubelet field the AMI family cannot take, naming the family and the field, with an Event", async () => {
    const base = ec2NodeClass("br-gates") as { spec: Record<string, unknown> };
    await create(h.kube, EC2NodeClassesAPI, { ...base, spec: { ...base.spec, amiSelectorTerms: [{ alias: "bottlerocket@latest" }], kubelet: { featureGates: { InPlacePodVerticalScaling: true } } } });
    const nc = await waitForCondition<{ status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } }>(h.kube, EC2NodeClassesAPI, "br-gates", "ValidationSucceeded", "False");
    const v = nc.status!.conditions!.find((c) => c.type === "ValidationSucceeded")!;
    assert.match(v.message, /spec\.kubelet\.featureGates: the Bottlerocket AMI family cannot take spec\.kubelet\.featureGates/);
    const ev = await waitFor("the NodeClassValidationFailed event", async () => (await events(h.kube, "default", "br-gates")).find((e) => e.reason === "NodeClassValidationFailed"), { timeoutMs: 15_000 });
    assert.match(ev.message ?? "", /Bottlerocket AMI family cannot take spec\.kubelet\.featureGates/);
  });

  it("on deletion waits for its NodeClaims, then deletes its AWS resources and releases the finalizer", async () => {
    await create(h.kube, EC2NodeClassesAPI, ec2NodeClass("doomed"));
    await waitForCondition<EC2NodeClass>(h.kube, EC2NodeClassesAPI, "doomed", "Ready", "True");
    await create(h.kube, NodeClaimsAPI, {
      apiVersion: "karpenter.sh/v1",
      kind: "NodeClaim",
      metadata: { name: "user-of-doomed" },
      spec: { requirements: [], nodeClassRef: { ...nodeClassRef, name: "doomed" } },
    });
    await waitFor("the claim in the cache", async () => h.state.nodeClaims.get("user-of-doomed"), { timeoutMs: 10_000 });
    await h.kube.customObjects.deleteClusterCustomObject({ ...EC2NodeClassesAPI, name: "doomed" });
    await waitFor(
      "the waiting event",
      async () => (await events(h.kube, "default", "doomed")).find((e) => e.reason === "WaitingOnNodeClaimTermination" && e.message === "Waiting on NodeClaim termination for user-of-doomed"),
      { timeoutMs: 15_000 },
    );
    assert.ok(await get(h.kube, EC2NodeClassesAPI, "doomed"), "kept while a NodeClaim uses it");
    assert.deepEqual(h.resolver.deleted, []);

    await h.kube.customObjects.deleteClusterCustomObject({ ...NodeClaimsAPI, name: "user-of-doomed" });
    await waitFor("the node class gone", async () => ((await get(h.kube, EC2NodeClassesAPI, "doomed")) === undefined ? true : undefined), { timeoutMs: 15_000 });
    assert.deepEqual(h.resolver.deleted, ["doomed"]);
  });
});
