// The drain's timetable, pure: when clients are asked to move or closed, and how long movers get.

/** Time a mover needs after its turn: open a new connection, resume, close the old one. */
export const MOVE_SETTLE_MS = 2_000;

export type DrainPlan = {
  /** Closes (and moves) are spread over this window from the start of the drain. */
  spreadMs: number;
  /** Wall-clock time by which every connection is closed or cut. */
  deadline: number;
  /** Wall-clock time after which movers still connected are closed with 1001. */
  moveGraceEnd: number;
  /** A jittered `retryAfterMs` for one mover, within the spread window. */
  moveDelayMs(): number;
};

/** The plan of a drain of `drainMs` starting at `now`; `random` in [0, 1) spreads the movers. */
export function drainPlan(drainMs: number, now: number, random: () => number): DrainPlan {
  const spreadMs = drainMs / 2;
  // Movers keep the whole spread plus time to settle, but the closes of those that do not move
  // must still fit in the drain window.
  const graceMs = Math.min(spreadMs + MOVE_SETTLE_MS, drainMs * 0.8);
  return {
    spreadMs,
    deadline: now + drainMs,
    moveGraceEnd: now + graceMs,
    moveDelayMs: () => Math.floor(random() * Math.max(1, spreadMs)),
  };
}
