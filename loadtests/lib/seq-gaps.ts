// Per-channel sequence checking on one connection: docs/protocol.md promises every message once, in
// seq order, with no gap, while subscribed. Counts what broke that promise.

interface ChannelState {
  last: number;
  /** Whether `last` came from a received message (a repeat is a duplicate) or from `subscribed`. */
  seen: boolean;
}

/** Tracks the seq stream of each channel of one connection. */
export class SeqTracker {
  private readonly channels = new Map<string, ChannelState>();
  /** Messages skipped inside the stream (seq jumped by more than one). */
  gaps = 0;
  /** Messages received again or out of order. */
  duplicates = 0;
  /** Messages accepted in order. */
  received = 0;

  /** Sets the baseline from `subscribed.seq` of a first subscribe: the next expected seq is +1. */
  start(ch: string, seq: number): void {
    // On a resume the position stays at the last message seen: the server replays from there,
    // and whatever it does not replay must show up as a gap, not vanish behind a new baseline.
    if (this.channels.get(ch)?.seen) return;
    this.channels.set(ch, { last: seq, seen: false });
  }

  /** Records one delivered message. */
  observe(ch: string, seq: number): void {
    const state = this.channels.get(ch);
    if (!state) {
      this.channels.set(ch, { last: seq, seen: true });
      this.received++;
      return;
    }
    if (seq <= state.last) {
      // At or below the subscribe baseline: published before this subscription, not a repeat.
      if (state.seen) this.duplicates++;
      return;
    }
    if (seq > state.last + 1) this.gaps += seq - state.last - 1;
    state.last = seq;
    state.seen = true;
    this.received++;
  }

  /** The last in-order seq of `ch`, or undefined when the channel was never started or seen. */
  last(ch: string): number | undefined {
    return this.channels.get(ch)?.last;
  }

  /** Messages up to `finalSeq` (the publisher's last acknowledged seq) that never arrived at the end. */
  missingTail(ch: string, finalSeq: number): number {
    const state = this.channels.get(ch);
    if (!state) return 0;
    return Math.max(0, finalSeq - state.last);
  }
}
