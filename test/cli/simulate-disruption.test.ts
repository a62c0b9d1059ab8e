// `tenon simulate --disruption` on the committed sleep-window snapshot, through the command line in process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tenon } from "./in-process.js";

describe("tenon simulate --disruption", () => {
  it("inside the sleep window, empties the sleeping pool except the do-not-disrupt pod's node, and says why", async () => {
    const r = await tenon(["simulate", "--disruption", "--at", "2026-11-23T23:00:00+01:00", "examples/sleep-window"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^sleep\s+delete\s+ip-10-0-1-11\.ec2\.internal .*ip-10-0-1-12\.ec2\.internal/m);
    assert.match(r.stdout, /ip-10-0-1-13\.ec2\.internal\s+batch\s+PodDoNotDisrupt\s+left alone while NodePool "batch" is asleep/);
  });

  it("outside the window, does not put the pool to sleep", async () => {
    const r = await tenon(["simulate", "--disruption", "--at", "2026-11-24T12:00:00+01:00", "examples/sleep-window"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /^sleep\s+delete/m);
  });

  it("refuses a time it cannot read", async () => {
    const r = await tenon(["simulate", "--disruption", "--at", "tomorrow", "examples/sleep-window"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--at "tomorrow" is not an RFC 3339 time/);
  });
});
