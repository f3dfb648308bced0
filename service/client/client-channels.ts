// The client's side of its subscriptions across connections: subscribe() and unsubscribe(),
// each channel's `sub` (with its channel token), `subscribed` and its replay, in-order delivery,
// and what a refused or expired subscription becomes (rejected, retried or renewed).
import {
  type ErrorFrame,
  isRetryable,
  type MsgFrame,
  type SubscribedFrame,
} from "../protocol/index.js";
import { backoffDelay } from "./backoff.js";
import type { Delivery } from "./channel-state.js";
import { HubClientError } from "./client-error.js";
import type { HubClientEvents, SubscribedEvent } from "./client-events.js";
import type { ResolvedOptions } from "./client-options.js";
import type { WebSocketLike } from "./socket.js";
import { type SubscribeOptions, type Subscription, Subscriptions } from "./subscriptions.js";

/** The counters of HubClientStats this part keeps. */
type ChannelStats = { messages: number; duplicatesDropped: number; gaps: number; resyncs: number };

/** What the channels need of their client's connection. */
export type ChannelHost = {
  emit<K extends keyof HubClientEvents>(event: K, value: HubClientEvents[K]): void;
  /** Sends on the current connection (nothing when it is not open). */
  send(frame: object): void;
  /** The current connection, when it is open. */
  openSocket(): WebSocketLike | undefined;
  /** Whether frames of `sock` may still reach the application (the connection, or a spare). */
  delivers(sock: WebSocketLike): boolean;
  /**
   * A seq jumped on `sock`: a spare is dropped; the connection is replaced, after `resync` (which
   * counts and reports it) ran.
   */
  broken(sock: WebSocketLike, reason: string, resync: () => void): void;
  /** Sends on the spare of a move in progress, when it said hello. */
  sendOnSpare(frame: object): void;
  closed(): boolean;
};

