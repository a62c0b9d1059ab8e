import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ValidationError } from "../../apis/parse.js";
import { classifyManifests } from "./classify.js";
import { parseDocuments } from "./documents.js";

const classify = (text: string) => classifyManifests(parseDocuments({ source: "f.yaml", text }));

const nodePool = (name: string, extra = "") => `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: {name: ${name}}
spec:
  template:
    spec:
      requirements: [{key: kubernetes.io/arch, operator: In, values: [amd64]}]
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
${extra}`;

describe("classifyManifests", () => {
  it("sorts objects by kind and applies the API's defaults", () => {
    const set = classify(`${nodePool("a")}---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, resources: {requests: {cpu: 1}}}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec: {selector: {matchLabels: {app: d}}, template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c}]}}}
`);
    assert.equal(set.nodePools.length, 1);
    assert.equal(set.nodePools[0]!.spec.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
    assert.equal(set.pods.length, 1);
    // A quantity written as a YAML number reaches the pod as the string the client types expect.
    assert.equal(set.pods[0]!.spec!.containers[0]!.resources!.requests!.cpu, "1");
    assert.equal(set.deployments.length, 1);
    assert.equal(set.sources.get(set.nodePools[0]!), "f.yaml");
  });

  it("names the file, object and field of an invalid NodePool", () => {
    assert.throws(
      () => classify(nodePool("x").replace("operator: In", "operator: Equals")),
      (err: Error) => err instanceof ValidationError && err.message.startsWith('f.yaml: NodePool "x" is invalid') && err.message.includes("spec.template.spec.requirements[0].operator"),
    );
  });

  it("rejects unknown fields in NodePools and EC2NodeClasses", () => {
    assert.throws(() => classify(nodePool("x", "  weigth: 10\n")), (err: Error) => err instanceof ValidationError && /spec\.weigth: unknown field/.test(err.message));
  });

  it("names the field a workload lacks", () => {
    assert.throws(
      () => classify("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n"),
      (err: Error) => err.message.startsWith('f.yaml: Deployment "default/web" is invalid') && err.message.includes("spec.template"),
    );
    assert.throws(() => classify("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {replicas: -1, template: {spec: {containers: [{name: c}]}}}\n"), /spec\.replicas/);
    assert.throws(() => classify("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, resources: {requests: {cpu: lots}}}]}\n"), /spec\.containers\[0\]\.resources\.requests\.cpu/);
    assert.throws(() => classify("apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: old}\nspec: {template: {spec: {containers: [{name: c}]}}}\n"), /Deployment "default\/old" is invalid:\n {2}- apiVersion/);
  });

  it("refuses an object defined twice, and skips kinds it does not use with a warning", () => {
    assert.throws(() => classify(`${nodePool("a")}---\n${nodePool("a")}`), /f\.yaml: NodePool "a" is defined twice \(first in f\.yaml\)/);
    const set = classify("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: t}\n");
    assert.deepEqual(set.warnings, ["ignored 2 Service objects: tenon simulate does not use this kind"]);
  });

  it("keeps same-named pods in different namespaces apart", () => {
    const pod = (ns: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ${ns}}\nspec: {containers: [{name: c}]}\n`;
    assert.equal(classify(`${pod("a")}---\n${pod("b")}`).pods.length, 2);
  });
});
