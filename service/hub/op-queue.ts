// One connection's inbound operations, applied one after another in arrival order: a `pub` sent
// after a `sub` on the same socket runs only once the `sub` has taken its snapshot, so the
// subscriber sees its own message. The bytes waiting here are counted for the caller to bound.

/** One operation: its frame's size and the work that applies it. */
type Op = { bytes: number; run: () => Promise<void> | void };

export class OpQueue {
  private readonly ops: Op[] = [];
  private waitingBytes = 0;
  private running = false;
  private closed = false;

  /** `onFailure` gets what an op threw (ops are expected to report their own errors). */
  constructor(private readonly onFailure: (err: unknown) => void) {}

  /** Operations waiting, the running one included. */
  get length(): number {
    return this.ops.length + (this.running ? 1 : 0);
  }

  /** Frame bytes of the operations waiting (not yet started). */
  get bytes(): number {
    return this.waitingBytes;
  }

  /** Appends an op; it runs after every op pushed before it has settled. */
  push(bytes: number, run: () => Promise<void> | void): void {
    if (this.closed) return;
    this.ops.push({ bytes, run });
    this.waitingBytes += bytes;
    if (!this.running) void this.drain();
  }

  /** Drops what waits and runs nothing more (the connection is gone). */
  close(): void {
    this.closed = true;
    this.ops.length = 0;
    this.waitingBytes = 0;
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let op = this.ops.shift(); op !== undefined; op = this.ops.shift()) {
      this.waitingBytes -= op.bytes;
      try {
        await op.run();
      } catch (err) {
        this.onFailure(err);
      }
    }
    this.running = false;
  }
}
