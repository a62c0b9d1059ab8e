// Offerings (instance type, zone, capacity type) that EC2 just refused for lack of capacity. They
// are left out of launches and shown as unavailable for a while, so the scheduler picks something
// EC2 can fill instead of asking again for what failed. A refusal inside a placement group is
// recorded for that group only (as Karpenter v1.14 scopes it): a full cluster group says nothing
// about the same type outside it. A reserved offering's refusal or interruption is its
// reservation's, recorded in the reservation availability instead.
import type { CapacityType } from "../../apis/labels.js";
import { type Clock, TTLCache, systemClock } from "./cache.js";
import { ReservationAvailability } from "./reservationavailability.js";

/** How long an insufficient-capacity answer keeps an offering out (Karpenter: 3 minutes). */
export const UNAVAILABLE_OFFERING_TTL_MS = 3 * 60_000;

export class UnavailableOfferings {
  private readonly cache: TTLCache<true>;
  readonly reservations: ReservationAvailability;
  private ownSeq = 0;

  constructor(ttlMs = UNAVAILABLE_OFFERING_TTL_MS, clock: Clock = systemClock) {
    this.cache = new TTLCache<true>(ttlMs, clock);
    this.reservations = new ReservationAvailability(clock);
  }

  /** Changes with every new mark here or in the reservations, so cached instance type lists know to refresh. */
  get seq(): number {
    return this.ownSeq + this.reservations.seq;
  }

  private static key(instanceType: string, zone: string, capacityType: string, placementGroupID?: string): string {
    return `${capacityType}:${instanceType}:${zone}${placementGroupID ? `:${placementGroupID}` : ""}`;
  }

  /**
   * Marks the offering unavailable: in the placement group only when one is given; for a reserved
   * offering with its reservation ID, the reservation (until its next describe).
   */
  markUnavailable(instanceType: string, zone: string, capacityType: CapacityType, scope: { placementGroupID?: string | undefined; reservationID?: string | undefined } = {}): void {
    if (capacityType === "reserved" && scope.reservationID) {
      this.reservations.markUnavailable(scope.reservationID);
      return;
    }
    this.cache.set(UnavailableOfferings.key(instanceType, zone, capacityType, scope.placementGroupID), true);
    this.ownSeq++;
  }

  /** Unavailable everywhere, or (given the node class's placement group) inside that group. */
  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType, placementGroupID?: string): boolean {
    if (this.cache.get(UnavailableOfferings.key(instanceType, zone, capacityType)) === true) return true;
    return placementGroupID !== undefined && this.cache.get(UnavailableOfferings.key(instanceType, zone, capacityType, placementGroupID)) === true;
  }

  /** Currently unavailable offerings, for logs and tests. */
  list(): { instanceType: string; zone: string; capacityType: string; placementGroupID?: string }[] {
    return [...this.cache.items()].map(([k]) => {
      const [capacityType = "", instanceType = "", zone = "", placementGroupID] = k.split(":");
      return { instanceType, zone, capacityType, ...(placementGroupID ? { placementGroupID } : {}) };
    });
  }
}
