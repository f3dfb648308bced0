// HubClient: one logical connection to the hub that survives reconnects. It resumes every
// subscription with since+epoch, delivers each channel in seq order exactly once, and retries
// publishes under their id until the hub acknowledges them.
import {
  type ErrorFrame,
  type HelloFrame,
  isChannel,
  type Json,
  MAX_ID_LENGTH,
  MAX_PRESENCE_PAGE,
  MOVE_QUERY,
  PING_QUERY,
  type ServerFrame,
} from "../protocol/index.js";
import { backoffDelay, retryAfterDelay } from "./backoff.js";
import { ClientChannels } from "./client-channels.js";
import { HubClientError } from "./client-error.js";
import type {
  HubClientEvents,
  HubClientStats,
  OpenEvent,
  SubscribedEvent,
} from "./client-events.js";
import { type HubClientOptions, type ResolvedOptions, resolveOptions } from "./client-options.js";
import { Emitter } from "./emitter.js";
import { Mover } from "./mover.js";
import { encodePublish, Outbox, type PublishResult } from "./outbox.js";
import { PresenceQueries, type PresenceResult } from "./presence-queries.js";
import { CLIENT_DROPPED, decideAfterClose } from "./reconnect-policy.js";
import { closeSocket, detach, kill, OPEN, upgradeStatus, type WebSocketLike } from "./socket.js";
import type { SubscribeOptions } from "./subscriptions.js";
import { TokenSource } from "./token-source.js";

