import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { oneReservationKind, reservationKindOf } from "./reservationkind.js";

type C = { name: string; offering: { price: number; reservationType?: "default" | "capacity-block"; reservationInterruptible?: boolean } };
const c = (name: string, price: number, reservationType: "default" | "capacity-block" = "default", reservationInterruptible = false): C => ({ name, offering: { price, reservationType, reservationInterruptible } });

describe("one reservation kind per reserved launch (Karpenter's capacity-reservation-type filter)", () => {
  const cases: { name: string; in: C[]; kept: string[] }[] = [
    { name: "one kind: all kept", in: [c("a", 1), c("b", 2)], kept: ["a", "b"] },
    { name: "the cheapest offering's kind wins", in: [c("odcr", 2), c("block", 1, "capacity-block"), c("block2", 3, "capacity-block")], kept: ["block", "block2"] },
    { name: "a tie: ordinary before capacity block", in: [c("block", 1, "capacity-block"), c("odcr", 1)], kept: ["odcr"] },
    { name: "a tie: capacity block before interruptible", in: [c("intr", 1, "default", true), c("block", 1, "capacity-block")], kept: ["block"] },
    { name: "interruptible kept apart from ordinary", in: [c("intr", 1, "default", true), c("odcr", 2)], kept: ["intr"] },
    { name: "none", in: [], kept: [] },
  ];
  for (const t of cases) it(t.name, () => assert.deepEqual(oneReservationKind(t.in).map((x) => x.name), t.kept));
  it("a capacity block is never interruptible", () => {
    assert.deepEqual(reservationKindOf(c("x", 1, "capacity-block", true)), { type: "capacity-block", interruptible: false });
  });
});
