// A channel's bounded history for the memory broker: the last `capacity` messages in a ring, so
// a publish costs O(1) whatever HISTORY_SIZE is. Storage grows with use, up to the capacity:
// a channel with three messages holds three slots, not HISTORY_SIZE.

export class HistoryRing<T extends { seq: number }> {
  private readonly items: T[] = [];
  /** Index of the oldest item once the ring is full. */
  private head = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError(`history capacity must be a positive integer, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Appends the newest item, dropping the oldest when full. Items arrive in seq order. */
  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
  }

  /** Items with seq > since, oldest first. */
  after(since: number): T[] {
    const n = this.items.length;
    const out: T[] = [];
    // Seqs are consecutive: skip straight to the first one after `since`.
    const oldest = this.at(0);
    const skip = oldest === undefined ? n : Math.max(0, Math.min(n, since + 1 - oldest.seq));
    for (let i = skip; i < n; i++) out.push(this.at(i) as T);
    return out;
  }

  private at(i: number): T | undefined {
    if (i >= this.items.length) return undefined;
    return this.items[(this.head + i) % this.items.length];
  }
}
