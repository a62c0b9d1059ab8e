// NodeRegistrationHealthy's pure rules, as a user of Karpenter sees them: outcomes of the last four
// claims, two failures make it False, a registration makes it True, a spec change starts it over.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../apis/common.js";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { RegistrationHealthState, healthOf, registrationHealthSync, registrationHealthUpdate, windowFor, withOutcome } from "./registrationhealth.js";

const cond = (status: Condition["status"], observedGeneration = 1): Condition[] => [
  { type: "NodeRegistrationHealthy", status, reason: status === "True" ? "NodeRegistrationHealthy" : "X", message: "", lastTransitionTime: "2026-01-01T00:00:00Z", observedGeneration },
];
const claim = (launched?: Partial<Condition>): NodeClaim => ({
  apiVersion: "karpenter.sh/v1",
  kind: "NodeClaim",
  metadata: { name: "c", ownerReferences: [{ apiVersion: "karpenter.sh/v1", kind: "NodePool", name: "p", uid: "pool-uid" }] },
  spec: { requirements: [], nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "default" }, expireAfter: "720h" },
  ...(launched ? { status: { conditions: [{ type: "Launched", status: "True", reason: "Launched", message: "", lastTransitionTime: "2026-01-01T00:00:00Z", ...launched }] } } : {}),
});

describe("registration health window", () => {
  const cases: { name: string; outcomes: boolean[]; want: ReturnType<typeof healthOf> }[] = [
    { name: "nothing known yet", outcomes: [], want: "Unknown" },
    { name: "one failure of four is still healthy", outcomes: [true, true, true, false], want: "Healthy" },
    { name: "a single failure alone is healthy (counted against the whole window)", outcomes: [false], want: "Healthy" },
    { name: "two failures make it unhealthy", outcomes: [false, false], want: "Unhealthy" },
    { name: "two failures among four make it unhealthy", outcomes: [true, false, true, false], want: "Unhealthy" },
  ];
  for (const c of cases) it(c.name, () => assert.equal(healthOf(c.outcomes), c.want));

  it("keeps only the last four outcomes", () => {
    let w: boolean[] = [];
    for (const ok of [false, false, true, true, true, true]) w = withOutcome(w, ok);
    assert.deepEqual(w, [true, true, true, true]);
    assert.equal(healthOf(w), "Healthy");
  });

  it("seeds memory to the smallest window that says the health", () => {
    assert.equal(healthOf(windowFor("Healthy")), "Healthy");
    assert.equal(healthOf(windowFor("Unhealthy")), "Unhealthy");
    assert.equal(healthOf(windowFor("Unknown")), "Unknown");
    // Seeded unhealthy, one registration is not enough to recover; a second one pushes a failure out.
    const s = new RegistrationHealthState();
    s.set("u", "Unhealthy");
    assert.equal(s.dryRun("u", true), "Unhealthy");
    s.record("u", true);
    s.record("u", true);
    s.record("u", true);
    assert.equal(s.status("u"), "Healthy");
  });
});

describe("registrationHealthUpdate", () => {
  it("a first registration makes an Unknown pool True", () => {
    assert.deepEqual(registrationHealthUpdate(cond("Unknown"), claim({}), true, "Healthy"), { type: "NodeRegistrationHealthy", status: "True", reason: "NodeRegistrationHealthy", message: "" });
  });
  it("an already True pool is left alone", () => assert.equal(registrationHealthUpdate(cond("True"), claim({}), true, "Healthy"), undefined));
  it("a registration that leaves the window unhealthy does not make it True", () => assert.equal(registrationHealthUpdate(cond("False"), claim({}), true, "Unhealthy"), undefined));
  it("a launched claim that never registered: RegistrationFailed", () => {
    assert.deepEqual(registrationHealthUpdate(cond("True"), claim({}), false, "Unhealthy"), { type: "NodeRegistrationHealthy", status: "False", reason: "RegistrationFailed", message: "Failed to register node" });
  });
  it("a claim whose launch kept failing: the launch's reason and message", () => {
    const u = registrationHealthUpdate(cond("Unknown"), claim({ status: "False", reason: "InsufficientCapacityError", message: "no capacity" }), false, "Unhealthy");
    assert.deepEqual(u, { type: "NodeRegistrationHealthy", status: "False", reason: "InsufficientCapacityError", message: "no capacity" });
  });
  it("one failure is not enough; an already False pool is left alone", () => {
    assert.equal(registrationHealthUpdate(cond("True"), claim({}), false, "Healthy"), undefined);
    assert.equal(registrationHealthUpdate(cond("False"), claim({}), false, "Unhealthy"), undefined);
  });
});

describe("registrationHealthSync", () => {
  const cases: { name: string; c?: Condition[]; gen: number; observed?: number; nc?: number; mem: ReturnType<typeof healthOf>; want: { seed?: string; reset: boolean } }[] = [
    { name: "no condition yet: reset to Unknown", gen: 1, observed: undefined, nc: 1, mem: "Unknown", want: { reset: true } },
    { name: "unchanged specs: kept", c: cond("True", 3), gen: 3, observed: 2, nc: 2, mem: "Healthy", want: { reset: false } },
    { name: "the NodePool's spec changed: reset", c: cond("False", 3), gen: 4, observed: 2, nc: 2, mem: "Unhealthy", want: { reset: true } },
    { name: "the node class's spec changed: reset", c: cond("True", 3), gen: 3, observed: 2, nc: 3, mem: "Healthy", want: { reset: true } },
    { name: "after a restart memory is seeded from a True condition", c: cond("True", 3), gen: 3, observed: 2, nc: 2, mem: "Unknown", want: { seed: "Healthy", reset: false } },
    { name: "…and from a False one", c: cond("False", 3), gen: 3, observed: 2, nc: 2, mem: "Unknown", want: { seed: "Unhealthy", reset: false } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(registrationHealthSync(c.c, c.gen, c.observed, c.nc, c.mem), c.want));
});
