// How long this process's event loop was held: by CPU starvation, a long GC or a heavy batch of
// work. While the loop is held nothing is read from any socket, so a bus probe's reply waiting
// in the socket cannot be told from a reply that never came; the probe takes that time out.

/** Lateness a timer may show on a loop that is merely busy; more than this is a stall. */
const TOLERANCE_MS = 50;

export class LoopStall {
  private stalledMs = 0;
  private lastTickAt: number;
  private readonly toleranceMs: number;

  /** `intervalMs`: the period of the timer that calls tick(). */
  constructor(
    private readonly intervalMs: number,
    now: number = Date.now(),
  ) {
    this.lastTickAt = now;
    this.toleranceMs = Math.min(TOLERANCE_MS, intervalMs / 4);
  }

  /** Called from the periodic timer: a timer that fires late measured a stall of the loop. */
  tick(now: number = Date.now()): void {
    this.stalledMs += this.late(now);
    this.lastTickAt = now;
  }

  /** Milliseconds the loop was held so far; differences between two readings are a window's. */
  total(now: number = Date.now()): number {
    // A stall still going on (the timer is overdue right now) counts too.
    return this.stalledMs + this.late(now);
  }

  private late(now: number): number {
    const late = now - this.lastTickAt - this.intervalMs;
    return late > this.toleranceMs ? late : 0;
  }
}
