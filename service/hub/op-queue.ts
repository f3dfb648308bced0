// One connection's inbound operations in arrival order. An op runs alone by default: it starts
// once every op before it has settled, so a `pub` sent after a `sub` on the same socket runs only
// once the `sub` has taken its snapshot, and the subscriber sees its own message. Publishes in a
// row may overlap instead: each starts (its command is issued) in arrival order while the ones
// before it are still at the bus, and their outcomes are handed back in arrival order, so the
// replies keep it. The bytes waiting here are counted for the caller to bound.

/**
 * Ops of one connection that may be at the bus together. One publisher's throughput is this many
 * publishes per bus round trip; the frames in flight still count against MAX_CONNECTION_BYTES.
 */
export const MAX_IN_FLIGHT = 32;

/** How an op's work ended. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

type Op = {
  bytes: number;
  start: () => unknown;
  finish: (r: Settled<unknown>) => void;
  /** Set on an op that may overlap the overlapping ops before it: whether it may now. */
  mayOverlap?: () => boolean;
};

type Running = { op: Op; result: Settled<unknown> | undefined };

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === "function";
}

export class OpQueue {
  private readonly waiting: Op[] = [];
  /** Started ops in arrival order; the head's `finish` runs first. */
  private running: Running[] = [];
  private waitingBytes = 0;
  /** The running ops were started as overlapping ones (none of them runs alone). */
  private overlapping = false;
  private pumping = false;
  private closed = false;

  /** `onFailure` gets what an op threw (ops are expected to report their own errors). */
  constructor(
    private readonly onFailure: (err: unknown) => void,
    private readonly maxInFlight = MAX_IN_FLIGHT,
  ) {}

  /** Operations waiting, the running ones included. */
  get length(): number {
    return this.waiting.length + this.running.length;
  }

  /** Operations started and not yet finished. */
  get inFlight(): number {
    return this.running.length;
  }

  /** Frame bytes of the operations waiting (not yet started). */
  get bytes(): number {
    return this.waitingBytes;
  }

  /** Appends an op that runs alone: after every op pushed before it has settled. */
  push(bytes: number, run: () => Promise<void> | void): void {
    this.enqueue({
      bytes,
      start: run,
      finish: (r) => {
        if (!r.ok) this.onFailure(r.error);
      },
    });
  }

  /**
   * Appends an op whose `start` may run while the overlapping ops before it are still running
   * (at most `maxInFlight`, and only while `mayOverlap()` says so; otherwise it runs alone).
   * `finish` gets its outcome after every op pushed before it has finished, in push order.
   */
  pushOverlapping<T>(
    bytes: number,
    start: () => Promise<T> | T,
    finish: (r: Settled<T>) => void,
    mayOverlap: () => boolean,
  ): void {
    this.enqueue({ bytes, start, finish: finish as (r: Settled<unknown>) => void, mayOverlap });
  }

  /** Drops what waits, forgets what runs and starts or finishes nothing more (the connection is gone). */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
    this.running = [];
    this.waitingBytes = 0;
  }

  private enqueue(op: Op): void {
    if (this.closed) return;
    this.waiting.push(op);
    this.waitingBytes += op.bytes;
    this.pump();
  }

  /** Whether the head of `waiting` may start now, given what runs. */
  private mayStart(op: Op): boolean {
    if (this.running.length === 0) return true;
    if (!this.overlapping || op.mayOverlap === undefined) return false;
    return this.running.length < this.maxInFlight && op.mayOverlap();
  }

  /** Finishes settled heads and starts what may start, until neither is possible. */
  private pump(): void {
    // A finish or start that settles synchronously re-enters here; the outer loop goes on.
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        if (this.closed) return;
        const head = this.running[0];
        if (head?.result !== undefined) {
          this.running.shift();
          this.finish(head.op, head.result);
          continue;
        }
        const op = this.waiting[0];
        if (op === undefined || !this.mayStart(op)) return;
        this.waiting.shift();
        this.waitingBytes -= op.bytes;
        if (this.running.length === 0) this.overlapping = op.mayOverlap?.() === true;
        this.start(op);
      }
    } finally {
      this.pumping = false;
    }
  }

  private start(op: Op): void {
    const entry: Running = { op, result: undefined };
    this.running.push(entry);
    const running = this.running;
    const settle = (r: Settled<unknown>) => {
      // Closed since: the connection is gone and this op's outcome has nobody to go to.
      if (this.closed || this.running !== running) return;
      entry.result = r;
      this.pump();
    };
    try {
      const v = op.start();
      if (isThenable(v)) {
        v.then(
          (value) => settle({ ok: true, value }),
          (error: unknown) => settle({ ok: false, error }),
        );
      } else entry.result = { ok: true, value: v };
    } catch (error) {
      entry.result = { ok: false, error };
    }
  }

  private finish(op: Op, r: Settled<unknown>): void {
    try {
      op.finish(r);
    } catch (err) {
      this.onFailure(err);
    }
  }
}
