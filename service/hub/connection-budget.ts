// Every byte the hub holds for one connection, against MAX_CONNECTION_BYTES: the frames queued
// for its socket (ws's send buffer), the frames it sent that are still being handled, and an
// estimate of its state (the connection itself, its subscriptions, its token's patterns).

/** The connection's own objects (Connection, ws, socket wrappers, timers), estimated. */
export const CONNECTION_STATE_BYTES = 4 * 1024;
/**
 * One subscription's entries (its set member, the channel index's map entry, the name at its
 * longest in V8's two-byte form), estimated from above.
 */
export const SUBSCRIPTION_STATE_BYTES = 512;

/** What the budget reads from its connection (the connection itself: no closure per connection). */
export interface BudgetSource {
  /** The bytes queued for the socket and not yet handed to the kernel. */
  readonly outboundBytes: number;
  readonly subscriptionCount: number;
}

/** What one connection holds; `over()` says when it passed its bound. */
export class ConnectionBudget {
  private inbound = 0;
  private tokenBytes = 0;

  constructor(
    readonly limit: number,
    private readonly source: BudgetSource,
  ) {}

  /** Bytes held now. */
  get held(): number {
    return (
      this.source.outboundBytes +
      this.inbound +
      CONNECTION_STATE_BYTES +
      this.tokenBytes +
      this.source.subscriptionCount * SUBSCRIPTION_STATE_BYTES
    );
  }

  /** Whether the connection holds more than its bound. */
  over(): boolean {
    return this.held > this.limit;
  }

  /** A received frame of `bytes` is being handled; pair with `handled`. */
  receiving(bytes: number): void {
    this.inbound += bytes;
  }

  handled(bytes: number): void {
    this.inbound = Math.max(0, this.inbound - bytes);
  }

  /** The current token's `channels` patterns (kept for the connection's life). */
  token(patterns: readonly string[] | undefined): void {
    let bytes = 0;
    for (const p of patterns ?? []) bytes += 64 + 2 * p.length;
    this.tokenBytes = bytes;
  }
}
