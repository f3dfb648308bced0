// The Redis broker: every channel's seq, epoch, history and dedupe live in Redis (one Lua script
// per publish, so a message is stored, numbered and published atomically) and nodes exchange
// messages over Redis pub/sub. A probe through pub/sub tells a live bus from a silent one.

import { randomBytes } from "node:crypto";
import type { Redis, RedisOptions } from "ioredis";
import { ChannelLimitError, PublishOutcomeUnknownError, UnavailableError } from "../../errors.js";
import type {
  Broker,
  BrokerPublishResult,
  BrokerStatus,
  BusMessage,
  HistoryResult,
  PublishInput,
} from "../broker.js";
import { BusStatus, DOWN_HOLD_MS } from "./bus-status.js";
import { ChannelCreations } from "./channel-creations.js";
import { createRedisClient, errorText, quit } from "./connections.js";
import { BusProbe, type ProbeRole, usable } from "./delivery-probe.js";
import { historyResult } from "./history-reply.js";
import {
  BUS_PREFIX,
  HISTORY_SCRIPT,
  type HistoryReply,
  keys,
  PUBLISH_SCRIPT,
  type PublishReply,
  parseBusPayload,
} from "./lua.js";

export type RedisBrokerLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

export type RedisBrokerOptions = {
  /** redis://[:password@]host:port[/db] */
  url?: string;
  /** With sentinelName: Sentinel mode. */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  /** Called on every (re)connect: the secret file may have rotated. */
  password?: () => string | undefined;
  /** REDIS_MIN_REPLICAS; 0 = no WAIT. */
  minReplicas: number;
  waitTimeoutMs?: number;
  historySize: number;
  historyTtlSeconds: number;
  dedupeSeconds: number;
  /** New channels this node may create per history TTL (MAX_CHANNELS); default 100 000. */
  maxChannels?: number;
  /** Per-channel history (NAMESPACES) instead of historySize/historyTtlSeconds; size 0 keeps none. */
  historyOf?: (ch: string) => { size: number; ttlSeconds: number };
  nodeId: string;
  commandTimeoutMs?: number;
  probeIntervalMs?: number;
  /** How long start() waits for a working bus before it gives up. Default 10 s. */
  startTimeoutMs?: number;
  /** How long a request waits for a bus that is down to come back before it is refused. */
  downHoldMs?: number;
  logger?: RedisBrokerLogger;
};

type ScriptClient = Redis & {
  wshubPublish(...args: string[]): Promise<PublishReply>;
  wshubHistory(...args: string[]): Promise<HistoryReply>;
};

const silent: RedisBrokerLogger = { info() {}, warn() {}, error() {} };
const RETRY_LATER = "retry later";

function newEpoch(): string {
  return randomBytes(6).toString("hex");
}

