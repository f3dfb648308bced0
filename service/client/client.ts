// HubClient: one logical connection to the hub that survives reconnects. It resumes every
// subscription with since+epoch, delivers each channel in seq order exactly once, and retries
// publishes under their id until the hub acknowledges them.
import {
  type ErrorFrame,
  type HelloFrame,
  isChannel,
  isRetryable,
  type Json,
  MAX_ID_LENGTH,
  MAX_PRESENCE_PAGE,
  MOVE_QUERY,
  type MoveFrame,
  PING_QUERY,
  type ServerFrame,
  type SubscribedFrame,
} from "../protocol/index.js";
import { backoffDelay, retryAfterDelay } from "./backoff.js";
import type { Delivery } from "./channel-state.js";
import { HubClientError } from "./client-error.js";
import type {
  HubClientEvents,
  HubClientStats,
  OpenEvent,
  SubscribedEvent,
} from "./client-events.js";
import { type HubClientOptions, type ResolvedOptions, resolveOptions } from "./client-options.js";
import { Emitter } from "./emitter.js";
import { encodePublish, Outbox, type PublishResult } from "./outbox.js";
import { PresenceQueries, type PresenceResult } from "./presence-queries.js";
import { CLIENT_DROPPED, decideAfterClose } from "./reconnect-policy.js";
import { closeSocket, detach, kill, OPEN, upgradeStatus, type WebSocketLike } from "./socket.js";
import { Spare } from "./spare.js";
import { type SubscribeOptions, type Subscription, Subscriptions } from "./subscriptions.js";
import { jwtExpiryMs, refreshDelayMs } from "./token-expiry.js";

// A connection that lived this long resets the reconnect backoff; shorter ones keep growing it,
// so a hub that accepts and drops at once is not hammered.
const STABLE_CONNECTION_MS = 5_000;
const CLOSE_WAIT_MS = 1_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

type Timer = ReturnType<typeof setTimeout>;
type Waiter<T> = { resolve: (v: T) => void; reject: (e: HubClientError) => void };

