// The channels the caller subscribed to, who waits for their `subscribed`, and which `sub`
// frames of the current connection still await a reply.
import type { ErrorFrame, SubFrame } from "../protocol/index.js";
import { ChannelState } from "./channel-state.js";
import type { HubClientError } from "./client-error.js";
import type { SubscribedEvent } from "./client-events.js";

type Waiter = { resolve: (ev: SubscribedEvent) => void; reject: (e: HubClientError) => void };
export type Subscription = { state: ChannelState; waiters: Waiter[] };

// Error codes the hub sends, without an id, in reply to a `sub`.
const SUB_ERRORS = new Set(["forbidden", "too_many_subscriptions"]);

export class Subscriptions {
  readonly #subs = new Map<string, Subscription>();
  // Channels whose `sub` went out on this connection without a reply yet, in send order.
  #awaiting: string[] = [];

  get(ch: string): Subscription | undefined {
    return this.#subs.get(ch);
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
    for (const w of sub.waiters.splice(0)) w.reject(err);
    return true;
  }

  /** The `sub` frame to send now for `sub`, remembered as awaiting its reply. */
  frameFor(sub: Subscription): SubFrame {
    this.#awaiting.push(sub.state.ch);
    return sub.state.subFrame();
  }

  /** A new connection: every channel must be confirmed again. Returns the frames to send. */
  resubscribeAll(): SubFrame[] {
    this.#awaiting = [];
    return [...this.#subs.values()].map((sub) => {
      sub.state.reset();
      return this.frameFor(sub);
    });
  }

  answered(ch: string): void {
    const i = this.#awaiting.indexOf(ch);
    if (i >= 0) this.#awaiting.splice(i, 1);
  }

  /**
   * The unconfirmed subscription an id-less error answers, removed from the set: the channel the
   * message names, else the oldest unanswered `sub`. Undefined when the error is not about a sub.
   */
  takeFailed(f: ErrorFrame): Subscription | undefined {
    if (f.id !== undefined || !SUB_ERRORS.has(f.code) || this.#awaiting.length === 0) return;
    const named = this.#awaiting.filter((c) => f.message.includes(c));
    const ch = named.sort((a, b) => b.length - a.length)[0] ?? (this.#awaiting[0] as string);
    this.answered(ch);
    const sub = this.#subs.get(ch);
    if (!sub || sub.state.confirmed) return;
    this.#subs.delete(ch);
    return sub;
  }

  rejectAll(err: HubClientError): void {
    for (const sub of this.#subs.values()) for (const w of sub.waiters.splice(0)) w.reject(err);
    this.#subs.clear();
    this.#awaiting = [];
  }
}
