// One channel's delivery state: the last delivered seq and epoch, in-order delivery, duplicate
// suppression and resume. Pure: the client feeds it frames and acts on what it returns.
import type { MsgFrame, SubFrame, SubscribedFrame } from "../protocol/index.js";

/** Messages held per channel while a (re)subscribe waits for its `subscribed` reply. */
export const MAX_BUFFERED_PER_CHANNEL = 10_000;

export type Delivery = {
  /** Messages to hand to the application, in seq order. */
  deliver: MsgFrame[];
  /** Messages dropped because their seq was already delivered. */
  duplicates: number;
  /** Set when a seq skipped past last+1: the connection lost messages and must be replaced. */
  broken?: { last: number; got: number };
};

export type SubscribedOutcome = Delivery & {
  /** True when a resume could not recover what was missed: the application must reload. */
  gap: boolean;
  recovered: boolean;
};

export class ChannelState {
  last: number | undefined;
  epoch: string | undefined;
  // Whether the current connection confirmed this channel with `subscribed`.
  #confirmed = false;
  // Frames that arrived before `subscribed` on this connection (a hub may replay first).
  #held: MsgFrame[] = [];

  constructor(readonly ch: string) {}

  /** The `sub` frame for a new connection: with since+epoch once a first `subscribed` was seen. */
  subFrame(): SubFrame {
    if (this.last === undefined || this.epoch === undefined) return { op: "sub", ch: this.ch };
    return { op: "sub", ch: this.ch, since: this.last, epoch: this.epoch };
  }

  get confirmed(): boolean {
    return this.#confirmed;
  }

  /** Forgets what belonged to the previous connection; `last` and `epoch` survive for the resume. */
  reset(): void {
    this.#confirmed = false;
    this.#held = [];
  }

  onSubscribed(frame: SubscribedFrame): SubscribedOutcome {
    const resuming = this.last !== undefined && this.epoch !== undefined;
    const recovered = !resuming || (frame.recovered !== false && frame.epoch === this.epoch);
    if (!resuming || !recovered) {
      // A fresh subscription starts at the channel's head; an unrecoverable resume restarts there.
      this.last = frame.seq;
    }
    this.epoch = frame.epoch;
    this.#confirmed = true;
    const held = this.#held;
    this.#held = [];
    return { ...this.#accept(held), gap: resuming && !recovered, recovered };
  }

  onMessage(frame: MsgFrame): Delivery {
    if (!this.#confirmed) {
      if (this.#held.length >= MAX_BUFFERED_PER_CHANNEL) {
        return { deliver: [], duplicates: 0, broken: { last: this.last ?? 0, got: frame.seq } };
      }
      this.#held.push(frame);
      return { deliver: [], duplicates: 0 };
    }
    return this.#accept([frame]);
  }

  #accept(frames: MsgFrame[]): Delivery {
    const out: Delivery = { deliver: [], duplicates: 0 };
    for (const f of frames) {
      const last = this.last ?? f.seq - 1;
      if (f.seq <= last) {
        out.duplicates++;
      } else if (f.seq === last + 1) {
        this.last = f.seq;
        out.deliver.push(f);
      } else {
        // Never deliver out of order: the caller replaces the connection and resumes from `last`.
        out.broken = { last, got: f.seq };
        return out;
      }
    }
    return out;
  }
}
