import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeClaim } from "../../apis/nodeclaim.js";
import { DEFAULT_STARTUP_MS, STARTUP_MARGIN_MS, StartupRecord, startupLeadMs } from "./startup.js";

const claim = (created: string, initialized?: string): NodeClaim =>
  ({
    metadata: { name: created, creationTimestamp: created },
    spec: {},
    status: initialized ? { conditions: [{ type: "Initialized", status: "True", reason: "Initialized", message: "", lastTransitionTime: initialized }] } : {},
  }) as unknown as NodeClaim;

describe("measured node start-up time", () => {
  it("with no node initialized yet, the default plus the margin", () => {
    assert.deepEqual(startupLeadMs([claim("2026-01-01T00:00:00Z")]), { leadMs: DEFAULT_STARTUP_MS + STARTUP_MARGIN_MS, measured: false, samples: 0 });
  });
  it("the slowest recent start-up (creation to Initialized) plus the margin", () => {
    const r = startupLeadMs([claim("2026-01-01T00:00:00Z", "2026-01-01T00:01:10Z"), claim("2026-01-01T01:00:00Z", "2026-01-01T01:00:40Z")]);
    assert.deepEqual(r, { leadMs: 70_000 + STARTUP_MARGIN_MS, measured: true, samples: 2 });
  });
  it("only the 20 most recent count: an old slow start-up ages out", () => {
    const claims = [claim("2025-01-01T00:00:00Z", "2025-01-01T00:30:00Z")];
    const iso = (ms: number) => new Date(ms).toISOString();
    for (let i = 0; i < 20; i++) {
      const t = Date.parse("2026-01-01T00:00:00Z") + i * 600_000;
      claims.push(claim(iso(t), iso(t + 30_000)));
    }
    assert.equal(startupLeadMs(claims).leadMs, 30_000 + STARTUP_MARGIN_MS);
  });

  it("the controller remembers start-ups after their claims are gone (an empty pool keeps its measured lead)", () => {
    const r = new StartupRecord();
    r.observe(claim("2026-01-01T00:00:00Z"));
    assert.equal(r.lead().measured, false);
    r.observe(claim("2026-01-01T00:00:00Z", "2026-01-01T00:00:14Z"));
    // The claim is deleted: nothing is forgotten.
    assert.deepEqual(r.lead(), { leadMs: 14_000 + STARTUP_MARGIN_MS, measured: true, samples: 1 });
  });
});
