// Go's time.ParseDuration, checked against Go itself (a table of inputs Go's own parser answered,
// made by scripts/goduration-oracle) and against the grammar's arithmetic on random inputs.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it, test } from "node:test";
import fc from "fast-check";
import { GoDurationError, goQuote, parseGoDuration, tryParseGoDuration } from "./goduration.js";

type Row = [input: string, ns: string | null, error: string | null, quoted: string];
const rows = JSON.parse(readFileSync(join(import.meta.dirname, "goduration.cases.json"), "utf8")) as Row[];

const ns = 1n;
const us = 1000n * ns;
const ms = 1000n * us;
const s = 1000n * ms;
const m = 60n * s;
const h = 60n * m;

describe("parseGoDuration", () => {
  it("answers as Go does on every row of the oracle's table", () => {
    assert.ok(rows.length > 300);
    for (const [input, want, error] of rows) {
      const got = tryParseGoDuration(input);
      if (error === null) assert.deepEqual(got, { ok: true, ns: BigInt(want!) }, JSON.stringify(input));
      else assert.deepEqual(got, { ok: false, error }, JSON.stringify(input));
    }
  });

  it("reads Go's examples", () => {
    const cases: [string, bigint][] = [
      ["1h30m", h + 30n * m],
      ["1.5h", h + 30n * m],
      ["300ms", 300n * ms],
      ["-1s", -s],
      ["+1s", s],
      ["1us", us],
      ["1\u00b5s", us],
      ["1\u03bcs", us],
      ["2h45m", 2n * h + 45n * m],
      ["-1.5h", -(h + 30n * m)],
      [".5s", 500n * ms],
      ["5.s", 5n * s],
      ["0", 0n],
      ["-0", 0n],
      ["0s", 0n],
      ["1h1h", 2n * h],
      ["9223372036854775807ns", 9223372036854775807n],
      ["-9223372036854775808ns", -9223372036854775808n],
      ["2562047h47m16.854775807s", 9223372036854775807n],
    ];
    for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
  });

  it("refuses what Go refuses, with Go's message", () => {
    const cases: [string, string][] = [
      ["", 'time: invalid duration ""'],
      ["1", 'time: missing unit in duration "1"'],
      ["1x", 'time: unknown unit "x" in duration "1x"'],
      ["1d", 'time: unknown unit "d" in duration "1d"'],
      ["true", 'time: invalid duration "true"'],
      ["-", 'time: invalid duration "-"'],
      [".s", 'time: invalid duration ".s"'],
      [" 1s", 'time: invalid duration " 1s"'],
      ["1s ", 'time: unknown unit "s " in duration "1s "'],
      ["1h-1m", 'time: unknown unit "h-" in duration "1h-1m"'],
      ["1é", 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'],
      ["9223372036854775808ns", 'time: invalid duration "9223372036854775808ns"'],
      ["3000000h", 'time: invalid duration "3000000h"'],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseGoDuration(input), (err: unknown) => err instanceof GoDurationError && err.message === message, input);
    }
  });

  it("wraps a sum past 2^64 as Go's uint64 does", () => {
    assert.equal(parseGoDuration("9223372036854775808ns9223372036854775808ns"), 0n);
  });
});

describe("parseGoDuration's grammar, on random inputs", () => {
  const units: [string, bigint][] = [["ns", ns], ["us", us], ["\u00b5s", us], ["ms", ms], ["s", s], ["m", m], ["h", h]];
  const term = fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(...units));
  const sign = fc.constantFrom("", "+", "-");

  test("a signed sum of integer terms is the sum of their values", () => {
    fc.assert(
      fc.property(sign, fc.array(term, { minLength: 1, maxLength: 5 }), (sg, terms) => {
        const text = sg + terms.map(([n, [u]]) => `${n}${u}`).join("");
        const total = terms.reduce((sum, [n, [, v]]) => sum + BigInt(n) * v, 0n);
        assert.equal(parseGoDuration(text), sg === "-" ? -total : total);
      }),
    );
  });

  test("a fraction adds its digits' share of the unit, truncated to whole nanoseconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.stringMatching(/^[0-9]{1,6}$/), fc.constantFrom(...units), (whole, digits, [u, v]) => {
        const frac = (BigInt(digits) * v) / 10n ** BigInt(digits.length);
        // Go multiplies through a float64: at most a nanosecond below the exact share.
        const got = parseGoDuration(`${whole}.${digits}${u}`) - BigInt(whole) * v;
        assert.ok(got === frac || got === frac - 1n, `${whole}.${digits}${u}: ${got} vs ${frac}`);
      }),
    );
  });

  test("anything outside [-+]?([0-9]*(\\.[0-9]*)?unit)+ (or a bare 0) is refused", () => {
    // Six characters at most: too short to overflow 2^63 ns, so the grammar alone decides.
    const grammar = /^[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/u;
    fc.assert(
      fc.property(fc.stringMatching(/^[-+0-9.a-z\u00b5 ]{0,6}$/), (text) => {
        const ok = tryParseGoDuration(text).ok;
        if (!/^[-+]?0$/.test(text)) assert.equal(ok, grammar.test(text), JSON.stringify(text));
        else assert.equal(ok, true);
      }),
    );
  });

  test("a leading minus negates", () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 3 }), (terms) => {
        const text = terms.map(([n, [u]]) => `${n}${u}`).join("");
        assert.equal(parseGoDuration(`-${text}`), -parseGoDuration(text));
      }),
    );
  });
});

describe("goQuote", () => {
  it("quotes as Go's %q does", () => {
    for (const [input, , , quoted] of rows) assert.equal(goQuote(input), quoted, JSON.stringify(input));
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote("tab\there\n"), '"tab\\there\\n"');
    assert.equal(goQuote("\x01\x7f"), '"\\x01\\x7f"');
    assert.equal(goQuote("1µs é"), '"1µs é"');
    assert.equal(goQuote("\u200b"), '"\\u200b"');
  });
});