// A connection that lived this long resets the reconnect backoff; shorter ones keep growing it,
// so a hub that accepts and drops at once is not hammered.
const STABLE_CONNECTION_MS = 5_000;
const CLOSE_WAIT_MS = 1_000;

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
  readonly #presence = new PresenceQueries(this.#idPrefix);
  readonly #stats = {
    reconnects: 0,
    moves: 0,
    messages: 0,
    duplicatesDropped: 0,
    gaps: 0,
    resyncs: 0,
  };
  readonly #channels: ClientChannels;
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
  readonly #tokens: TokenSource;
  #connectWaiters: Waiter<OpenEvent>[] = [];
  #timers: {
    reconnect?: Timer;
    connect?: Timer;
    heartbeat?: Timer;
  } = {};
  /**
   * Set after a connection went silent: the ping interval of that hub. A node that does not say
   * hello within it is likely the frozen one again (a balancer that has not noticed yet).
   */
  #helloWithinMs: number | undefined;
  /** The second attempt raced after a silence, until one of the two says hello. */
  #racer: { sock: WebSocketLike; url: string } | undefined;
  readonly #mover: Mover;
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
    this.#channels = new ClientChannels(this.#idPrefix, this.#o, this.#stats, {
      emit: (event, value) => this.emit(event, value),
      send: (frame) => this.#send(frame),
      openSocket: () => (this.#state === "open" ? this.#socket : undefined),
      delivers: (sock) => sock === this.#socket || sock === this.#mover.spare?.sock,
      broken: (sock, reason, resync) => {
        if (this.#mover.spare?.sock === sock) this.#mover.drop(sock);
        else if (this.#socket === sock) {
          resync();
          this.#drop(sock, reason);
        }
      },
      sendOnSpare: (frame) => {
        const spare = this.#mover.spare;
        if (spare?.hello) spare.send(frame);
      },
      closed: () => this.#isClosed(),
    });
    this.#mover = new Mover(this.#o, this.#channels, {
      open: () => this.#state === "open",
      nextUrl: () => this.#o.urls[++this.#urlIndex % this.#o.urls.length] as string,
      token: () => this.#tokens.current(),
      connect: (url, token) => this.#connectSpare(url, token),
      caughtUp: () => this.#switchToSpare(),
    });
    this.#tokens = new TokenSource(this.#o, {
      refreshed: (token) => {
        if (this.#state === "open") this.#send({ op: "refresh", token });
      },
      failed: (err) => this.emit("error", err),
      closed: () => this.#isClosed(),
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
    return this.#channels.subscribe(ch, options);
  }

  /** Stops delivering `ch` and tells the hub; a pending subscribe() for it rejects (`cancelled`). */
  async unsubscribe(ch: string): Promise<void> {
    this.#channels.unsubscribe(ch);
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
      token = await this.#tokens.current();
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
    this.#tokens.schedule(token);
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

  #onFrame(sock: WebSocketLike, url: string, data: unknown): void {
    if (sock === this.#racer?.sock && !this.#promoteRacer()) {
      this.#dropRacer();
      return;
    }
    const spare = this.#mover.spare?.sock === sock ? this.#mover.spare : undefined;
    if ((sock !== this.#socket && !spare) || typeof data !== "string") return;
    if (!spare) this.#lastFrameAt = Date.now();
    let f: ServerFrame;
    try {
      f = JSON.parse(data) as ServerFrame;
    } catch {
      return;
    }
    if (typeof f !== "object" || f === null) return;
    if (spare) this.#mover.onFrame(spare, f);
    else if (f.op === "move") this.#mover.onMove(f);
    else if (f.op === "hello") this.#onHello(sock, url, f);
    else if (f.op === "ping") this.#send({ op: "pong" });
    else if (f.op === "subscribed") this.#channels.onSubscribed(sock, f);
    else if (f.op === "ok") this.#outbox.onOk(f);
    else if (f.op === "error") this.#onErrorFrame(f);
    else if (f.op === "presence") this.#presence.onReply(f);
    else if (f.op === "join" || f.op === "leave") {
      if (this.#channels.subs.get(f.ch)) this.emit(f.op, { ch: f.ch, who: f.who });
    } else if (f.op === "msg") this.#channels.onMessage(sock, f);
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
    this.#channels.resubscribeAll();
    this.#outbox.connected((frame) => this.#send(frame));
    this.#presence.connected((frame) => this.#send(frame));
    this.#armHeartbeat(sock, f.pingMs);
  }

  #resolveConnect(): void {
    const hello = this.#hello;
    if (hello) for (const w of this.#connectWaiters.splice(0)) w.resolve(hello);
  }

  #onErrorFrame(f: ErrorFrame): void {
    if (this.#outbox.onError(f) || this.#presence.onError(f)) return;
    const ch = f.ch ?? undefined;
    const err = new HubClientError(f.code, f.message, ch === undefined ? {} : { ch });
    if (!this.#channels.onError(f, err)) this.emit("error", err);
  }

  /** A socket for a move's spare: its frames and close come here like the connection's. */
  #connectSpare(url: string, token: string | undefined): WebSocketLike {
    const sock = this.#o.createSocket(this.#target(url), token, () => {
      if (this.#socket === sock) this.#lastFrameAt = Date.now();
    });
    sock.onopen = () => {};
    sock.onmessage = (ev) => this.#onFrame(sock, url, ev.data);
    // #onClose drops a spare, or handles the close of the connection the spare became.
    sock.onclose = (ev) => this.#onClose(sock, ev.code, ev.reason);
    sock.onerror = (ev) => {
      if (sock === this.#socket) this.#httpStatus = upgradeStatus(ev) ?? this.#httpStatus;
    };
    return sock;
  }

  /** The spare has resumed every channel: it becomes the connection, the old one is closed. */
  #switchToSpare(): void {
    const hello = this.#mover.spare?.hello;
    const taken = hello && this.#mover.take();
    if (!taken) return;
    const { spare } = taken;
    clearTimeout(taken.timer);
    const old = this.#socket;
    clearTimeout(this.#timers.heartbeat);
    this.#socket = spare.sock;
    // Closed only now: until this moment it kept delivering; duplicates are dropped by seq.
    if (old) void closeSocket(old, CLOSE_WAIT_MS);
    this.#state = "open";
    this.#openedAt = Date.now();
    this.#stats.moves++;
    this.#hello = hello;
    // Publishes in flight on the old connection go again under their ids: the hub dedupes them.
    this.#outbox.disconnected();
    // Channels subscribed to during the move went out on the old connection only.
    const { subs } = this.#channels;
    for (const sub of subs.all()) if (!spare.covers(sub.state.ch)) this.#send(subs.frameFor(sub));
    this.#outbox.connected((frame) => this.#send(frame));
    this.#armHeartbeat(spare.sock, spare.pingMs);
    this.emit("open", hello);
  }

  /**
   * The old connection closed before the spare caught up: the spare takes over (a spare that
   * said hello resumes where it is, one that did not yet is the connection being opened).
   */
  #takeOverBySpare(): boolean {
    const spare = this.#mover.spare;
    if (!spare || this.#isClosed()) return false;
    if (spare.hello) {
      this.#switchToSpare();
      return true;
    }
    const taken = this.#mover.take();
    this.#socket = spare.sock;
    this.#state = "connecting";
    this.#timers.connect = taken?.timer;
    return true;
  }

  #onClose(sock: WebSocketLike, code: number, reason: string): void {
    if (sock === this.#mover.spare?.sock) {
      this.#mover.drop(sock);
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
    const spare = this.#mover.spare;
    if (spare) this.#mover.drop(spare.sock);
    if (decision.action === "refresh") {
      this.#tokens.refreshFirst();
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
    this.#mover.stop();
    for (const t of Object.values(this.#timers)) clearTimeout(t);
    this.#timers = {};
    this.#tokens.stop();
    this.#outbox.closeAll(err);
    this.#presence.closeAll(err);
    this.#channels.closeAll(err);
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
