// How many channels this node created in Redis over the last window (the history TTL, so the
// count approximates the keys its creations keep alive). Counted in 16 buckets: memory is fixed
// however many channels are created.

const BUCKETS = 16;

/** A bounded count of recent channel creations; `allows()` is false at the bound. */
export class ChannelCreations {
  private readonly counts = new Array<number>(BUCKETS).fill(0);
  private readonly bucketMs: number;
  /** Index (time / bucketMs) of the newest bucket. */
  private head = 0;
  private total = 0;

  constructor(
    private readonly max: number,
    windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.bucketMs = Math.max(1, Math.ceil(windowMs / BUCKETS));
    this.head = Math.floor(now() / this.bucketMs);
  }

  /** Whether one more creation stays within the bound. */
  allows(): boolean {
    this.advance();
    return this.total < this.max;
  }

  /** Counts one creation. */
  record(): void {
    this.advance();
    this.counts[this.head % BUCKETS] = (this.counts[this.head % BUCKETS] ?? 0) + 1;
    this.total++;
  }

  private advance(): void {
    const current = Math.floor(this.now() / this.bucketMs);
    const steps = Math.min(BUCKETS, current - this.head);
    for (let i = 1; i <= steps; i++) {
      const slot = (this.head + i) % BUCKETS;
      this.total -= this.counts[slot] ?? 0;
      this.counts[slot] = 0;
    }
    if (current > this.head) this.head = current;
  }
}
