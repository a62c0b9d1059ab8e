// How many instances each capacity reservation can still take, between two DescribeCapacityReservations:
// EC2's count at the last describe, less what tenon launched into it since, plus what it
// terminated; zero once EC2 refused a launch for lack of room in it or interrupted it — until the
// next describe says otherwise (Karpenter v1.14's reservation availability cache does the same).
import { type Clock, systemClock } from "./cache.js";

interface Entry {
  count: number;
  syncedAt: number;
}

export class ReservationAvailability {
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every local change, so cached instance type lists know to refresh. */
  seq = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  /** EC2's counts as of a describe that started at `at`. */
  sync(counts: Map<string, number>, at: number): void {
    for (const [id, count] of counts) this.entries.set(id, { count, syncedAt: at });
  }

  /** What is left in the reservation; undefined when it was never described. */
  count(id: string): number | undefined {
    return this.entries.get(id)?.count;
  }

  /** One instance launched into it (a describe that started after the launch already counts it). */
  markLaunched(id: string, launchedAt: number = this.clock()): void {
    const e = this.entries.get(id);
    if (!e || e.syncedAt > launchedAt || e.count === 0) return;
    e.count -= 1;
    this.seq++;
  }

  /** One instance of it terminated: its room is free again. */
  markTerminated(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    e.count += 1;
    this.seq++;
  }

  /** EC2 said it is full (ReservationCapacityExceeded) or took it back (an interruption). */
  markUnavailable(...ids: string[]): void {
    for (const id of ids) {
      const e = this.entries.get(id);
      if (!e || e.count === 0) continue;
      e.count = 0;
      this.seq++;
    }
  }
}
