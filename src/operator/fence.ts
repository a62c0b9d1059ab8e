// The leader fence: every write tenon makes — to the API server and to AWS — first asks whether
// this process still leads, and is refused before anything is sent once it does not. Leadership
// can end without the process noticing at once (a renew that hangs, an event loop held up), so
// the fence is judged from the lease's own deadline, not from when the elector next looks.

/** A write refused because this process does not (or no longer) hold the leader lease. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";

  constructor(readonly action: string) {
    super(`not the leader: refused to ${action} (the leader lease was lost or not renewed within its deadline)`);
  }
}

export const isNotLeader = (err: unknown): err is NotLeaderError => err instanceof NotLeaderError;

export interface LeaderFence {
  isLeader(): boolean;
  /** Throws NotLeaderError naming the action unless this process leads. */
  assertLeader(action: string): void;
}

export function leaderFence(isLeader: () => boolean): LeaderFence {
  return {
    isLeader,
    assertLeader(action) {
      if (!isLeader()) throw new NotLeaderError(action);
    },
  };
}

/** For a process that runs without leader election: it always leads. */
export const unfenced: LeaderFence = leaderFence(() => true);
