import type { V1Pod } from "@kubernetes/client-node";
import type { Shape } from "./shapes.js";

/** A pod waiting to be placed, at the relaxation level it will be tried at next. */
export interface Entry {
  index: number;
  pod: V1Pod;
  shape: Shape;
  level: number;
}

/**
 * The order pods are first tried in. Pods that need a node to themselves (anchors) go first: the
 * nodes they force then exist for the others to fill, rather than opening at the end with room no
 * pod is left to use. The rest go largest first (first-fit decreasing), but from one queue per
 * dominant resource, each time from the queue whose resource has the most room already paid for:
 * a node filled with memory-heavy pods alone strands cpu once it reaches the largest type; feeding
 * it cpu-heavy pods as memory runs out keeps nodes balanced.
 */
/** A queue competes for the next turn while its next pod is at least this fraction of the largest waiting. */
const BalanceWindow = 0.5;
/** ... and when the room in its resource exceeds the largest pod's resource's room by this share of all room. */
const Imbalance = 0.5;

export class InitialOrder {
  private readonly anchors: Entry[];
  private anchorHead = 0;
  private readonly queues: { resource: number; entries: Entry[]; head: number }[] = [];

  constructor(
    entries: Entry[],
    isAnchor: (s: Shape) => boolean,
    /** Price of one unit of each resource, to compare pods' and rooms' resources. */
    private readonly unitPrice: Float64Array,
    /** Room already paid for, per resource (live, updated by the placer). */
    private readonly room: Float64Array,
  ) {
    const bySize = (a: Entry, b: Entry): number =>
      b.shape.size - a.shape.size || b.shape.request[0]! - a.shape.request[0]! || b.shape.request[1]! - a.shape.request[1]! || a.shape.id - b.shape.id || a.index - b.index;
    this.anchors = entries.filter((e) => isAnchor(e.shape)).sort(bySize);
    const byResource = new Map<number, Entry[]>();
    for (const e of entries) {
      if (isAnchor(e.shape)) continue;
      const r = this.dominant(e.shape);
      let q = byResource.get(r);
      if (!q) byResource.set(r, (q = []));
      q.push(e);
    }
    for (const [resource, q] of [...byResource.entries()].sort((a, b) => a[0] - b[0])) this.queues.push({ resource, entries: q.sort(bySize), head: 0 });
  }

  private dominant(s: Shape): number {
    let best = 0;
    let bestValue = -1;
    for (let i = 0; i < s.request.length; i++) {
      const v = s.request[i]! * (this.unitPrice[i]! < Number.POSITIVE_INFINITY ? this.unitPrice[i]! : 0);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    return best;
  }

  next(): Entry | undefined {
    if (this.anchorHead < this.anchors.length) return this.anchors[this.anchorHead++];
    // Largest first, unless the room already paid for leans heavily to one resource: then the
    // queue of that resource goes, as long as its next pod is not much smaller than the largest
    // waiting (so the smallest pods are still there at the end, to fill the gaps).
    let largest: (typeof this.queues)[number] | undefined;
    let totalRoom = 0;
    for (const q of this.queues) {
      if (q.head >= q.entries.length) continue;
      if (!largest || q.entries[q.head]!.shape.size > largest.entries[largest.head]!.shape.size) largest = q;
      totalRoom += this.roomValue(q.resource);
    }
    if (!largest) return undefined;
    let pick = largest;
    if (totalRoom > 0) {
      const limit = BalanceWindow * largest.entries[largest.head]!.shape.size;
      for (const q of this.queues) {
        if (q.head >= q.entries.length || q.entries[q.head]!.shape.size < limit) continue;
        if (this.roomValue(q.resource) - this.roomValue(pick.resource) > Imbalance * totalRoom) pick = q;
      }
    }
    return pick.entries[pick.head++];
  }

  private roomValue(resource: number): number {
    const price = this.unitPrice[resource]!;
    return Math.max(0, this.room[resource]!) * (price < Number.POSITIVE_INFINITY ? price : 0);
  }
}

/**
 * Karpenter's retry queue: a pod that failed goes to the back. It ends when every pod left has
 * been tried since the last placement (or relaxation) without success.
 */
export class RetryQueue {
  private items: Entry[] = [];
  private head = 0;
  private lastLen = new Map<Entry, number>();

  get length(): number {
    return this.items.length - this.head;
  }

  pop(): Entry | undefined {
    if (this.length === 0) return undefined;
    const e = this.items[this.head]!;
    if (this.lastLen.get(e) === this.length) return undefined;
    this.head += 1;
    if (this.head > 1024 && this.head > this.items.length / 2) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  /**
   * `relaxed`: the pod changed, so everything deserves another try. `first`: the pod failed on its
   * first try, while pods placed after it may still make room for it (or satisfy its affinity),
   * so it is tried again once more at least.
   */
  push(e: Entry, relaxed: boolean, first = false): void {
    this.items.push(e);
    if (relaxed) this.lastLen = new Map();
    else if (first) this.lastLen.delete(e);
    else this.lastLen.set(e, this.length);
  }

  remaining(): Entry[] {
    return this.items.slice(this.head);
  }
}
