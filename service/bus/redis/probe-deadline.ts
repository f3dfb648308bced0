// When a bus probe counts as missed. A probe is missed when the oldest probe still out has waited
// longer than the limit in this process's awake time (LoopStall's time taken out), and a look
// after the next read of the sockets still finds it missing with nothing arriving on the
// subscriber. Bytes still arriving mean Redis delivers and this process is behind reading its
// backlog: that holds off the verdict. Both allowances end at STARVED_LIMITS times the limit, so
// a silent Redis is still found on a hub that stays starved, and a bus that delivers everything
// but the probe is found too.
import type { LoopStall } from "./loop-stall.js";

/** How many limits a probe may wait while this process stalls or its subscriber reads a backlog. */
export const STARVED_LIMITS = 5;
/** Probes tracked at most; while full, newer probes are not tracked (the oldest decides). */
const MAX_PENDING = 64;

/**
 * - "ok": no probe is overdue.
 * - "recheck": one just became overdue; look again (arm(), then judge()) in a check-phase
 *   callback, after the loop has read what waits in the sockets.
 * - "late": overdue, but the subscriber received bytes since the last look: look again at the
 *   next probe tick (arm() there).
 * - "missed": overdue, confirmed; stays so until a probe comes back or restart().
 */
export type ProbeVerdict = "ok" | "recheck" | "late" | "missed";

type Pending = { n: number; at: number; stalled: number };

export class ProbeDeadline {
  private readonly pending: Pending[] = [];
  private suspect: { bytes: number; armed: boolean } | undefined;
  private missed = false;

  constructor(
    private readonly stall: LoopStall,
    readonly limitMs: number,
  ) {}

  /** Probe `n` was published at `now`. */
  sent(n: number, now: number = Date.now()): void {
    if (this.pending.length < MAX_PENDING)
      this.pending.push({ n, at: now, stalled: this.stall.total(now) });
  }

  /** Probe `n` came back: it and every earlier one are answered. */
  back(n: number): void {
    let drop = 0;
    while (drop < this.pending.length && (this.pending[drop]?.n ?? 0) <= n) drop++;
    this.pending.splice(0, drop);
    this.suspect = undefined;
    this.missed = false;
  }

  /**
   * The subscriber (re)connected at `now`: earlier probes cannot come back on it, and one
   * published from now on is expected within the limit. `last`: the newest probe number so far.
   */
  restart(last: number, now: number = Date.now()): void {
    this.pending.length = 0;
    this.suspect = undefined;
    this.missed = false;
    this.pending.push({ n: last, at: now, stalled: this.stall.total(now) });
  }

  /** Lets the next judge() confirm a suspicion: call it from a check-phase callback. */
  arm(): void {
    if (this.suspect) this.suspect.armed = true;
  }

  /** Awake milliseconds the oldest probe still out has waited (0 when none is out). */
  waited(now: number = Date.now()): number {
    const oldest = this.pending[0];
    if (!oldest) return 0;
    const stalled = this.stall.total(now) - oldest.stalled;
    return now - oldest.at - Math.min(stalled, (STARVED_LIMITS - 1) * this.limitMs);
  }

  /** The verdict at `now`, given the bytes the subscriber's socket has read so far. */
  judge(subscriberBytes: number, now: number = Date.now()): ProbeVerdict {
    if (this.missed) return "missed";
    const waited = this.waited(now);
    if (waited <= this.limitMs) {
      this.suspect = undefined;
      return "ok";
    }
    if (!this.suspect) {
      this.suspect = { bytes: subscriberBytes, armed: false };
      return "recheck";
    }
    if (!this.suspect.armed) return "late";
    if (subscriberBytes > this.suspect.bytes && waited <= STARVED_LIMITS * this.limitMs) {
      this.suspect = { bytes: subscriberBytes, armed: false };
      return "late";
    }
    this.missed = true;
    return "missed";
  }
}