export class ClientChannels {
  readonly subs: Subscriptions;
  /** Resubscribes waiting to be sent again after a retryable refusal. */
  readonly #retries = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    idPrefix: string,
    private readonly o: ResolvedOptions,
    private readonly stats: ChannelStats,
    private readonly host: ChannelHost,
  ) {
    this.subs = new Subscriptions(idPrefix);
  }

  /** See HubClient.subscribe. */
  subscribe(ch: string, options: SubscribeOptions): Promise<SubscribedEvent> {
    const { sub, created } = this.subs.add(ch);
    if (created) sub.token = options.token ?? this.o.getChannelToken;
    if (sub.state.confirmed && sub.last) return Promise.resolve(sub.last);
    const p = new Promise<SubscribedEvent>((resolve, reject) => {
      sub.waiters.push({ resolve, reject });
    });
    if (created && this.host.openSocket()) this.sendSub(sub);
    return p;
  }

  /** See HubClient.unsubscribe. */
  unsubscribe(ch: string): void {
    const msg = `unsubscribe("${ch}") was called before the hub confirmed it`;
    if (!this.subs.remove(ch, new HubClientError("cancelled", msg))) return;
    if (this.host.openSocket()) this.host.send({ op: "unsub", ch });
    this.host.sendOnSpare({ op: "unsub", ch });
  }

  /** A new connection said hello: every channel is resumed on it. */
  resubscribeAll(): void {
    for (const sub of this.subs.resubscribeAll()) this.sendSub(sub);
  }

  onSubscribed(sock: WebSocketLike, f: SubscribedFrame): void {
    const sub = this.subs.answered(f);
    if (!sub || typeof f.seq !== "number") return;
    const out = sub.state.onSubscribed(f);
    // Reported exactly as the hub said it: a first subscribe carries no `recovered`.
    const ev: SubscribedEvent = { ch: f.ch, seq: f.seq, epoch: f.epoch };
    if (typeof f.recovered === "boolean") ev.recovered = f.recovered;
    sub.last = ev;
    this.host.emit("subscribed", ev);
    if (out.gap) {
      this.stats.gaps++;
      this.host.emit("gap", { ch: f.ch, recovered: false, seq: f.seq, epoch: f.epoch });
    }
    for (const w of sub.waiters.splice(0)) w.resolve(ev);
    this.deliver(sock, sub, out);
  }

  /** A `msg` frame on `sock`, for a channel subscribed to. */
  onMessage(sock: WebSocketLike, f: MsgFrame): void {
    const sub = this.subs.get(f.ch);
    if (sub && typeof f.seq === "number") this.deliver(sock, sub, sub.state.onMessage(f));
  }

  deliver(sock: WebSocketLike, sub: Subscription, out: Delivery): void {
    this.stats.duplicatesDropped += out.duplicates;
    for (const { ch, seq, data, id } of out.deliver) {
      // A listener may have closed the client or unsubscribed meanwhile.
      if (!this.host.delivers(sock) || this.subs.get(ch) !== sub) return;
      this.stats.messages++;
      this.host.emit("message", id === undefined ? { ch, seq, data } : { ch, seq, data, id });
    }
    if (!out.broken) return;
    const { ch } = sub.state;
    const { last, got } = out.broken;
    const why = `seq on ${ch} jumped from ${last} to ${got}: reconnecting to resume`;
    this.host.broken(sock, why, () => {
      this.stats.resyncs++;
      this.host.emit("resync", { ch, last, got });
    });
  }

  /**
   * Sends `sub`'s `sub` frame, with its channel token when it has one; a token function is
   * awaited first, and its result dropped when the connection or the subscription changed.
   */
  sendSub(sub: Subscription): void {
    const source = sub.token;
    if (typeof source !== "function") {
      this.host.send(this.subs.frameFor(sub, source));
      return;
    }
    const sock = this.host.openSocket();
    const { ch } = sub.state;
    const current = () =>
      sock !== undefined && this.host.openSocket() === sock && this.subs.get(ch) === sub;
    Promise.resolve()
      .then(() => source(ch))
      .then((token) => {
        if (!current()) return;
        if (typeof token !== "string" || token === "") throw new Error("it gave no token");
        this.host.send(this.subs.frameFor(sub, token));
      })
      .catch((err: unknown) => {
        if (this.subs.get(ch) !== sub) return;
        const why = err instanceof Error ? err.message : String(err);
        const e = new HubClientError(
          "channel_token_failed",
          `the channel token for "${ch}" could not be fetched (${why}): subscribe again later`,
          { ch, cause: err },
        );
        this.subs.remove(ch, e);
        this.host.emit("error", e);
      });
  }

  /** An `error` frame about a subscription (true: handled here), else false. */
  onError(f: ErrorFrame, err: HubClientError): boolean {
    if (this.#onChannelTokenExpired(f, err)) return true;
    const failed = this.subs.takeFailed(f);
    if (!failed) return false;
    if (failed.waiters.length > 0) {
      // subscribe() settles on every refusal; the caller decides whether to try again.
      for (const w of failed.waiters.splice(0)) w.reject(err);
      return true;
    }
    // A resubscribe nobody awaits: a retryable refusal is tried again, any other is reported.
    const retryable = typeof f.retryable === "boolean" ? f.retryable : isRetryable(f.code);
    if (retryable) this.#retry(failed);
    else this.host.emit("error", err);
    return true;
  }

  /** The client closed for good: every waiter rejects, no retry is left behind. */
  closeAll(err: HubClientError): void {
    for (const t of this.#retries) clearTimeout(t);
    this.#retries.clear();
    this.subs.rejectAll(err);
  }

  /**
   * The hub ended a subscription held by a channel token that expired: one with a token function
   * is renewed at once (resuming, so nothing is missed); one with a fixed token is given up.
   */
  #onChannelTokenExpired(f: ErrorFrame, err: HubClientError): boolean {
    if (f.code !== "channel_token_expired" || f.id !== undefined || f.ch === undefined)
      return false;
    const sub = this.subs.get(f.ch);
    if (!sub?.state.confirmed) return false;
    if (typeof sub.token === "function") {
      sub.state.reset();
      this.sendSub(sub);
      return true;
    }
    this.subs.remove(f.ch, err);
    this.host.emit("error", err);
    return true;
  }

  #retry(failed: Subscription): void {
    const { ch } = failed.state;
    const delay = backoffDelay(0, this.o.backoff, this.o.random);
    const timer = setTimeout(() => {
      this.#retries.delete(timer);
      if (this.host.closed() || this.subs.get(ch)) return;
      const { sub } = this.subs.add(ch);
      sub.state = failed.state;
      sub.token = failed.token;
      if (this.host.openSocket()) this.sendSub(sub);
    }, delay);
    this.#retries.add(timer);
  }
}
