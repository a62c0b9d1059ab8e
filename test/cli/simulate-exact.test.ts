// `tenon simulate` and the exact (MILP) packing stage: the m5 case from issue 12, with the plan's
// optimality said in words and in JSON. Budgets are set so the outcome does not depend on load.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { simulateJSON, tenon } from "./in-process.js";

const m5 = `apiVersion: karpenter.sh/v1
kind: NodePool
metadata: { name: m5 }
spec:
  template:
    spec:
      nodeClassRef: { group: karpenter.k8s.aws, kind: EC2NodeClass, name: default }
      requirements:
        - { key: karpenter.k8s.aws/instance-family, operator: In, values: [m5] }
        - { key: karpenter.sh/capacity-type, operator: In, values: [on-demand] }
---
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata: { name: default }
spec:
  role: KarpenterNodeRole
  amiSelectorTerms: [{ alias: al2023@latest }]
  subnetSelectorTerms: [{ tags: { karpenter.sh/discovery: demo } }]
  securityGroupSelectorTerms: [{ tags: { karpenter.sh/discovery: demo } }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: default }
spec:
  replicas: 20
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: app
          image: nginx
          resources: { requests: { cpu: 500m, memory: 512Mi } }
`;

describe("tenon simulate: the exact packing stage", () => {
  it("m5: plans $0.576/hour and says the plan is proven optimal", async () => {
    const r = await tenon(["simulate", "-", "--exact-budget", "60000"], m5);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Total: \$0\.5760\/hour for 2 new nodes/);
    assert.match(r.stdout, /Optimality: proven optimal by the exact packing \(MILP\); the exact packing replaced the first-fit plan, which cost \$0\.7680\/hour\./);
    const { plan } = await simulateJSON(["-", "--exact-budget", "60000"], m5);
    assert.equal(plan.totalPricePerHour, 0.576);
    assert.equal(plan.optimality?.provenOptimal, true);
    assert.equal(plan.optimality?.ratioToLowerBound, 1);
  });

  it("--exact-budget 0: the first-fit plan, and the distance to the bound instead of a proof", async () => {
    const r = await tenon(["simulate", "-", "--exact-budget", "0"], m5);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Total: \$0\.7680\/hour for 1 new node/);
    assert.match(r.stdout, /Optimality: not checked exactly \(the exact stage is disabled \(time budget 0\)\); this plan is within 59\.5 % of the lower bound\./);
  });

  it("a negative budget is a usage error", async () => {
    const r = await tenon(["simulate", "-", "--exact-budget", "-1"], m5);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /milliseconds/);
  });
});
