// The pure part of leader election: given the Lease as last read, when this candidate first saw it
// in that state, the time now and who we are, what to do. The rules are client-go's, so tenon
// and client-go based controllers (Karpenter among them) agree on who leads a shared Lease.
//
// Expiry is judged by how long *we* have watched the lease go unchanged, not by its renewTime: the
// holder's clock may be skewed from ours, and only our own clock's intervals can be trusted.

/** The fields of a coordination.k8s.io/v1 Lease spec that leader election reads and writes. */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (never taken, or released). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
}

export type LeaseDecision =
  /** No Lease exists: create it, holding it. */
  | { action: "create"; record: LeaseRecord }
  /** The lease is free or expired: take it over. */
  | { action: "acquire"; record: LeaseRecord }
  /** We hold it: extend it. */
  | { action: "renew"; record: LeaseRecord }
  /** Someone else holds a live lease: try again later. */
  | { action: "wait"; holder: string; expiresAt: number };

export interface LeaseDecisionInput {
  /** The lease as read; undefined when it does not exist. */
  current: LeaseRecord | undefined;
  /** Our clock (ms) when we first read the lease in its current state. */
  observedAt: number;
  /** Our clock (ms) now. */
  now: number;
  identity: string;
  leaseDurationMs: number;
}

export function decideLease(input: LeaseDecisionInput): LeaseDecision {
  const { current, now, identity } = input;
  const leaseDurationSeconds = Math.max(1, Math.ceil(input.leaseDurationMs / 1000));
  const at = new Date(now);
  if (!current) {
    return { action: "create", record: { holderIdentity: identity, leaseDurationSeconds, acquireTime: at, renewTime: at, leaseTransitions: 0 } };
  }
  if (current.holderIdentity === identity) {
    return {
      action: "renew",
      record: { ...current, leaseDurationSeconds, acquireTime: current.acquireTime ?? at, renewTime: at },
    };
  }
  if (current.holderIdentity !== "") {
    // The holder's own duration decides, as it is the promise the holder made.
    const holderDurationMs = (current.leaseDurationSeconds > 0 ? current.leaseDurationSeconds : leaseDurationSeconds) * 1000;
    const expiresAt = input.observedAt + holderDurationMs;
    if (now < expiresAt) return { action: "wait", holder: current.holderIdentity, expiresAt };
  }
  return {
    action: "acquire",
    record: { holderIdentity: identity, leaseDurationSeconds, acquireTime: at, renewTime: at, leaseTransitions: current.leaseTransitions + 1 },
  };
}

/**
 * The record a leader writes to step down: no holder, so a candidate takes over on its next
 * try instead of waiting out the lease, as client-go's ReleaseOnCancel does.
 */
export function releasedRecord(current: LeaseRecord, now: number): LeaseRecord {
  const at = new Date(now);
  return { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: at, renewTime: at, leaseTransitions: current.leaseTransitions };
}
