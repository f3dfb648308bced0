// What both Redis brokers (one Redis or Sentinel, and Redis Cluster) share: their options, the
// bus status and the hold while it is down, the errors they answer with, the publish and history
// scripts' arguments and replies, and delivery to listeners. A broker adds its connections.

import { randomBytes } from "node:crypto";
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
import { errorText } from "./connections.js";
import { historyResult } from "./history-reply.js";
import { type HistoryReply, keys, type PublishReply, parseBusPayload } from "./lua.js";

export type RedisBrokerLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
};

/** The options of every Redis topology. */
export type RedisBusOptions = {
  /** Called on every (re)connect: the secret file may have rotated. */
  password?: () => string | undefined;
  /** REDIS_MIN_REPLICAS: replicas that confirm each publish (WAIT); 0 = no WAIT. */
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

/** How a topology names itself in errors and logs. */
export type BusWording = {
  /** "Redis", "the Redis Cluster": the subject of "… is unavailable". */
  bus: string;
  /** Whose replicas confirm a write: "Redis replicas", "Redis replicas of the channel's shard". */
  replicas: string;
  /** What to check when start() gives up. */
  startHint: string;
  /** The log line's subject: "redis bus", "redis cluster bus". */
  log: string;
};

const silent: RedisBrokerLogger = { info() {}, warn() {}, error() {} };
/** ioredis errors that mean the command was never sent, so it cannot have run. */
const NOT_SENT =
  /enableOfflineQueue|Stream isn't writeable|not connected|isn't ready|Too many Cluster redirections/i;

function newEpoch(): string {
  return randomBytes(6).toString("hex");
}

export abstract class RedisBrokerBase implements Broker {
  readonly kind = "redis";
  protected readonly log: RedisBrokerLogger;
  protected readonly creations: ChannelCreations;
  protected readonly channels = new Set<string>();
  protected readonly busStatus = new BusStatus();
  protected readonly commandTimeoutMs: number;
  private readonly messageListeners: ((m: BusMessage) => void)[] = [];
  protected started = false;
  protected stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(
    protected readonly options: RedisBusOptions,
    private readonly wording: BusWording,
  ) {
    this.log = options.logger ?? silent;
    this.creations = new ChannelCreations(
      options.maxChannels ?? 100_000,
      options.historyTtlSeconds * 1000,
    );
    // A publish's reply waits for WAIT: the command timeout leaves it room.
    this.commandTimeoutMs = Math.max(
      options.commandTimeoutMs ?? 2000,
      (options.waitTimeoutMs ?? 1000) + 500,
    );
  }

  /** Opens the connections and starts the probes; the status reports when the bus is up. */
  protected abstract connect(): void;
  /** Whether commands can be sent now. */
  protected abstract commandsReady(): boolean;
  /** Ends the connections and timers. */
  protected abstract close(): Promise<void>;

  /** Runs the history script with `args` (historyArgs) on the channel's Redis. */
  protected abstract historyScript(args: string[]): Promise<HistoryReply>;

  abstract publish(input: PublishInput): Promise<BrokerPublishResult>;
  abstract subscribe(ch: string): Promise<void>;
  abstract unsubscribe(ch: string): Promise<void>;

  async start(): Promise<void> {
    if (this.stopped) throw new UnavailableError("the broker is stopped: create a new one");
    if (this.started) return;
    this.started = true;
    this.setStatus({ up: false, reason: `connecting to ${this.wording.bus}` });
    this.connect();
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    if (!(await this.busStatus.waitUp(timeoutMs))) {
      const reason = this.busStatus.get().reason ?? "down";
      await this.stop();
      this.busStatus.set({ up: false, reason });
      throw new UnavailableError(
        `${this.wording.bus} is not usable within ${timeoutMs} ms (${reason}): ${this.wording.startHint}, then restart`,
      );
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.busStatus.set({ up: false, reason: "stopped" });
    this.stopped = true;
    this.busStatus.endWaits();
    this.channels.clear();
    await this.close();
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

  protected setStatus(next: BrokerStatus): void {
    if (this.stopped) return;
    if (!this.busStatus.set(next)) return;
    if (next.up) this.log.info({}, `${this.wording.log} up`);
    else this.log.warn({ reason: next.reason }, `${this.wording.log} down`);
  }

  /** A bus payload on `ch`: to the listeners when this node holds the channel. */
  protected deliver(ch: string, payload: string): void {
    if (!this.channels.has(ch)) return;
    const message = parseBusPayload(ch, payload);
    if (!message) {
      this.log.error({ ch, bytes: payload.length }, "malformed bus message skipped");
      return;
    }
    for (const l of this.messageListeners) l(message);
  }

  protected unavailable(what: string, error?: unknown): UnavailableError {
    const why = error === undefined ? (this.busStatus.get().reason ?? "down") : errorText(error);
    return new UnavailableError(
      `${what} failed: ${this.wording.bus} is unavailable (${why}); retry later`,
      error === undefined ? undefined : { cause: error },
    );
  }

  protected assertRunning(what: string): void {
    if (this.stopped)
      throw new UnavailableError(
        `${what} failed: the broker is stopped (the node is shutting down); retry on another node`,
      );
    if (!this.started) throw new UnavailableError(`${what} failed: the broker is not started`);
  }

  /** Running, and `ready()` holds now or once a bus that is down is back within the hold. */
  protected async assertUsable(
    what: string,
    ready: () => boolean = () => this.commandsReady(),
  ): Promise<void> {
    this.assertRunning(what);
    const ok = await this.busStatus.readyWithin(this.options.downHoldMs ?? DOWN_HOLD_MS, ready);
    this.assertRunning(what);
    if (!ok) throw this.unavailable(what);
  }

  /**
   * A failed publish command: refused before it ran (not sent, or a Redis error reply: the
   * script runs whole or not at all) is `unavailable`; sent and unanswered (a timeout, the
   * connection lost in flight) may have been stored, so the caller must retry with its id.
   */
  protected publishFailed(error: unknown): UnavailableError | PublishOutcomeUnknownError {
    if (error instanceof PublishOutcomeUnknownError) return error;
    const text = errorText(error);
    if ((error as { name?: string }).name === "ReplyError" || NOT_SENT.test(text))
      return this.unavailable("publish", error);
    return new PublishOutcomeUnknownError(
      `publish sent to Redis but not confirmed (${text}): it may be stored; retry with the same id`,
      { cause: error },
    );
  }

  /** WAIT itself failed: the script ran on the primary, its replicas are unknown. */
  protected waitFailed(error: unknown): PublishOutcomeUnknownError {
    return new PublishOutcomeUnknownError(
      `publish stored on the primary but its ${this.wording.replicas} did not answer (${errorText(error)}); retry with the same id`,
      { cause: error },
    );
  }

  /** The publish script's keys and arguments; `bus` is the (shard) channel it publishes on. */
  protected publishArgs(input: PublishInput, bus: string): string[] {
    const o = this.options;
    const hasId = input.id !== undefined;
    const id = input.id ?? "";
    const h = o.historyOf?.(input.ch);
    return [
      keys.meta(input.ch),
      keys.hist(input.ch),
      keys.dedupe(input.ch, hasId ? input.publisher : "", id),
      newEpoch(),
      input.data,
      String(Date.now()),
      hasId ? JSON.stringify(id) : "null",
      id,
      hasId ? "1" : "0",
      String(h?.size ?? o.historySize),
      String((h?.ttlSeconds ?? o.historyTtlSeconds) * 1000),
      String(o.dedupeSeconds * 1000),
      bus,
      this.creations.allows() ? "1" : "0",
    ];
  }

  /** The publish script's reply, with the replicas that confirmed it when WAIT ran. */
  protected publishResult(reply: PublishReply, acks?: number): BrokerPublishResult {
    const [seq, epoch, dup, created] = reply;
    if (Number(seq) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    const o = this.options;
    if (acks !== undefined && acks < o.minReplicas)
      throw new PublishOutcomeUnknownError(
        `publish not confirmed: ${acks} of ${o.minReplicas} ${this.wording.replicas} confirmed the write within ${o.waitTimeoutMs ?? 1000} ms; retry with the same id (the message may already be stored)`,
      );
    return { seq: Number(seq), epoch, duplicate: Number(dup) === 1 };
  }

  async history(ch: string, since?: number): Promise<HistoryResult> {
    await this.assertUsable("history");
    const o = this.options;
    let reply: HistoryReply;
    try {
      reply = await this.historyScript([
        keys.meta(ch),
        keys.hist(ch),
        newEpoch(),
        String((o.historyOf?.(ch)?.ttlSeconds ?? o.historyTtlSeconds) * 1000),
        since === undefined ? "" : String(since),
        this.creations.allows() ? "1" : "0",
      ]);
    } catch (error) {
      throw this.unavailable("history", error);
    }
    const [seq, , , created] = reply;
    if (Number(seq) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    return historyResult(reply, since);
  }

  private channelLimit(): ChannelLimitError {
    return new ChannelLimitError(
      `this node created its maximum of ${this.options.maxChannels ?? 100_000} new channels within HISTORY_TTL_SECONDS (MAX_CHANNELS): retry later or use fewer channel names`,
    );
  }
}
