// One client connection: its frames, subscriptions, token lifetime and send buffer.
import type { RawData, WebSocket } from "ws";
import type { Broker, BrokerPublishResult } from "../bus/index.js";
import { HubError, UnavailableError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import type { ChannelPolicy } from "../namespaces.js";
import {
  CLOSE,
  type ClientFrame,
  type ErrorCode,
  type ErrorFrame,
  isRetryable,
  messageFrame,
  PROTOCOL_FEATURES,
  PROTOCOL_VERSION,
  type PresenceFrame,
  type PresenceMember,
  type PubFrame,
  parseClientFrame,
  type RefreshFrame,
  type SubFrame,
  type UnsubFrame,
} from "../protocol/index.js";
import { type Authenticator, type Claims, mayUse } from "./auth.js";
import { ChannelGrants, verifyChannelToken } from "./channel-token.js";
import { type BudgetSource, ConnectionBudget } from "./connection-budget.js";
import type { Fanout, Recipient, SubscribeResult } from "./fanout.js";
import { OpQueue } from "./op-queue.js";
import { type FrameSender, frameSender, OutFrame } from "./prepared-frame.js";
import type { HubPresence } from "./presence.js";
import { connectionPublisher, publishJson } from "./publish.js";
import { TokenBucket } from "./rate-limit.js";
import type { TimerRegistry } from "./timers.js";
import { BatchedSocket, batchFlushBytes, type Corkable, type WriteBatch } from "./write-batch.js";

export type ConnectionContext = {
  nodeId: string;
  broker: Broker;
  fanout: Fanout;
  auth: Authenticator;
  metrics: Metrics;
  timers: TimerRegistry;
  log: Logger;
  maxSubscriptions: number;
  maxPublishRate: number;
  maxSubscribeRate: number;
  maxRefreshRate: number;
  slowConsumerBytes: number;
  maxConnectionBytes: number;
  /** Per-channel options (NAMESPACES). */
  channels: ChannelPolicy;
  presence: HubPresence;
  maxPresenceRate: number;
  /** Frames of one turn leave each socket in one write (absent: one write per frame). */
  writeBatch?: WriteBatch;
};

/** What this connection negotiated at the upgrade. */
export type ConnectionOptions = {
  /** Application-level `ping` frames at this interval (ms): the client asked with `?ping=1`. */
  pingMs?: number;
  /** The client understands the `move` frame (1.2): it asked with `?move=1`. */
  move?: boolean;
  /** The upgraded TCP socket under the WebSocket: corked while a turn's frames are written. */
  socket?: Corkable;
  /** The client's address, as the node's per-address limit counts it. */
  ip?: string;
};

/** How long a closing connection may take to say goodbye before its socket is destroyed. */
const CLOSE_GRACE_MS = 2_000;
/**
 * A slow consumer's close frame waits behind the bytes already queued for it; nothing more is
 * queued, so memory stays bounded while a client that reads again gets to see the 1013.
 */
const SLOW_CLOSE_GRACE_MS = 30_000;
/**
 * Past MAX_CONNECTION_BYTES the client is flooding frames it does not read the answers to; it
 * gets a few seconds to read what is queued (and the 1013), not a slow consumer's thirty.
 */
const MEMORY_CLOSE_GRACE_MS = 5_000;

/** The property a socket carries its connection in, for the listeners every socket shares. */
const OWNER = Symbol("wshub.connection");
type OwnedSocket = WebSocket & { [OWNER]?: Connection };
/** `channels` of a connection subscribed to none. */
const NO_CHANNELS: ReadonlySet<string> = new Set();

export class Connection implements Recipient, BudgetSource {
  /** Missed heartbeat sweeps in a row; any pong or frame resets it. */
  missedBeats = 0;
  private pubBucket: TokenBucket | undefined;
  /** sub and unsub share one rate: each can create or drop channel state. */
  private subBucket: TokenBucket | undefined;
  private refreshBucket: TokenBucket | undefined;
  private presenceBucket: TokenBucket | undefined;
  /** This connection as a presence member, made on its first presence channel. */
  private asMember: PresenceMember | undefined;
  private readonly budget: ConnectionBudget;
  /** Writes pre-framed msg frames; undefined when this ws version cannot. */
  private readonly sender: FrameSender | undefined;
  private clearExpiry: (() => void) | undefined;
  private clearCloseGrace: (() => void) | undefined;
  private closing = false;
  /** Why the server closed this connection: the disconnect reason once the close completes. */
  private closeWhy: string | undefined;
  private goneDone = false;
  /** Made on first use: a pino child per idle connection costs more heap than the rest of it. */
  private childLog: Logger | undefined;
  /** Inbound operations, applied in arrival order; made on the first frame. */
  private queue: OpQueue | undefined;
  /** The `id` of the `sub` in progress per channel, echoed by its `subscribed`. */
  private subIds: Map<string, string> | undefined;
  /** Channels held by a channel token rather than the connection token's patterns. */
  private grants: ChannelGrants | undefined;
  /** Subscribed channels; made on the first subscribe and dropped when none is left. */
  private subs: Set<string> | undefined;
  /** Made at the first delivery: an idle connection never needs it. */
  private out: BatchedSocket | undefined;

  constructor(
    readonly id: string,
    private readonly ws: WebSocket,
    private claims: Claims | undefined,
    private readonly ctx: ConnectionContext,
    private readonly onGone: (c: Connection, reason: string) => void,
    private readonly options: ConnectionOptions = {},
  ) {
    this.budget = new ConnectionBudget(ctx.maxConnectionBytes, this);
    this.budget.token(claims?.channels);
    this.sender = frameSender(ws);
    // Listeners shared by every socket, which find their connection on it: four closures per
    // connection would cost more heap than the property.
    (ws as OwnedSocket)[OWNER] = this;
    ws.on("message", onSocketMessage);
    ws.on("pong", onSocketPong);
    ws.on("close", onSocketClose);
    ws.on("error", onSocketError);
    this.armExpiry();
    const hello: Record<string, unknown> = {
      op: "hello",
      node: ctx.nodeId,
      conn: id,
      version: PROTOCOL_VERSION,
      features: PROTOCOL_FEATURES,
    };
    if (options.pingMs !== undefined) hello.pingMs = options.pingMs;
    // Outside the write batch: the node corks the socket through the upgrade already, and an idle
    // connection then never makes its BatchedSocket.
    this.ws.send(JSON.stringify(hello));
  }

  /** The socket's pong (shared listener). */
  socketPong(): void {
    this.missedBeats = 0;
  }

  /** The socket's close (shared listener). */
  socketClosed(code: number): void {
    this.stopCloseGrace();
    this.gone(this.closeWhy ?? (code === CLOSE.tooBig.code ? "too_big" : "closed"));
  }

  /** The socket's error (shared listener). */
  socketFailed(err: Error): void {
    this.log.debug({ err: err.message }, "socket error");
    // ws reports an oversized frame as an error before its 1009 close completes.
    const tooBig = (err as { code?: string }).code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH";
    this.gone(tooBig ? "too_big" : "error");
    // ws has answered a bad frame with its close frame and would wait 30 s for the peer's
    // answer; a peer that never gives it is cut after the usual grace instead.
    if (this.ws.readyState !== this.ws.CLOSED) this.startCloseGrace(CLOSE_GRACE_MS);
  }

  /** Subscribed channels (one shared empty set while there are none). */
  get channels(): ReadonlySet<string> {
    return this.subs ?? NO_CHANNELS;
  }

  /** ConnectionBudget's view: what ws still holds for the socket. */
  get outboundBytes(): number {
    return this.ws.bufferedAmount;
  }

  get subscriptionCount(): number {
    return this.subs?.size ?? 0;
  }

  /** Inbound operations, applied in arrival order. */
  get ops(): OpQueue {
    if (!this.queue) {
      this.queue = new OpQueue((err) => this.log.error({ err: String(err) }, "frame failed"));
      if (this.goneDone) this.queue.close();
    }
    return this.queue;
  }

  private get log(): Logger {
    this.childLog ??= this.ctx.log.child({ conn: this.id });
    return this.childLog;
  }

  /** Whether a drain may ask this client to move (`move` frame) instead of closing it. */
  get canMove(): boolean {
    return this.options.move === true;
  }

  /** Asks a client that understands `move` to open a new connection, then close this one. */
  askToMove(retryAfterMs: number): void {
    this.sendJson({ op: "move", retryAfterMs: Math.max(0, Math.floor(retryAfterMs)) });
  }

  /** Closing: its grace timer, not the heartbeat, decides when the socket is cut. */
  get isClosing(): boolean {
    return this.closing;
  }

  /** The client's address, as the node's per-address limit counts it ("" when not given). */
  get ip(): string {
    return this.options.ip ?? "";
  }

  get user(): string | undefined {
    return this.claims?.sub;
  }

  deliver(frame: OutFrame): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    const out = this.batched();
    // This turn's corked frames are not the peer's doing: only what it left unread counts.
    if (this.ws.bufferedAmount - (out?.corkedBytes ?? 0) > this.ctx.slowConsumerBytes) {
      this.ctx.metrics.slowConsumerCloses.inc();
      this.log.info({ buffered: this.ws.bufferedAmount }, "slow consumer closed");
      this.close(
        CLOSE.tryAgainLater.code,
        "slow consumer: read faster, then resume",
        "slow_consumer",
        SLOW_CLOSE_GRACE_MS,
      );
      return;
    }
    if (this.budget.over()) {
      this.overBudget();
      return;
    }
    // The same framed bytes for every subscriber; ws frames it itself where it cannot.
    const wire = this.sender ? frame.wire : undefined;
    out?.willWrite(wire?.length ?? frame.json.length);
    if (this.sender && wire) this.sender.sendFrame([wire]);
    else this.ws.send(frame.json, { binary: false });
    out?.wrote();
  }

  /** The socket's side of the node's write batch, when the node batches. */
  private batched(): BatchedSocket | undefined {
    if (this.out) return this.out;
    const { socket } = this.options;
    const batch = this.ctx.writeBatch;
    if (!socket || !batch) return undefined;
    this.out = new BatchedSocket(socket, batch, batchFlushBytes(this.ctx.slowConsumerBytes));
    return this.out;
  }

  /**
   * Past MAX_CONNECTION_BYTES: stop reading the client's frames at once (backpressure: its own
   * TCP window fills up, not our heap), then close with 1013. The close waits behind the bytes
   * already queued, as for a slow consumer; nothing more is queued.
   */
  private overBudget(): void {
    if (this.closing) return;
    this.ctx.metrics.connectionBytesCloses.inc();
    this.log.info({ held: this.budget.held }, "connection over its memory bound closed");
    this.ws.pause();
    this.close(
      CLOSE.tryAgainLater.code,
      "connection over MAX_CONNECTION_BYTES: read your socket, then reconnect",
      "memory_bound",
      MEMORY_CLOSE_GRACE_MS,
    );
  }

  abandon(reason: string): void {
    this.close(CLOSE.tryAgainLater.code, reason, "abandoned");
  }

  /** Closes with a code and reason; the socket is destroyed if the peer does not answer in time. */
  close(code: number, reason: string, why: string, graceMs = CLOSE_GRACE_MS): void {
    // A connection already gone (e.g. the peer left while a drain was spreading closes) must
    // not start a grace timer: nothing would clear it.
    if (this.closing || this.goneDone) return;
    this.closing = true;
    this.closeWhy = why;
    this.leaveAll();
    try {
      this.ws.close(code, reason.slice(0, 120));
    } catch {
      this.ws.terminate();
    }
    this.startCloseGrace(graceMs);
    this.log.debug({ code, why }, "closing");
  }

  /** The socket is destroyed if its close has not completed within `graceMs`. */
  private startCloseGrace(graceMs: number): void {
    this.stopCloseGrace();
    this.clearCloseGrace = this.ctx.timers.set(() => {
      this.clearCloseGrace = undefined;
      this.ws.terminate();
    }, graceMs);
  }

  private stopCloseGrace(): void {
    this.clearCloseGrace?.();
    this.clearCloseGrace = undefined;
  }

  /** A peer silent for two heartbeat intervals is dead: free it at once. */
  terminate(why: string): void {
    this.ws.terminate();
    this.gone(why);
  }

  ping(): void {
    this.missedBeats++;
    try {
      this.ws.ping();
      // Browsers never show a ws ping to the page: a client that asked gets a frame it can see.
      if (this.options.pingMs !== undefined) this.sendJson({ op: "ping" });
    } catch {
      this.terminate("error");
    }
  }

  private gone(reason: string): void {
    if (this.goneDone) return;
    this.goneDone = true;
    this.queue?.close();
    this.leaveAll();
    this.clearExpiry?.();
    this.clearExpiry = undefined;
    this.stopCloseGrace();
    this.onGone(this, reason);
  }

  private leaveAll(): void {
    this.grants?.clear();
    const subs = this.subs;
    if (!subs) return;
    this.ctx.fanout.removeAll(this, subs);
    for (const ch of subs) this.ctx.presence.leave(this.member, ch);
    this.subs = undefined;
  }

  /** Forgets `ch` as subscribed; false when it was not. */
  private forgetChannel(ch: string): boolean {
    if (!this.subs?.delete(ch)) return false;
    if (this.subs.size === 0) this.subs = undefined;
    return true;
  }

  /** Ends the subscription to `ch` at the server's request (the API's unsubscribe); false when none. */
  dropChannel(ch: string, message: string, code: ErrorCode = "forbidden"): boolean {
    if (this.closing || !this.forgetChannel(ch)) return false;
    this.grants?.revoke(ch);
    this.ctx.fanout.unsubscribe(this, ch);
    this.sendError(code, message, undefined, ch);
    return true;
  }

  /**
   * This connection as a presence member ("" for the user when authentication is off): one
   * object shared by all its presence channels (a refresh cannot change the user).
   */
  private get member(): PresenceMember {
    this.asMember ??= { client: this.id, user: this.claims?.sub ?? "", node: this.ctx.nodeId };
    return this.asMember;
  }

  private armExpiry(): void {
    this.clearExpiry?.();
    this.clearExpiry = undefined;
    // A refresh answered after the peer left must not arm a timer: it would keep this
    // connection reachable until the token's exp.
    if (!this.claims || this.goneDone) return;
    const ms = this.claims.exp * 1000 - Date.now();
    this.clearExpiry = this.ctx.timers.set(() => {
      this.clearExpiry = undefined;
      if (this.claims && this.claims.exp * 1000 > Date.now()) {
        this.armExpiry(); // a very long token: the timer was clamped
        return;
      }
      this.close(CLOSE.policy.code, "token expired: reconnect with a new token", "token_expired");
    }, ms);
  }

  private sendJson(frame: object): void {
    if (this.closing || this.ws.readyState !== this.ws.OPEN) return;
    if (this.budget.over()) {
      this.overBudget();
      return;
    }
    const json = JSON.stringify(frame);
    // Replies join the turn's write batch: a burst of acks, or a flood's refusals, leaves the
    // socket in one write with whatever else the turn fanned out to it.
    const out = this.batched();
    out?.willWrite(json.length);
    this.ws.send(json);
    out?.wrote();
  }

  private sendError(code: ErrorCode, message: string, id?: string, ch?: string): void {
    this.ctx.metrics.errors.inc({ code });
    const frame: ErrorFrame = { op: "error", code, message, retryable: isRetryable(code) };
    if (id !== undefined) frame.id = id;
    if (ch !== undefined) frame.ch = ch;
    this.sendJson(frame);
  }

  /** A frame from the client (shared listener). */
  onFrame(data: RawData, isBinary: boolean): void {
    this.missedBeats = 0;
    if (this.closing) return;
    if (isBinary) {
      this.sendError("bad_request", "binary frames are not accepted: send JSON as text frames");
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString()
      : Buffer.from(data as ArrayBuffer).toString();
    // Held until its answer is queued: a frame waiting on the bus counts against the bound.
    const bytes = text.length;
    this.budget.receiving(bytes);
    if (this.budget.over()) {
      this.budget.handled(bytes);
      this.overBudget();
      return;
    }
    const parsed = parseClientFrame(text);
    if (parsed.ok && parsed.frame.op === "pong") {
      this.budget.handled(bytes); // liveness only, counted above
      return;
    }
    // Rate limits are taken on arrival, so a flood is refused before it queues work.
    const limited = parsed.ok ? this.rateLimit(parsed.frame) : undefined;
    if (parsed.ok && parsed.frame.op === "pub") {
      this.queuePublish(parsed.frame, bytes, limited);
      return;
    }
    // Every frame, a refused one included, takes effect (and is answered) in arrival order.
    this.ops.push(bytes, async () => {
      try {
        if (this.closing) return;
        if (!parsed.ok) return this.sendError(parsed.code, parsed.message, parsed.id, parsed.ch);
        const f = parsed.frame;
        if (f.op === "pong") return;
        const ch = f.op === "refresh" ? undefined : f.ch;
        try {
          if (limited) throw limited;
          if (f.op === "sub") await this.subscribe(f);
          else if (f.op === "unsub") this.unsubscribe(f);
          else if (f.op === "presence") await this.presence(f);
          else if (f.op === "refresh") await this.refresh(f);
        } catch (err) {
          this.frameFailed(err, f.id, ch);
        }
      } finally {
        this.budget.handled(bytes);
      }
    });
  }

  /** Answers a frame whose op threw: the client's errors by their code, the rest `unavailable`. */
  private frameFailed(err: unknown, id: string | undefined, ch: string | undefined): void {
    if (err instanceof HubError) this.sendError(err.code, err.message, id, ch);
    else {
      this.log.error({ err: String(err) }, "frame failed");
      this.sendError("unavailable", "the hub could not handle this frame: retry later", id, ch);
    }
  }

  /**
   * A `pub` overlaps the publishes right before it while the bus is up: each is sent when it
   * reaches the head of the queue (in arrival order, so one channel stores them in that order),
   * and answered in arrival order once every frame before it was. While the bus is down a publish
   * runs alone, so one held back until the bus returns cannot be overtaken by a later one.
   */
  private queuePublish(f: PubFrame, bytes: number, limited: HubError | undefined): void {
    this.ops.pushOverlapping(
      bytes,
      () => {
        if (this.closing) return undefined;
        if (limited) throw limited;
        return this.publish(f);
      },
      (r) => {
        try {
          if (this.closing) return;
          if (!r.ok) this.frameFailed(r.error, f.id, f.ch);
          else if (r.value !== undefined && f.id !== undefined)
            this.sendJson({ op: "ok", id: f.id, ch: f.ch, seq: r.value.seq });
        } finally {
          this.budget.handled(bytes);
        }
      },
      () => this.ctx.broker.status().up,
    );
  }

  /** The `rate_limited` error when this frame's op is over its per-connection rate, else undefined. */
  private rateLimit(f: ClientFrame): HubError | undefined {
    // Each bucket is made on its op's first frame: it starts full, as one made at connect
    // would still be (a bucket holds one second's worth).
    let bucket: TokenBucket;
    let rate: number;
    if (f.op === "pong") return undefined;
    if (f.op === "pub") {
      rate = this.ctx.maxPublishRate;
      bucket = this.pubBucket ??= new TokenBucket(rate);
    } else if (f.op === "refresh") {
      rate = this.ctx.maxRefreshRate;
      bucket = this.refreshBucket ??= new TokenBucket(rate);
    } else if (f.op === "presence") {
      rate = this.ctx.maxPresenceRate;
      bucket = this.presenceBucket ??= new TokenBucket(rate);
    } else {
      rate = this.ctx.maxSubscribeRate;
      bucket = this.subBucket ??= new TokenBucket(rate);
    }
    if (bucket.take()) return undefined;
    this.ctx.metrics.rateLimited.inc();
    return new HubError(
      "rate_limited",
      `at most ${rate} ${f.op} frames per second per connection: slow down and retry`,
    );
  }

  private async subscribe(f: SubFrame): Promise<void> {
    // A channel token opens its one channel; without one the connection token must allow it.
    const grant =
      f.token !== undefined && this.ctx.auth.enabled
        ? await verifyChannelToken(this.ctx.auth, f.token, f.ch, this.claims?.sub)
        : undefined;
    if (!grant) this.assertMayUse(f.ch);
    if (this.subs?.has(f.ch)) {
      throw new HubError(
        "bad_request",
        `already subscribed to "${f.ch}": unsub first to subscribe again`,
      );
    }
    if (this.subscriptionCount >= this.ctx.maxSubscriptions) {
      throw new HubError(
        "too_many_subscriptions",
        `at most ${this.ctx.maxSubscriptions} subscriptions per connection: unsub from a channel before subscribing to "${f.ch}"`,
      );
    }
    this.subs ??= new Set();
    this.subs.add(f.ch);
    if (grant)
      this.grantsMade().add(grant, (ch) =>
        this.dropChannel(
          ch,
          `the channel token for "${ch}" expired: subscribe again with a new one`,
          "channel_token_expired",
        ),
      );
    if (f.id !== undefined) {
      this.subIds ??= new Map();
      this.subIds.set(f.ch, f.id);
    }
    const o = this.ctx.channels.of(f.ch);
    // Without recovery (or history) the epoch cannot match: the answer is recovered:false.
    const epoch = o.recover && o.history !== false ? f.epoch : undefined;
    try {
      // Joined before `subscribed`, so a full presence channel refuses the sub itself.
      await this.ctx.presence.join(this.member, f.ch);
      await this.ctx.fanout.subscribe(this, f.ch, f.since, epoch);
    } catch (err) {
      // Still ours: gone() or a refresh has not already left it.
      if (this.forgetChannel(f.ch)) this.ctx.presence.leave(this.member, f.ch);
      this.grants?.revoke(f.ch);
      this.ctx.fanout.unsubscribe(this, f.ch);
      // The client's own errors (e.g. too_many_channels) keep their code; only the bus's are
      // reported as the bus being unreachable.
      if (err instanceof HubError && !(err instanceof UnavailableError)) throw err;
      throw new HubError(
        "unavailable",
        `cannot subscribe to "${f.ch}" while the bus is unreachable: retry later`,
        { cause: err },
      );
    } finally {
      if (this.subIds?.delete(f.ch) && this.subIds.size === 0) this.subIds = undefined;
    }
  }

  subscribed(ch: string, result: SubscribeResult): boolean {
    if (this.closing || !this.subs?.has(ch)) return false;
    const frame: Record<string, unknown> = {
      op: "subscribed",
      ch,
      seq: result.seq,
      epoch: result.epoch,
    };
    if (result.recovered !== undefined) frame.recovered = result.recovered;
    const id = this.subIds?.get(ch);
    if (id !== undefined) frame.id = id;
    this.sendJson(frame);
    for (const m of result.replay) this.deliver(new OutFrame(Buffer.from(messageFrame(ch, m))));
    return true;
  }

  private unsubscribe(f: UnsubFrame): void {
    if (!this.forgetChannel(f.ch)) {
      throw new HubError("not_subscribed", `not subscribed to "${f.ch}"`);
    }
    this.grants?.revoke(f.ch);
    this.ctx.fanout.unsubscribe(this, f.ch);
    this.ctx.presence.leave(this.member, f.ch);
    if (f.id !== undefined) this.sendJson({ op: "unsubscribed", ch: f.ch, id: f.id });
  }

  private async presence(f: PresenceFrame): Promise<void> {
    this.assertMayUse(f.ch);
    this.sendJson(await this.ctx.presence.query(f));
  }

  /** Sends a client's publish to the bus at once (no await before the broker is called). */
  private publish(f: PubFrame): Promise<BrokerPublishResult> {
    this.assertMayUse(f.ch);
    if (!this.ctx.channels.of(f.ch).clientPublish) {
      throw new HubError(
        "client_publish_disabled",
        `clients may not publish to "${f.ch}": its namespace takes messages from the server API only`,
      );
    }
    return publishJson(this.ctx.broker, this.ctx.metrics, {
      ch: f.ch,
      data: f.data,
      id: f.id,
      publisher: connectionPublisher(this.claims?.sub, this.id),
    });
  }

  private grantsMade(): ChannelGrants {
    this.grants ??= new ChannelGrants((fn, ms) => this.ctx.timers.set(fn, ms));
    return this.grants;
  }

  private assertMayUse(ch: string): void {
    if (!mayUse(this.claims, ch)) {
      throw new HubError(
        "forbidden",
        `your token does not allow channel "${ch}": ask for a token whose channels claim matches it`,
      );
    }
  }

  private async refresh(f: RefreshFrame): Promise<void> {
    if (!this.ctx.auth.enabled) {
      if (f.id !== undefined) this.sendJson({ op: "refreshed", id: f.id });
      return;
    }
    const r = await this.ctx.auth.verify(f.token);
    if (!r.ok) {
      this.ctx.metrics.authFailures.inc({ reason: `refresh_${r.reason}` });
      throw new HubError("unauthorized", `refresh refused: ${r.message}`);
    }
    if (r.claims.sub !== this.claims?.sub) {
      this.ctx.metrics.authFailures.inc({ reason: "refresh_other_user" });
      throw new HubError(
        "unauthorized",
        "refresh refused: the new token is for another user; reconnect instead",
      );
    }
    if (this.goneDone || this.closing) return;
    this.claims = r.claims;
    this.budget.token(r.claims.channels);
    this.armExpiry();
    if (f.id !== undefined) this.sendJson({ op: "refreshed", id: f.id, exp: r.claims.exp });
    // Channels the new token no longer allows are left at once.
    for (const ch of [...this.channels]) {
      if (!mayUse(this.claims, ch) && !this.grants?.has(ch)) {
        this.forgetChannel(ch);
        this.ctx.fanout.unsubscribe(this, ch);
        this.ctx.presence.leave(this.member, ch);
        const msg = `your new token does not allow channel "${ch}": unsubscribed`;
        this.sendError("forbidden", msg, undefined, ch);
      }
    }
  }
}

// The listeners every socket shares; each finds its connection on the socket.
function onSocketMessage(this: OwnedSocket, data: RawData, isBinary: boolean): void {
  this[OWNER]?.onFrame(data, isBinary);
}

function onSocketPong(this: OwnedSocket): void {
  this[OWNER]?.socketPong();
}

function onSocketClose(this: OwnedSocket, code: number): void {
  this[OWNER]?.socketClosed(code);
}

function onSocketError(this: OwnedSocket, err: Error): void {
  this[OWNER]?.socketFailed(err);
}