export class RedisBroker implements Broker {
  readonly kind = "redis";
  private readonly cmd: ScriptClient;
  private readonly sub: Redis;
  private readonly log: RedisBrokerLogger;
  private readonly health: BusProbe;
  private readonly creations: ChannelCreations;
  private readonly channels = new Set<string>();
  private readonly messageListeners: ((m: BusMessage) => void)[] = [];
  private readonly busStatus = new BusStatus();
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: RedisBrokerOptions) {
    this.log = options.logger ?? silent;
    this.creations = new ChannelCreations(
      options.maxChannels ?? 100_000,
      options.historyTtlSeconds * 1000,
    );
    const commandTimeout = Math.max(
      options.commandTimeoutMs ?? 2000,
      (options.waitTimeoutMs ?? 1000) + 500,
    );
    this.cmd = this.createClient("cmd", {
      // A command while disconnected fails at once instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A publish the caller was told failed must not run later behind its back.
      autoResendUnfulfilledCommands: false,
      commandTimeout,
      // After a Sentinel failover the old primary turns replica: leave it, find the new one.
      reconnectOnError: (err) => err.message.startsWith("READONLY"),
    }) as ScriptClient;
    this.cmd.defineCommand("wshubPublish", { numberOfKeys: 3, lua: PUBLISH_SCRIPT });
    this.cmd.defineCommand("wshubHistory", { numberOfKeys: 2, lua: HISTORY_SCRIPT });
    this.sub = this.createClient("sub", {
      enableOfflineQueue: false,
      autoResubscribe: true,
      commandTimeout,
    });
    this.health = new BusProbe(
      { cmd: this.cmd, sub: this.sub },
      keys.probe(options.nodeId),
      options.probeIntervalMs ?? 1000,
      this.log,
      (s) => this.setStatus(s),
    );
    this.sub.on("message", (channel: string, payload: string) =>
      this.onBusPayload(channel, payload),
    );
  }

  private createClient(role: ProbeRole, extra: RedisOptions): Redis {
    const c = createRedisClient(this.options, role, () => this.stopped, extra);
    c.on("error", (err: Error) => {
      if (this.health.connectionError(role, err) && !this.stopped)
        this.log.warn({ role, err: errorText(err) }, "redis connection error");
    });
    c.on("ready", () => this.health.connectionReady(role));
    c.on("close", () => this.health.evaluate());
    c.on("end", () => this.health.evaluate());
    return c;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new UnavailableError("the broker is stopped: create a new one");
    if (this.started) return;
    this.started = true;
    this.setStatus({ up: false, reason: "connecting to Redis" });
    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    this.health.start();
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    const up = await this.busStatus.waitUp(timeoutMs);
    if (!up) {
      const reason = this.busStatus.get().reason ?? "down";
      await this.stop();
      this.busStatus.set({ up: false, reason });
      throw new UnavailableError(
        `Redis is not reachable within ${timeoutMs} ms (${reason}): check REDIS_URL or REDIS_SENTINELS and REDIS_PASSWORD, then restart`,
      );
    }
  }

  private setStatus(next: BrokerStatus): void {
    if (!this.busStatus.set(next)) return;
    if (next.up) this.log.info({}, "redis bus up");
    else this.log.warn({ reason: next.reason }, "redis bus down");
  }

  private onBusPayload(channel: string, payload: string): void {
    if (this.health.received(channel, payload)) return;
    if (!channel.startsWith(BUS_PREFIX)) return;
    const ch = channel.slice(BUS_PREFIX.length);
    if (!this.channels.has(ch)) return;
    const message = parseBusPayload(ch, payload);
    if (!message) {
      this.log.error({ ch, bytes: payload.length }, "malformed bus message skipped");
      return;
    }
    for (const l of this.messageListeners) l(message);
  }

  private unavailable(what: string, error?: unknown): UnavailableError {
    const why = error === undefined ? (this.busStatus.get().reason ?? "down") : errorText(error);
    return new UnavailableError(
      `${what} failed: Redis is unavailable (${why}); ${RETRY_LATER}`,
      error === undefined ? undefined : { cause: error },
    );
  }

  private assertRunning(what: string): void {
    if (this.stopped)
      throw new UnavailableError(
        `${what} failed: the broker is stopped (the node is shutting down); retry on another node`,
      );
    if (!this.started) throw new UnavailableError(`${what} failed: the broker is not started`);
  }

  /** Running, and `client` usable now or once a bus that is down is back within the hold. */
  private async assertUsable(what: string, client: Redis = this.cmd): Promise<void> {
    this.assertRunning(what);
    const ready = await this.busStatus.readyWithin(this.options.downHoldMs ?? DOWN_HOLD_MS, () =>
      usable(client),
    );
    this.assertRunning(what);
    if (!ready) throw this.unavailable(what);
  }

  private channelLimit(): ChannelLimitError {
    return new ChannelLimitError(
      `this node created its maximum of ${this.options.maxChannels ?? 100_000} new channels within HISTORY_TTL_SECONDS (MAX_CHANNELS): retry later or use fewer channel names`,
    );
  }

  /**
   * A failed publish command: refused before it ran (not sent, or a Redis error reply: the
   * script runs whole or not at all) is `unavailable`; sent and unanswered (a timeout, the
   * connection lost in flight) may have been stored, so the caller must retry with its id.
   */
  private publishFailed(error: unknown): UnavailableError | PublishOutcomeUnknownError {
    const text = errorText(error);
    const notRun =
      (error as { name?: string }).name === "ReplyError" ||
      /enableOfflineQueue|Stream isn't writeable|not connected/i.test(text);
    if (notRun) return this.unavailable("publish", error);
    return new PublishOutcomeUnknownError(
      `publish sent to Redis but not confirmed (${text}): it may be stored; retry with the same id`,
      { cause: error },
    );
  }

  async publish(input: PublishInput): Promise<BrokerPublishResult> {
    await this.assertUsable("publish");
    const o = this.options;
    const hasId = input.id !== undefined;
    const id = input.id ?? "";
    const mayCreate = this.creations.allows();
    const h = o.historyOf?.(input.ch);
    let reply: PublishReply;
    try {
      reply = await this.cmd.wshubPublish(
        keys.meta(input.ch),
        keys.hist(input.ch),
        keys.dedupe(input.ch, input.id === undefined ? "" : input.publisher, id),
        newEpoch(),
        input.data,
        String(Date.now()),
        hasId ? JSON.stringify(id) : "null",
        id,
        hasId ? "1" : "0",
        String(h?.size ?? o.historySize),
        String((h?.ttlSeconds ?? o.historyTtlSeconds) * 1000),
        String(o.dedupeSeconds * 1000),
        keys.bus(input.ch),
        mayCreate ? "1" : "0",
      );
    } catch (error) {
      throw this.publishFailed(error);
    }
    const [seq, epoch, dup, created] = reply;
    if (Number(seq) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    if (o.minReplicas > 0) {
      const waitMs = o.waitTimeoutMs ?? 1000;
      let acks: number;
      try {
        acks = await this.cmd.wait(o.minReplicas, waitMs);
      } catch (error) {
        throw new PublishOutcomeUnknownError(
          `publish stored on the Redis primary but its replicas did not answer (${errorText(error)}); retry with the same id`,
          { cause: error },
        );
      }
      if (acks < o.minReplicas)
        throw new PublishOutcomeUnknownError(
          `publish not confirmed: ${acks} of ${o.minReplicas} Redis replicas confirmed the write within ${waitMs} ms; retry with the same id (the message may already be stored)`,
        );
    }
    return { seq: Number(seq), epoch, duplicate: Number(dup) === 1 };
  }

  async history(ch: string, since?: number): Promise<HistoryResult> {
    await this.assertUsable("history");
    let reply: HistoryReply;
    try {
      reply = await this.cmd.wshubHistory(
        keys.meta(ch),
        keys.hist(ch),
        newEpoch(),
        String((this.options.historyOf?.(ch)?.ttlSeconds ?? this.options.historyTtlSeconds) * 1000),
        since === undefined ? "" : String(since),
        this.creations.allows() ? "1" : "0",
      );
    } catch (error) {
      throw this.unavailable("history", error);
    }
    const [seqRaw, , , created] = reply;
    if (Number(seqRaw) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    return historyResult(reply, since);
  }

  async subscribe(ch: string): Promise<void> {
    if (this.stopped) throw this.unavailable("subscribe");
    if (this.channels.has(ch)) return;
    await this.assertUsable("subscribe", this.sub);
    if (this.channels.has(ch)) return;
    try {
      await this.sub.subscribe(keys.bus(ch));
    } catch (error) {
      throw this.unavailable("subscribe", error);
    }
    this.channels.add(ch);
  }

  async unsubscribe(ch: string): Promise<void> {
    if (!this.channels.delete(ch) || this.stopped) return;
    // While disconnected ioredis would resubscribe it later; onBusPayload drops those messages.
    await this.sub.unsubscribe(keys.bus(ch)).catch(() => {});
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onStatus(listener: (status: BrokerStatus) => void): void {
    this.busStatus.on(listener);
  }

  status(): BrokerStatus {
    return this.busStatus.get();
  }

  /** Requests waiting for the bus to come back, for tests that prove none is left behind. */
  waitingRequests(): number {
    return this.busStatus.waiting;
  }

  /** ioredis connection states, for tests that prove nothing is left open. */
  connectionStates(): { cmd: string; sub: string; probeTimer: boolean } {
    return {
      cmd: this.cmd.status,
      sub: this.sub.status,
      probeTimer: this.health.running,
    };
  }

  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  private async close(): Promise<void> {
    this.stopped = true;
    this.health.stop();
    this.channels.clear();
    this.busStatus.set({ up: false, reason: "stopped" });
    this.busStatus.endWaits();
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }
}
