// One CreateFleet has one market: a capacity block, an interruptible reservation and an ordinary
// on-demand reservation each need their own target capacity type and launch template market type.
// So a reserved launch keeps the candidates of one kind only, as Karpenter v1.14's
// capacity-reservation-type filter does: the kind with the cheapest offering, and on a tie an
// ordinary reservation before a capacity block before an interruptible one (the least likely to be
// taken back first).

export interface ReservationKind {
  type: "default" | "capacity-block";
  interruptible: boolean;
}

interface Reserved {
  offering: { price: number; reservationType?: "default" | "capacity-block" | undefined; reservationInterruptible?: boolean | undefined };
}

export const reservationKindOf = (c: Reserved): ReservationKind => ({
  type: c.offering.reservationType ?? "default",
  // There is no interruptible capacity block.
  interruptible: c.offering.reservationType !== "capacity-block" && (c.offering.reservationInterruptible ?? false),
});

const rank = (k: ReservationKind): number => (k.type === "capacity-block" ? 1 : k.interruptible ? 2 : 0);

/** The candidates of the one reservation kind a reserved launch goes for (all of them when they are of one kind). */
export function oneReservationKind<C extends Reserved>(candidates: C[]): C[] {
  let best: { kind: ReservationKind; price: number } | undefined;
  for (const c of candidates) {
    const kind = reservationKindOf(c);
    const price = c.offering.price;
    if (!best || price < best.price || (price === best.price && rank(kind) < rank(best.kind))) best = { kind, price };
  }
  if (!best) return candidates;
  const chosen = rank(best.kind);
  return candidates.filter((c) => rank(reservationKindOf(c)) === chosen);
}