function randomPrefix(): string {
  const bytes = new Uint8Array(8);
  if (globalThis.crypto?.getRandomValues) globalThis.crypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function bad(message: string): HubClientError {
  return new HubClientError("bad_request", message);
}

function badChannel(ch: unknown): HubClientError {
  return bad(`channel "${String(ch).slice(0, 140)}" must match ^[A-Za-z0-9:_.-]{1,128}$`);
}

export class HubClient extends Emitter<HubClientEvents> {
  readonly #o: ResolvedOptions;
  readonly #outbox: Outbox;
  readonly #idPrefix = randomPrefix();
  readonly #subs = new Subscriptions(this.#idPrefix);
  readonly #presence = new PresenceQueries(this.#idPrefix);
  readonly #stats = {
    reconnects: 0,
    moves: 0,
    messages: 0,
    duplicatesDropped: 0,
    gaps: 0,
    resyncs: 0,
  };
  /** Resubscribes waiting to be sent again after a retryable refusal. */
  readonly #subRetries = new Set<Timer>();
  #idCounter = 0;
  #state: "idle" | "connecting" | "open" | "waiting" | "closed" = "idle";
  #socket: WebSocketLike | undefined;
  #hello: OpenEvent | undefined;
  #everOpened = false;
  #openedAt = 0;
  #lastFrameAt = 0;
  #attempt = 0;
  #urlIndex = 0;
  #httpStatus: number | undefined;
  #token: string | undefined;
  #refreshFirst = false;
  #connectWaiters: Waiter<OpenEvent>[] = [];
  #timers: {
    reconnect?: Timer;
    connect?: Timer;
    heartbeat?: Timer;
    refresh?: Timer;
    move?: Timer;
    spare?: Timer;
  } = {};
  /**
   * Set after a connection went silent: the ping interval of that hub. A node that does not say
   * hello within it is likely the frozen one again (a balancer that has not noticed yet).
   */
  #helloWithinMs: number | undefined;
  /** The second attempt raced after a silence, until one of the two says hello. */
  #racer: { sock: WebSocketLike; url: string } | undefined;
  /** The new connection of a move in progress, while the old one still delivers. */
  #spare: Spare | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: HubClientOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#outbox = new Outbox({
      timeoutMs: this.#o.publishTimeoutMs,
      deadlineMs: this.#o.publishDeadlineMs,
      maxPending: this.#o.maxPendingPublishes,
      ordered: this.#o.publishOrder === "per-channel",
      backoff: this.#o.backoff,
      random: this.#o.random,
    });
  }

  get connected(): boolean {
    return this.#state === "open";
  }

  get stats(): HubClientStats {
    const { retries, size } = this.#outbox;
    return { ...this.#stats, publishRetries: retries, pendingPublishes: size };
  }

  /** Starts connecting (and reconnecting from then on); resolves on the first `hello`. */
  connect(): Promise<OpenEvent> {
    if (this.#isClosed()) return Promise.reject(closedError());
    const p = new Promise<OpenEvent>((resolve, reject) => {
      this.#connectWaiters.push({ resolve, reject });
    });
    if (this.#state === "open") this.#resolveConnect();
    else if (this.#state === "idle") void this.#open();
    return p;
  }

  /**
   * Subscribes to `ch`; resolves on the hub's `subscribed` (as the hub sent it). Rejects with a
   * HubClientError carrying the hub's code when the hub refuses this subscribe, and when the
   * client closes for good first; a connection lost before the reply is not a failure: the `sub`
   * goes out again on the next connection. Resumed with since+epoch after every reconnect.
   */
  subscribe(ch: string, options: SubscribeOptions = {}): Promise<SubscribedEvent> {
    if (this.#isClosed()) return Promise.reject(closedError());
    if (!isChannel(ch)) return Promise.reject(badChannel(ch));
    const { sub, created } = this.#subs.add(ch);
    if (created) sub.token = options.token ?? this.#o.getChannelToken;
    if (sub.state.confirmed && sub.last) return Promise.resolve(sub.last);
    const p = new Promise<SubscribedEvent>((resolve, reject) => {
      sub.waiters.push({ resolve, reject });
    });
    if (created && this.#state === "open") this.#sendSub(sub);
    return p;
  }

  /** Stops delivering `ch` and tells the hub; a pending subscribe() for it rejects (`cancelled`). */
  async unsubscribe(ch: string): Promise<void> {
    const msg = `unsubscribe("${ch}") was called before the hub confirmed it`;
    if (!this.#subs.remove(ch, new HubClientError("cancelled", msg))) return;
    if (this.#state === "open") this.#send({ op: "unsub", ch });
    if (this.#spare?.hello) this.#spare.send({ op: "unsub", ch });
  }

  /** Publishes `data` on `ch` under `id` (generated when absent); resolves on the hub's `ok`. */
  publish(ch: string, data: Json, opts: { id?: string } = {}): Promise<PublishResult> {
    if (this.#isClosed()) return Promise.reject(closedError());
    if (!isChannel(ch)) return Promise.reject(badChannel(ch));
    const id = opts.id ?? `${this.#idPrefix}-${++this.#idCounter}`;
    if (id.length === 0 || id.length > MAX_ID_LENGTH) {
      return Promise.reject(bad(`publish id must be 1 to ${MAX_ID_LENGTH} characters long`));
    }
    if (this.#outbox.has(id)) {
      return Promise.reject(bad(`publish id "${id}" is already in flight: use a new id`));
    }
    const frame = encodePublish(ch, data, id, this.#o.maxPayloadBytes);
    return typeof frame === "string" ? this.#outbox.add(id, ch, frame) : Promise.reject(frame);
  }

  /**
   * One page of `ch`'s members (a namespace with presence); pass the result's `cursor` back for
   * the next page. Rejects with the hub's code (presence_disabled, forbidden, rate_limited).
   */
  presence(ch: string, opts: { cursor?: string; limit?: number } = {}): Promise<PresenceResult> {
    if (this.#isClosed()) return Promise.reject(closedError());
    if (!isChannel(ch)) return Promise.reject(badChannel(ch));
    const { cursor, limit } = opts;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_PRESENCE_PAGE))
      return Promise.reject(
        bad(`presence limit must be an integer from 1 to ${MAX_PRESENCE_PAGE}`),
      );
    const frame = {
      ch,
      ...(cursor === undefined ? {} : { cursor }),
      ...(limit === undefined ? {} : { limit }),
    };
    return this.#presence.add(frame, this.#state === "open" ? (t) => this.#send(t) : undefined);
  }

  /** How many members `ch` has, without reading them (cheap on the hub). */
  async presenceCount(ch: string): Promise<number> {
    if (this.#isClosed()) throw closedError();
    if (!isChannel(ch)) throw badChannel(ch);
    const send = this.#state === "open" ? (t: string) => this.#send(t) : undefined;
    return (await this.#presence.add({ ch, countOnly: true }, send)).count;
  }

  /** Closes for good: rejects what is pending, clears every timer, never reconnects. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const wasClosed = this.#isClosed();
    this.#shutdown(closedError());
    const sock = this.#socket;
    this.#socket = undefined;
    this.#closing = sock ? closeSocket(sock, CLOSE_WAIT_MS) : Promise.resolve();
    if (!wasClosed)
      this.emit("close", { code: 1000, reason: "client closed", willReconnect: false });
    return this.#closing;
  }

  async #open(): Promise<void> {
    this.#state = "connecting";
    const url = this.#o.urls[this.#urlIndex % this.#o.urls.length] as string;
    let token: string | undefined;
    let sock: WebSocketLike;
    let step: "refresh_failed" | "connect_failed" = "refresh_failed";
    try {
      token = await this.#currentToken();
      if (this.#isClosed()) return;
      step = "connect_failed";
      sock = this.#o.createSocket(this.#target(url), token, () => {
        this.#lastFrameAt = Date.now();
      });
    } catch (cause) {
      if (this.#isClosed()) return;
      const what = step === "refresh_failed" ? "get a token" : `open a WebSocket to ${url}`;
      const message = `could not ${what} (${cause instanceof Error ? cause.message : cause}); retrying`;
      this.emit("error", new HubClientError(step, message, { cause }));
      this.#scheduleReconnect(undefined);
      return;
    }
    this.#scheduleTokenRefresh(token);
    this.#socket = sock;
    sock.onopen = () => {};
    sock.onmessage = (ev) => this.#onFrame(sock, url, ev.data);
    sock.onclose = (ev) => this.#onClose(sock, ev.code, ev.reason);
    sock.onerror = (ev) => {
      this.#httpStatus = upgradeStatus(ev) ?? this.#httpStatus;
    };
    this.#armConnectTimer(sock);
    // After a silence the balancer may still send us to the frozen node: race a second attempt
    // (the next pick), and keep whichever says hello first.
    if (this.#helloWithinMs !== undefined) this.#startRacer(token);
  }

  #armConnectTimer(sock: WebSocketLike): void {
    clearTimeout(this.#timers.connect);
    const ms = Math.min(this.#o.connectTimeoutMs, this.#helloWithinMs ?? Number.POSITIVE_INFINITY);
    const why = `no hello within ${ms} ms (connectTimeoutMs, or the ping interval after a silence)`;
    this.#timers.connect = setTimeout(() => this.#drop(sock, why), ms);
  }

  #startRacer(token: string | undefined): void {
    const url = this.#o.urls[(this.#urlIndex + 1) % this.#o.urls.length] as string;
    let sock: WebSocketLike;
    try {
      sock = this.#o.createSocket(this.#target(url), token, () => {
        if (this.#socket === sock) this.#lastFrameAt = Date.now();
      });
    } catch {
      return;
    }
    this.#racer = { sock, url };
    sock.onopen = () => {};
    sock.onmessage = (ev) => this.#onFrame(sock, url, ev.data);
    sock.onclose = (ev) => this.#onClose(sock, ev.code, ev.reason);
    sock.onerror = () => {};
  }

  /** The racer said hello first, or the first attempt failed: it becomes the attempt. */
  #promoteRacer(): boolean {
    const racer = this.#racer;
    if (!racer || this.#state !== "connecting") return false;
    this.#racer = undefined;
    const lost = this.#socket;
    if (lost) {
      detach(lost);
      kill(lost);
    }
    this.#socket = racer.sock;
    this.#armConnectTimer(racer.sock);
    return true;
  }

  #dropRacer(): void {
    const racer = this.#racer;
    if (!racer) return;
    this.#racer = undefined;
    detach(racer.sock);
    kill(racer.sock);
  }

  /** `url` with what this client asks of the hub: `ping` frames, and `move` (make-before-break). */
  #target(url: string): string {
    // A socket the page cannot see pings on asks the hub for `ping` frames it can see.
    const ping = this.#o.heartbeatTimeoutMs !== undefined;
    if (!ping && !this.#o.move) return url;
    const u = new URL(url);
    if (ping) u.searchParams.set(PING_QUERY, "1");
    if (this.#o.move) u.searchParams.set(MOVE_QUERY, "1");
    return u.toString();
  }

  async #currentToken(): Promise<string | undefined> {
    if (this.#refreshFirst && this.#o.refreshToken) {
      this.#token = await this.#o.refreshToken();
      this.#refreshFirst = false;
    }
    if (this.#token !== undefined) return this.#token;
    const t = this.#o.token;
    return typeof t === "function" ? await t() : t;
  }

  #scheduleTokenRefresh(token: string | undefined): void {
    clearTimeout(this.#timers.refresh);
    const exp = token === undefined ? undefined : jwtExpiryMs(token);
    if (!this.#o.refreshToken || exp === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, refreshDelayMs(exp, Date.now()));
    this.#timers.refresh = setTimeout(() => void this.#refreshNow(), delay);
  }

  async #refreshNow(): Promise<void> {
    try {
      const token = await (this.#o.refreshToken as () => Promise<string>)();
      if (this.#isClosed()) return;
      this.#token = token;
      if (this.#state === "open") this.#send({ op: "refresh", token });
      this.#scheduleTokenRefresh(token);
    } catch (cause) {
      if (this.#isClosed()) return;
      // No retry loop here: at expiry the hub closes with 1008 and the reconnect refreshes again.
      const msg = "refreshToken() failed before the token expired";
      this.emit("error", new HubClientError("refresh_failed", msg, { cause }));
    }
  }

  #onFrame(sock: WebSocketLike, url: string, data: unknown): void {
    if (sock === this.#racer?.sock && !this.#promoteRacer()) {
      this.#dropRacer();
      return;
    }
    const spare = this.#spare?.sock === sock ? this.#spare : undefined;
    if ((sock !== this.#socket && !spare) || typeof data !== "string") return;
    if (!spare) this.#lastFrameAt = Date.now();
    let f: ServerFrame;
    try {
      f = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (typeof f !== "object" || f === null) return;
    if (spare) this.#onSpareFrame(spare, f);
    else if (f.op === "move") this.#onMove(f);
    else if (f.op === "hello") this.#onHello(sock, url, f);
    else if (f.op === "ping") this.#send({ op: "pong" });
    else if (f.op === "subscribed") this.#onSubscribed(sock, f);
    else if (f.op === "ok") this.#outbox.onOk(f);
    else if (f.op === "error") this.#onErrorFrame(f);
    else if (f.op === "presence") this.#presence.onReply(f);
    else if (f.op === "join" || f.op === "leave") {
      if (this.#subs.get(f.ch)) this.emit(f.op, { ch: f.ch, who: f.who });
    } else if (f.op === "msg") {
      const sub = this.#subs.get(f.ch);
      if (sub && typeof f.seq === "number") this.#deliver(sock, sub, sub.state.onMessage(f));
    }
  }

  #onHello(sock: WebSocketLike, url: string, f: HelloFrame): void {
    clearTimeout(this.#timers.connect);
    this.#dropRacer();
    this.#helloWithinMs = undefined;
    this.#state = "open";
    this.#openedAt = Date.now();
    if (this.#everOpened) this.#stats.reconnects++;
    this.#everOpened = true;
    this.#hello = { node: f.node, conn: f.conn, url };
    this.emit("open", this.#hello);
    this.#resolveConnect();
    if (this.#socket !== sock) return;
    for (const sub of this.#subs.resubscribeAll()) this.#sendSub(sub);
    this.#outbox.connected((frame) => this.#send(frame));
    this.#presence.connected((frame) => this.#send(frame));
    this.#armHeartbeat(sock, f.pingMs);
  }

  #resolveConnect(): void {
    const hello = this.#hello;
    if (hello) for (const w of this.#connectWaiters.splice(0)) w.resolve(hello);
  }

  #onSubscribed(sock: WebSocketLike, f: SubscribedFrame): void {
    const sub = this.#subs.answered(f);
    if (!sub || typeof f.seq !== "number") return;
    const out = sub.state.onSubscribed(f);
    // Reported exactly as the hub said it: a first subscribe carries no `recovered`.
    const ev: SubscribedEvent = { ch: f.ch, seq: f.seq, epoch: f.epoch };
    if (typeof f.recovered === "boolean") ev.recovered = f.recovered;
    sub.last = ev;
    this.emit("subscribed", ev);
    if (out.gap) {
      this.#stats.gaps++;
      this.emit("gap", { ch: f.ch, recovered: false, seq: f.seq, epoch: f.epoch });
    }
    for (const w of sub.waiters.splice(0)) w.resolve(ev);
    this.#deliver(sock, sub, out);
  }

  #deliver(sock: WebSocketLike, sub: Subscription, out: Delivery): void {
    this.#stats.duplicatesDropped += out.duplicates;
    for (const { ch, seq, data, id } of out.deliver) {
      // A listener may have closed the client or unsubscribed meanwhile.
      if (!this.#delivers(sock) || this.#subs.get(ch) !== sub) return;
      this.#stats.messages++;
      this.emit("message", id === undefined ? { ch, seq, data } : { ch, seq, data, id });
    }
    if (out.broken && this.#spare?.sock === sock) this.#dropSpare(sock);
    else if (out.broken && this.#socket === sock) {
      const { ch } = sub.state;
      const { last, got } = out.broken;
      this.#stats.resyncs++;
      this.emit("resync", { ch, last, got });
      this.#drop(sock, `seq on ${ch} jumped from ${last} to ${got}: reconnecting to resume`);
    }
  }

  /**
   * Sends `sub`'s `sub` frame, with its channel token when it has one; a token function is
   * awaited first, and its result dropped when the connection or the subscription changed.
   */
  #sendSub(sub: Subscription): void {
    const source = sub.token;
    if (typeof source !== "function") {
      this.#send(this.#subs.frameFor(sub, source));
      return;
    }
    const sock = this.#socket;
    const { ch } = sub.state;
    const current = () =>
      this.#socket === sock && this.#state === "open" && this.#subs.get(ch) === sub;
    Promise.resolve()
      .then(() => source(ch))
      .then((token) => {
        if (!current()) return;
        if (typeof token !== "string" || token === "") throw new Error("it gave no token");
        this.#send(this.#subs.frameFor(sub, token));
      })
      .catch((err: unknown) => {
        if (this.#subs.get(ch) !== sub) return;
        const why = err instanceof Error ? err.message : String(err);
        const e = new HubClientError(
          "channel_token_failed",
          `the channel token for "${ch}" could not be fetched (${why}): subscribe again later`,
          { ch, cause: err },
        );
        this.#subs.remove(ch, e);
        this.emit("error", e);
      });
  }

  /**
   * The hub ended a subscription held by a channel token that expired: one with a token function
   * is renewed at once (resuming, so nothing is missed); one with a fixed token is given up.
   */
  #onChannelTokenExpired(f: ErrorFrame, err: HubClientError): boolean {
    if (f.code !== "channel_token_expired" || f.id !== undefined || f.ch === undefined)
      return false;
    const sub = this.#subs.get(f.ch);
    if (!sub?.state.confirmed) return false;
    if (typeof sub.token === "function") {
      sub.state.reset();
      this.#sendSub(sub);
      return true;
    }
    this.#subs.remove(f.ch, err);
    this.emit("error", err);
    return true;
  }

  #onErrorFrame(f: ErrorFrame): void {
    if (this.#outbox.onError(f) || this.#presence.onError(f)) return;
    const ch = f.ch ?? undefined;
    const err = new HubClientError(f.code, f.message, ch === undefined ? {} : { ch });
    if (this.#onChannelTokenExpired(f, err)) return;
    const failed = this.#subs.takeFailed(f);
    if (!failed) {
      this.emit("error", err);
      return;
    }
    if (failed.waiters.length > 0) {
      // subscribe() settles on every refusal; the caller decides whether to try again.
      for (const w of failed.waiters.splice(0)) w.reject(err);
      return;
    }
    // A resubscribe nobody awaits: a retryable refusal is tried again, any other is reported.
    if (this.#isRetryableFrame(f)) this.#retrySub(failed);
    else this.emit("error", err);
  }

  #isRetryableFrame(f: ErrorFrame): boolean {
    return typeof f.retryable === "boolean" ? f.retryable : isRetryable(f.code);
  }

  #retrySub(failed: Subscription): void {
    const { ch } = failed.state;
    const delay = backoffDelay(0, this.#o.backoff, this.#o.random);
    const timer = setTimeout(() => {
      this.#subRetries.delete(timer);
      if (this.#isClosed() || this.#subs.get(ch)) return;
      const { sub } = this.#subs.add(ch);
      sub.state = failed.state;
      sub.token = failed.token;
      if (this.#state === "open") this.#sendSub(sub);
    }, delay);
    this.#subRetries.add(timer);
  }

  /** Whether frames of `sock` may still reach the application: the connection, or a spare. */
  #delivers(sock: WebSocketLike): boolean {
    return sock === this.#socket || sock === this.#spare?.sock;
  }

  /** A draining node asks us to move: after its hint, open the new connection beside this one. */
  #onMove(f: MoveFrame): void {
    if (!this.#o.move || this.#state !== "open" || this.#spare || this.#timers.move) return;
    const hint = typeof f.retryAfterMs === "number" && f.retryAfterMs >= 0 ? f.retryAfterMs : 0;
    this.#timers.move = setTimeout(
      () => {
        this.#timers.move = undefined;
        void this.#openSpare();
      },
      retryAfterDelay(hint, this.#o.random),
    );
  }

  async #openSpare(): Promise<void> {
    if (this.#state !== "open" || this.#spare) return;
    this.#urlIndex++;
    const url = this.#o.urls[this.#urlIndex % this.#o.urls.length] as string;
    let sock: WebSocketLike;
    try {
      const token = await this.#currentToken();
      if (this.#state !== "open" || this.#spare) return;
      sock = this.#o.createSocket(this.#target(url), token, () => {
        if (this.#socket === sock) this.#lastFrameAt = Date.now();
      });
    } catch {
      // No spare: the old connection's 1001 leads to the usual reconnect.
      return;
    }
    this.#spare = new Spare(sock, url);
    sock.onopen = () => {};
    sock.onmessage = (ev) => this.#onFrame(sock, url, ev.data);
    // #onClose drops a spare, or handles the close of the connection the spare became.
    sock.onclose = (ev) => this.#onClose(sock, ev.code, ev.reason);
    sock.onerror = (ev) => {
      if (sock === this.#socket) this.#httpStatus = upgradeStatus(ev) ?? this.#httpStatus;
    };
    const ms = this.#o.connectTimeoutMs;
    this.#timers.spare = setTimeout(() => this.#dropSpare(sock), ms);
  }

  #onSpareFrame(spare: Spare, f: ServerFrame): void {
    if (f.op === "hello") {
      clearTimeout(this.#timers.spare);
      spare.hello = { node: f.node, conn: f.conn, url: spare.url };
      spare.pingMs = f.pingMs;
      for (const frame of this.#subs.moveFrames()) {
        spare.pending.set(frame.id as string, frame.ch);
        spare.send(frame);
      }
    } else if (f.op === "ping") spare.send({ op: "pong" });
    else if (f.op === "subscribed") {
      if (f.id === undefined || !spare.pending.delete(f.id)) return;
      spare.ready.add(f.ch);
      this.#onSubscribed(spare.sock, f);
    } else if (f.op === "msg") {
      const sub = this.#subs.get(f.ch);
      if (sub && spare.ready.has(f.ch) && typeof f.seq === "number")
        this.#deliver(spare.sock, sub, sub.state.onMessage(f));
    } else if (f.op === "error" && f.id !== undefined && spare.pending.has(f.id)) {
      // A channel the spare cannot resume: stay, and leave when the node closes us.
      this.#dropSpare(spare.sock);
      return;
    }
    if (this.#spare === spare && spare.caughtUp) this.#switchToSpare();
  }

  /** The spare has resumed every channel: it becomes the connection, the old one is closed. */
  #switchToSpare(): void {
    const spare = this.#spare;
    if (!spare?.hello) return;
    clearTimeout(this.#timers.spare);
    this.#spare = undefined;
    const old = this.#socket;
    clearTimeout(this.#timers.heartbeat);
    this.#socket = spare.sock;
    // Closed only now: until this moment it kept delivering; duplicates are dropped by seq.
    if (old) void closeSocket(old, CLOSE_WAIT_MS);
    this.#state = "open";
    this.#openedAt = Date.now();
    this.#stats.moves++;
    this.#hello = spare.hello;
    // Publishes in flight on the old connection go again under their ids: the hub dedupes them.
    this.#outbox.disconnected();
    // Channels subscribed to during the move went out on the old connection only.
    for (const sub of this.#subs.all()) {
      if (!spare.covers(sub.state.ch)) this.#send(this.#subs.frameFor(sub));
    }
    this.#outbox.connected((frame) => this.#send(frame));
    this.#armHeartbeat(spare.sock, spare.pingMs);
    this.emit("open", spare.hello);
  }

  /**
   * The old connection closed before the spare caught up: the spare takes over (a spare that
   * said hello resumes where it is, one that did not yet is the connection being opened).
   */
  #takeOverBySpare(): boolean {
    const spare = this.#spare;
    if (!spare || this.#isClosed()) return false;
    if (spare.hello) {
      this.#switchToSpare();
      return true;
    }
    this.#spare = undefined;
    this.#socket = spare.sock;
    this.#state = "connecting";
    this.#timers.connect = this.#timers.spare;
    this.#timers.spare = undefined;
    return true;
  }

  #dropSpare(sock: WebSocketLike): void {
    if (this.#spare?.sock !== sock) return;
    clearTimeout(this.#timers.spare);
    this.#spare = undefined;
    detach(sock);
    kill(sock);
  }

  #onClose(sock: WebSocketLike, code: number, reason: string): void {
    if (sock === this.#spare?.sock) {
      this.#dropSpare(sock);
      return;
    }
    if (sock === this.#racer?.sock) {
      this.#dropRacer();
      return;
    }
    if (sock !== this.#socket) return;
    // The first attempt failed while its racer is still trying: that one is the attempt now.
    if (this.#promoteRacer()) return;
    detach(sock);
    this.#socket = undefined;
    this.#hello = undefined;
    clearTimeout(this.#timers.connect);
    clearTimeout(this.#timers.heartbeat);
    this.#outbox.disconnected();
    const httpStatus = this.#httpStatus;
    this.#httpStatus = undefined;
    if (this.#isClosed()) return;
    if (this.#openedAt > 0 && Date.now() - this.#openedAt >= STABLE_CONNECTION_MS) {
      this.#attempt = 0;
    }
    this.#openedAt = 0;
    const canRefresh = this.#o.refreshToken !== undefined;
    const decision = decideAfterClose({ code, reason, httpStatus, canRefresh });
    this.emit("close", { code, reason, willReconnect: decision.action !== "stop" });
    if (this.#isClosed()) return;
    if (decision.action === "stop") {
      const err = new HubClientError(decision.code, decision.message);
      this.emit("error", err);
      this.#shutdown(err);
      return;
    }
    if (decision.action === "reconnect" && this.#takeOverBySpare()) return;
    if (this.#spare) this.#dropSpare(this.#spare.sock);
    if (decision.action === "refresh") {
      this.#refreshFirst = true;
      const refusal = httpStatus === 401 ? "unauthorized" : "token_expired";
      const msg = "the hub refused the token: calling refreshToken() and reconnecting";
      this.emit("error", new HubClientError(refusal, msg));
      if (this.#isClosed()) return;
    }
    this.#scheduleReconnect(decision.action === "reconnect" ? decision.retryAfterMs : undefined);
  }

  #scheduleReconnect(retryAfterMs: number | undefined): void {
    this.#state = "waiting";
    this.#urlIndex++;
    const { backoff, random, urls } = this.#o;
    const delayMs =
      retryAfterMs !== undefined
        ? retryAfterDelay(retryAfterMs, random)
        : backoffDelay(this.#attempt, backoff, random);
    this.#attempt++;
    const url = urls[this.#urlIndex % urls.length] as string;
    this.emit("reconnecting", { attempt: this.#attempt, delayMs, url });
    if (this.#isClosed()) return;
    this.#timers.reconnect = setTimeout(() => void this.#open(), delayMs);
  }

  #armHeartbeat(sock: WebSocketLike, pingMs: number | undefined): void {
    const bound = this.#o.heartbeatTimeoutMs;
    if (bound === undefined) return;
    const timeout = heartbeatTimeout(bound, pingMs);
    this.#lastFrameAt = Date.now();
    // One timer re-armed for the remaining time, not one per frame.
    const check = (): void => {
      const idle = Date.now() - this.#lastFrameAt;
      if (idle < timeout) this.#timers.heartbeat = setTimeout(check, timeout - idle);
      else {
        this.#helloWithinMs = pingMs;
        this.#drop(sock, `no frame or ping for ${timeout} ms (heartbeatTimeoutMs)`);
      }
    };
    this.#timers.heartbeat = setTimeout(check, timeout);
  }

  /** Gives up on a socket the client no longer trusts and handles it like an abnormal close. */
  #drop(sock: WebSocketLike, reason: string): void {
    if (sock !== this.#socket) return;
    detach(sock);
    kill(sock);
    this.#onClose(sock, CLIENT_DROPPED, reason);
  }

  #send(frame: object | string): void {
    const s = this.#socket;
    if (!s || s.readyState !== OPEN) return;
    try {
      s.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    } catch {
      // The socket is closing; its close event drives the reconnect and the outbox resends.
    }
  }

  #shutdown(err: HubClientError): void {
    this.#state = "closed";
    this.#dropRacer();
    if (this.#spare) this.#dropSpare(this.#spare.sock);
    for (const t of Object.values(this.#timers)) clearTimeout(t);
    this.#timers = {};
    for (const t of this.#subRetries) clearTimeout(t);
    this.#subRetries.clear();
    this.#outbox.closeAll(err);
    this.#presence.closeAll(err);
    this.#subs.rejectAll(err);
    for (const w of this.#connectWaiters.splice(0)) w.reject(err);
  }

  // A method, not an inline comparison: listeners run between checks and may close the client.
  #isClosed(): boolean {
    return this.#state === "closed";
  }
}

/**
 * How long silence means dead. A hub that pings less often than the bound would look dead between
 * pings: two of its intervals. A hub that pings more often has missed its ping after one interval
 * and a half: waiting for the whole bound only keeps users on a frozen node longer.
 */
export function heartbeatTimeout(boundMs: number, pingMs: number | undefined): number {
  if (pingMs === undefined) return boundMs;
  if (pingMs >= boundMs) return 2 * pingMs;
  return Math.min(boundMs, Math.ceil(pingMs * 1.5));
}

function closedError(): HubClientError {
  return new HubClientError("closed", "the client is closed: create a new HubClient to connect");
}
