import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ActiveWindowsAnnotation } from "../../disruption/annotations.js";
import { bufferActivity, describeActivity, holdActivity, nextChange } from "./windows.js";

const marketOpen = JSON.stringify([{ schedule: "0 9 * * 1-5", duration: "30m", timeZone: "America/New_York" }]);
const buffer = (text?: string) => ({ metadata: { name: "b", namespace: "d", ...(text !== undefined ? { annotations: { [ActiveWindowsAnnotation]: text } } : {}) } });
// Tuesday 2026-03-03 (EST, UTC−5) and Tuesday 2026-03-10 (EDT, UTC−4: clocks went forward on the 8th).
const est = (hhmmss: string) => Date.parse(`2026-03-03T${hhmmss}-05:00`);
const edt = (hhmmss: string) => Date.parse(`2026-03-10T${hhmmss}-04:00`);
const lead = 3 * 60_000;

describe("scheduled headroom (tenon.sh/active-windows)", () => {
  const cases: { name: string; at: number; want: "active" | "inactive"; change?: number }[] = [
    { name: "well before the window: inactive, active again one start-up time before it opens", at: est("08:00:00"), want: "inactive", change: est("08:57:00") },
    { name: "one millisecond before the lead: still inactive", at: est("08:56:59.999"), want: "inactive", change: est("08:57:00") },
    { name: "exactly one start-up time before 09:00: active, so the node is up at the open", at: est("08:57:00"), want: "active", change: est("09:30:00") },
    { name: "inside the window: active until it closes", at: est("09:15:00"), want: "active", change: est("09:30:00") },
    { name: "at the close the room is released; next is tomorrow 08:57", at: est("09:30:00"), want: "inactive", change: Date.parse("2026-03-04T08:57:00-05:00") },
    { name: "a daylight-saving week: 09:00 stays 09:00 New York time", at: edt("08:57:00"), want: "active", change: edt("09:30:00") },
    { name: "Friday after the close: next opening is Monday", at: Date.parse("2026-03-06T10:00:00-05:00"), want: "inactive", change: Date.parse("2026-03-09T08:57:00-04:00") },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = bufferActivity(buffer(marketOpen), c.at, lead);
      assert.equal(a.kind, c.want, describeActivity(a, lead));
      if (c.change !== undefined) assert.equal(new Date(nextChange(a)!).toISOString(), new Date(c.change).toISOString());
    });
  }

  it("a longer measured start-up starts the room earlier", () => {
    assert.equal(bufferActivity(buffer(marketOpen), est("08:50:00"), lead).kind, "inactive");
    assert.equal(bufferActivity(buffer(marketOpen), est("08:50:00"), 10 * 60_000).kind, "active");
  });

  it("a buffer without the annotation is always active (upstream's buffer)", () => {
    assert.deepEqual(bufferActivity(buffer(), est("03:00:00"), lead), { kind: "always" });
  });

  it("an unreadable annotation is set aside, naming the field and the entry", () => {
    const a = bufferActivity(buffer(`[{"schedule":"0 9 * * 1-5","duration":"30m","timeZone":"Mars/Olympus"}]`), est("09:00:00"), lead);
    assert.equal(a.kind, "invalid");
    assert.match(describeActivity(a, lead), /metadata\.annotations\[tenon\.sh\/active-windows\]: window 0: timeZone "Mars\/Olympus"/);
  });

  it("the words say when room comes and why", () => {
    assert.match(describeActivity(bufferActivity(buffer(marketOpen), est("08:00:00"), lead), lead), /from 2026-03-03 08:57 America\/New_York \(180s before window "0 9 \* \* 1-5" opens/);
  });

  it("once switched on with a long lead, a shorter lead measured meanwhile does not switch it off before the window closes", () => {
    const on = bufferActivity(buffer(marketOpen), est("08:50:00"), 10 * 60_000);
    assert.equal(on.kind, "active");
    const shorter = bufferActivity(buffer(marketOpen), est("08:51:00"), lead);
    assert.equal(shorter.kind, "inactive", "with the new lead alone it would be off");
    assert.equal(holdActivity(on.kind === "active" ? on : undefined, shorter, est("08:51:00")).kind, "active");
    // After the window it was held for has closed, nothing is held.
    const after = bufferActivity(buffer(marketOpen), est("09:31:00"), lead);
    assert.equal(holdActivity(on.kind === "active" ? on : undefined, after, est("09:31:00")).kind, "inactive");
  });
});
