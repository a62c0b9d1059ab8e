import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { requestTarget } from "./httpserver.js";

describe("requestTarget", () => {
  it("reads origin-form and absolute-form targets, and refuses everything else without throwing", () => {
    const read = (raw: string | undefined) => {
      const t = requestTarget(raw);
      return t && { path: t.path, verbose: t.query.has("verbose") };
    };
    assert.deepEqual(read("/healthz"), { path: "/healthz", verbose: false });
    assert.deepEqual(read("/readyz?verbose"), { path: "/readyz", verbose: true });
    assert.deepEqual(read("/readyz?a=%zz&verbose"), { path: "/readyz", verbose: true });
    assert.deepEqual(read("http://localhost:8081/healthz?verbose"), { path: "/healthz", verbose: true });
    assert.deepEqual(read("HTTPS://x/metrics"), { path: "/metrics", verbose: false });
    for (const bad of [undefined, "", "http://[", "https://[::1", "*", "localhost:80", "?verbose", "ftp://x/healthz", "javascript:alert(1)"]) {
      assert.equal(requestTarget(bad), undefined, String(bad));
    }
  });
});
