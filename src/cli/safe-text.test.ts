import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { quote, safeJSON, safeMessage, safeText } from "./safe-text.js";

/** Whether a terminal would act on a character of the text (a line feed is the text's own). */
const acts = (s: string, keepNewlines: boolean): boolean =>
  [...s].some((ch) => {
    const c = ch.codePointAt(0)!;
    return (c < 0x20 && !(keepNewlines && ch === "\n")) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
  });

describe("safe text", () => {
  it("escapes escape sequences, C1 controls and bidi overrides, and keeps the rest", () => {
    assert.equal(safeText("\u001b[31mred\u001b[0m"), "\\u001b[31mred\\u001b[0m");
    assert.equal(safeText("a\nb\tc\u009b\u202e"), "a\\nb\\tc\\u009b\\u202e");
    assert.equal(safeMessage("line 1\nline\u0007 2\n"), "line 1\nline\\u0007 2\n");
    assert.equal(safeText("wéb-1 ☃"), "wéb-1 ☃");
  });

  it("quotes values JSON-style and cuts long ones", () => {
    assert.equal(quote("a\"b"), '"a\\"b"');
    assert.equal(quote("\u001b"), '"\\u001b"');
    assert.match(quote("x".repeat(500)), /^"x{120}"… \(380 more characters\)$/);
  });

  it("never lets a character a terminal acts on through, and JSON stays the same value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        assert.ok(!acts(safeText(s), false));
        assert.ok(!acts(safeMessage(s), true));
        assert.ok(!acts(quote(s), false));
        const json = safeJSON({ s });
        assert.ok(!acts(json, true));
        assert.deepEqual(JSON.parse(json), { s });
      }),
      { numRuns: 500 },
    );
  });
});
