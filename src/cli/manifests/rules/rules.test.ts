import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { apiRules } from "./index.js";
import { dnsLabelError, dnsSubdomainError, labelValueError, qualifiedNameError } from "./names.js";
import { isSchedulerInteger } from "./selectors.js";

describe("API-server name rules", () => {
  it("takes RFC 1123 names and qualified keys, and refuses the rest", () => {
    for (const ok of ["web", "web-1", "a.b.c", "1a"]) assert.equal(dnsSubdomainError(ok), undefined, ok);
    for (const bad of ["Web", "web_1", "-web", "web-", "a..b", "", "x".repeat(254), "wéb"]) assert.notEqual(dnsSubdomainError(bad), undefined, bad);
    assert.notEqual(dnsLabelError("a.b"), undefined);
    for (const ok of ["app", "app.kubernetes.io/name", "example.com/A_b-c.d", "example.com/constructor", "constructor", "toString"]) assert.equal(qualifiedNameError(ok), undefined, ok);
    for (const bad of ["", "-app", "a/b/c", "/app", "Example.com/app", "app!", "x".repeat(64), "__proto__"]) assert.notEqual(qualifiedNameError(bad), undefined, bad);
    for (const ok of ["", "v1", "a-b_c.d"]) assert.equal(labelValueError(ok), undefined, ok);
    for (const bad of ["a b", "-a", "a-", "x".repeat(64)]) assert.notEqual(labelValueError(bad), undefined, bad);
  });

  it("reads Gt/Lt values as Go's strconv.ParseInt(s, 10, 64) does", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }), fc.constantFrom("", "+", "0"), (n, prefix) => {
        const s = n < 0n ? `-${prefix === "+" ? "" : prefix}${-n}` : `${prefix}${n}`;
        assert.equal(isSchedulerInteger(s), n >= -(2n ** 63n) && n < 2n ** 63n, s);
      }),
    );
    for (const bad of ["4.5", "64cores", "0x10", " 4", "4 ", "", "+", "1e3"]) assert.equal(isSchedulerInteger(bad), false, bad);
  });

  it("names each field the API server would refuse, on the object as written", () => {
    const issues = apiRules(
      "Deployment",
      {
        metadata: { name: "web", namespace: "shop", labels: JSON.parse('{"__proto__": "x"}') },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "api" } }, spec: { containers: [{ name: "c", resources: { requests: { cpu: 2 }, limits: { cpu: "1" } } }] } },
        },
      },
      true,
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ["metadata.labels.__proto__", "spec.template.metadata.labels", "spec.template.spec.containers[0].resources.requests.cpu"],
    );
  });
});
