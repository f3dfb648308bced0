// The channels the caller subscribed to, who waits for their `subscribed`, and which `sub`
// frames of the current connection still await a reply, by the id each carries.
import type { ErrorFrame, SubFrame, SubscribedFrame } from "../protocol/index.js";
import { ChannelState } from "./channel-state.js";
import type { HubClientError } from "./client-error.js";
import type { SubscribedEvent } from "./client-events.js";

type Waiter = { resolve: (ev: SubscribedEvent) => void; reject: (e: HubClientError) => void };

/**
 * A channel token (protocol 1.2): the token itself, or a function fetching one, called before
 * every `sub` of the channel (each reconnect, and once the hub says the last one expired).
 */
export type ChannelToken = string | ((ch: string) => string | Promise<string>);

/** Options of one subscribe() call. */
export type SubscribeOptions = {
  /** A channel token for a private channel the connection token does not allow. */
  token?: ChannelToken;
};

export type Subscription = {
  state: ChannelState;
  waiters: Waiter[];
  /** Where this channel's token comes from; undefined: the connection token allows it. */
  token?: ChannelToken;
  /** The last `subscribed` of this channel, as the hub sent it. */
  last?: SubscribedEvent;
};

// Error codes a 1.0 hub sends, without an id, in reply to a `sub`.
const LEGACY_SUB_ERRORS = new Set(["forbidden", "too_many_subscriptions"]);

export class Subscriptions {
  readonly #subs = new Map<string, Subscription>();
  // `sub` frames sent on this connection without a reply yet: id -> channel, in send order.
  #awaiting = new Map<string, string>();
  #counter = 0;

  constructor(private readonly idPrefix: string) {}

  get(ch: string): Subscription | undefined {
    return this.#subs.get(ch);
  }

  /** Every subscription, in the order they were made. */
  all(): Subscription[] {
    return [...this.#subs.values()];
  }

  /** The subscription of `ch`, created when new. */
  add(ch: string): { sub: Subscription; created: boolean } {
    const found = this.#subs.get(ch);
    if (found) return { sub: found, created: false };
    const sub: Subscription = { state: new ChannelState(ch), waiters: [] };
    this.#subs.set(ch, sub);
    return { sub, created: true };
  }

  /** Forgets `ch`, rejecting whoever waits for it; false when it was not subscribed. */
  remove(ch: string, err: HubClientError): boolean {
    const sub = this.#subs.get(ch);
    if (!sub) return false;
    this.#subs.delete(ch);
    for (const [id, c] of this.#awaiting) if (c === ch) this.#awaiting.delete(id);
    for (const w of sub.waiters.splice(0)) w.reject(err);
    return true;
  }

  /** The `sub` frame to send now for `sub`, with a fresh id, remembered as awaiting its reply. */
  frameFor(sub: Subscription, token?: string): SubFrame {
    const id = `${this.idPrefix}-s${++this.#counter}`;
    this.#awaiting.set(id, sub.state.ch);
    const frame: SubFrame = { ...sub.state.subFrame(), id };
    if (token !== undefined) frame.token = token;
    return frame;
  }

  /** A new connection: every channel must be confirmed again. Returns the subscriptions to send. */
  resubscribeAll(): Subscription[] {
    this.#awaiting.clear();
    return [...this.#subs.values()].map((sub) => {
      sub.state.reset();
      return sub;
    });
  }

  /**
   * The frames to resume every channel on a second connection while this one still delivers (a
   * move): nothing is reset, the channels stay confirmed by the connection being replaced.
   */
  moveFrames(): SubFrame[] {
    return [...this.#subs.values()].map((sub) => this.frameFor(sub));
  }

  /** The subscription a `subscribed` answers (by id, or by channel from a 1.0 hub). */
  answered(f: SubscribedFrame): Subscription | undefined {
    if (f.id !== undefined) {
      if (this.#awaiting.get(f.id) !== f.ch) return undefined;
      this.#awaiting.delete(f.id);
    } else {
      for (const [id, c] of this.#awaiting) if (c === f.ch) this.#awaiting.delete(id);
    }
    return this.#subs.get(f.ch);
  }

  /**
   * The subscription an error answers, removed from the set: by the error's id, or (a 1.0 hub
   * sends no id) the channel its message names. Undefined when the error is not about a sub.
   */
  takeFailed(f: ErrorFrame): Subscription | undefined {
    let ch: string | undefined;
    if (f.id !== undefined) {
      ch = this.#awaiting.get(f.id);
      if (ch === undefined) return undefined;
      this.#awaiting.delete(f.id);
    } else {
      if (!LEGACY_SUB_ERRORS.has(f.code) || this.#awaiting.size === 0) return undefined;
      const waiting = [...this.#awaiting.values()];
      const named = waiting.filter((c) => f.message.includes(c));
      ch = named.sort((a, b) => b.length - a.length)[0] ?? (waiting[0] as string);
      for (const [id, c] of this.#awaiting) if (c === ch) this.#awaiting.delete(id);
    }
    const sub = this.#subs.get(ch);
    if (!sub || sub.state.confirmed) return undefined;
    this.#subs.delete(ch);
    return sub;
  }

  rejectAll(err: HubClientError): void {
    for (const sub of this.#subs.values()) for (const w of sub.waiters.splice(0)) w.reject(err);
    this.#subs.clear();
    this.#awaiting.clear();
  }
}
