import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseRFC3339 } from "./rfc3339.js";

describe("parseRFC3339", () => {
  it("reads RFC 3339 date-times with Z, offsets and fractions", () => {
    assert.equal(parseRFC3339("2026-12-02T09:00:00Z"), Date.UTC(2026, 11, 2, 9));
    assert.equal(parseRFC3339("2026-12-02t10:30:00+01:30"), Date.UTC(2026, 11, 2, 9));
    assert.equal(parseRFC3339("2026-12-02T08:00:00.123456789-01:00"), Date.UTC(2026, 11, 2, 9, 0, 0, 123));
    assert.equal(parseRFC3339("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29));
    assert.equal(parseRFC3339("0001-01-01T00:00:00Z"), new Date("0001-01-01T00:00:00Z").getTime());
  });

  it("refuses what Date.parse would guess at", () => {
    for (const s of ["1", "2026", "2026-12-02", "2026-12-02T09:00", "2026-12-02T09:00:00", "2026-12-02 09:00:00Z", "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-02T24:00:00Z", "2026-12-02T09:60:00Z", "2026-12-02T09:00:60Z", "2026-12-02T09:00:00+24:00", "Tue, 02 Dec 2026 09:00:00 GMT", " 2026-12-02T09:00:00Z"]) {
      assert.equal(parseRFC3339(s), undefined, s);
    }
  });

  it("agrees with Date for every instant it prints", () => {
    fc.assert(
      fc.property(fc.date({ min: new Date("1000-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true }), (d) => {
        assert.equal(parseRFC3339(d.toISOString()), d.getTime());
      }),
    );
  });
});
