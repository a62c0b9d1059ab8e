// Offerings (instance type, zone, capacity type) that EC2 just refused for lack of capacity. They
// are left out of launches and shown as unavailable for a while, so the scheduler picks something
// EC2 can fill instead of asking again for what failed.
import type { CapacityType } from "../../apis/labels.js";
import { type Clock, TTLCache, systemClock } from "./cache.js";

/** How long an insufficient-capacity answer keeps an offering out (Karpenter: 3 minutes). */
export const UNAVAILABLE_OFFERING_TTL_MS = 3 * 60_000;

export class UnavailableOfferings {
  private readonly cache: TTLCache<true>;
  /** Bumped on every change, so cached instance type lists know to refresh. */
  seq = 0;

  constructor(ttlMs = UNAVAILABLE_OFFERING_TTL_MS, clock: Clock = systemClock) {
    this.cache = new TTLCache<true>(ttlMs, clock);
  }

  private static key(instanceType: string, zone: string, capacityType: string): string {
    return `${capacityType}:${instanceType}:${zone}`;
  }

  markUnavailable(instanceType: string, zone: string, capacityType: CapacityType): void {
    this.cache.set(UnavailableOfferings.key(instanceType, zone, capacityType), true);
    this.seq++;
  }

  isUnavailable(instanceType: string, zone: string, capacityType: CapacityType): boolean {
    return this.cache.get(UnavailableOfferings.key(instanceType, zone, capacityType)) === true;
  }

  /** Currently unavailable offerings, for logs and tests. */
  list(): { instanceType: string; zone: string; capacityType: string }[] {
    return [...this.cache.items()].map(([k]) => {
      const [capacityType = "", instanceType = "", zone = ""] = k.split(":");
      return { instanceType, zone, capacityType };
    });
  }
}
