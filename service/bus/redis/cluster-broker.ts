// The Redis Cluster broker: the same keys, scripts and guarantees as RedisBroker, spread over
// the cluster's shards. A channel's keys and its shard channel share one hash tag, so each
// publish is one script on one slot; nodes exchange messages over sharded pub/sub (SPUBLISH /
// SSUBSCRIBE), so a shard carries only its own channels and a node hears only the channels it
// holds. REDIS_MIN_REPLICAS sends WAIT right behind the script, on the same shard connection.

import { randomBytes } from "node:crypto";
import { Cluster } from "ioredis";
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
import { CONNECT_TIMEOUT_MS, errorText, reconnectDelay } from "./connections.js";
import { historyResult } from "./history-reply.js";
import {
  channelOfShardBus,
  HISTORY_SCRIPT,
  type HistoryReply,
  keys,
  type PublishReply,
  parseBusPayload,
  publishScript,
} from "./lua.js";
import type { RedisBrokerLogger } from "./redis-broker.js";
import { ShardBus } from "./shard-bus.js";

export type RedisClusterBrokerOptions = {
  /** REDIS_CLUSTER_NODES: any reachable nodes; the rest is discovered. */
  nodes: { host: string; port: number }[];
  password?: () => string | undefined;
  /** REDIS_MIN_REPLICAS: replicas of the channel's shard that confirm each publish (WAIT). */
  minReplicas: number;
  waitTimeoutMs?: number;
  historySize: number;
  historyTtlSeconds: number;
  dedupeSeconds: number;
  maxChannels?: number;
  nodeId: string;
  commandTimeoutMs?: number;
  probeIntervalMs?: number;
  startTimeoutMs?: number;
  /** How long a request waits for a bus that is down to come back before it is refused. */
  downHoldMs?: number;
  logger?: RedisBrokerLogger;
};

type ScriptCluster = Cluster & {
  wshubPublish(...args: string[]): Promise<PublishReply>;
  wshubHistory(...args: string[]): Promise<HistoryReply>;
};

const silent: RedisBrokerLogger = { info() {}, warn() {}, error() {} };
const RETRY_LATER = "retry later";
/** Replies that mean the script was refused before it ran: the slot is moving or failing over. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;
/** ioredis gave up following redirections: every attempt was refused, none ran. */
const TOO_MANY_REDIRECTIONS = /Too many Cluster redirections/;
const scriptsLoaded = new WeakSet<object>();

function newEpoch(): string {
  return randomBytes(6).toString("hex");
}

export class RedisClusterBroker implements Broker {
  readonly kind = "redis";
  private readonly cmd: ScriptCluster;
  private readonly bus: ShardBus;
  private readonly log: RedisBrokerLogger;
  private readonly creations: ChannelCreations;
  private readonly channels = new Set<string>();
  private readonly commandTimeoutMs: number;
  private readonly messageListeners: ((m: BusMessage) => void)[] = [];
  private readonly gapListeners: ((ch: string) => void)[] = [];
  private readonly busStatus = new BusStatus();
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: RedisClusterBrokerOptions) {
    if (options.nodes.length === 0)
      throw new UnavailableError(
        "the cluster broker needs at least one node: set REDIS_CLUSTER_NODES",
      );
    this.log = options.logger ?? silent;
    this.creations = new ChannelCreations(
      options.maxChannels ?? 100_000,
      options.historyTtlSeconds * 1000,
    );
    this.commandTimeoutMs = Math.max(
      options.commandTimeoutMs ?? 2000,
      (options.waitTimeoutMs ?? 1000) + 500,
    );
    const password = options.password?.();
    this.cmd = new Cluster(options.nodes, {
      lazyConnect: true,
      // Needed by ioredis' own ready check (CLUSTER INFO while node connections still open);
      // commands are only sent once the cluster is ready (assertUsable).
      enableOfflineQueue: true,
      enableReadyCheck: true,
      // A moved or failed-over slot is found again within a second even with no traffic on it.
      slotsRefreshInterval: 1000,
      slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 50,
      clusterRetryStrategy: (times) => (this.stopped ? null : reconnectDelay(times)),
      redisOptions: {
        connectTimeout: CONNECT_TIMEOUT_MS,
        disconnectTimeout: 200,
        commandTimeout: this.commandTimeoutMs,
        maxRetriesPerRequest: 0,
        // A publish the caller was told failed must not run later behind its back.
        autoResendUnfulfilledCommands: false,
        connectionName: `wshub:${options.nodeId}:cmd`,
        ...(password === undefined ? {} : { password }),
      },
    }) as ScriptCluster;
    this.cmd.defineCommand("wshubPublish", { numberOfKeys: 3, lua: publishScript("SPUBLISH") });
    this.cmd.defineCommand("wshubHistory", { numberOfKeys: 2, lua: HISTORY_SCRIPT });
    this.cmd.on("error", (err: Error) => {
      if (!this.stopped) this.log.warn({ err: errorText(err) }, "redis cluster error");
    });
    this.cmd.on("ready", () => {
      this.loadScripts();
      this.bus.evaluate();
    });
    this.cmd.on("close", () => this.bus.evaluate());
    this.cmd.on("refresh", () => {
      this.loadScripts();
      void this.bus.reconcile();
    });
    this.bus = new ShardBus(this.cmd, {
      nodeId: options.nodeId,
      ...(options.password ? { password: options.password } : {}),
      probeIntervalMs: options.probeIntervalMs ?? 1000,
      commandTimeoutMs: this.commandTimeoutMs,
      log: this.log,
      onMessage: (channel, payload) => this.onBusPayload(channel, payload),
      onGap: (channels) => this.gapsIn(channels),
      report: (s) => this.setStatus(s),
    });
  }

  async start(): Promise<void> {
    if (this.stopped) throw new UnavailableError("the broker is stopped: create a new one");
    if (this.started) return;
    this.started = true;
    this.setStatus({ up: false, reason: "connecting to the Redis Cluster" });
    this.cmd.connect().catch(() => {});
    this.bus.start();
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    if (!(await this.busStatus.waitUp(timeoutMs))) {
      const reason = this.busStatus.get().reason ?? "down";
      await this.stop();
      this.busStatus.set({ up: false, reason });
      throw new UnavailableError(
        `the Redis Cluster is not usable within ${timeoutMs} ms (${reason}): check REDIS_CLUSTER_NODES and REDIS_PASSWORD, then restart`,
      );
    }
  }

  private setStatus(next: BrokerStatus): void {
    if (this.stopped) return;
    if (!this.busStatus.set(next)) return;
    if (next.up) this.log.info({}, "redis cluster bus up");
    else this.log.warn({ reason: next.reason }, "redis cluster bus down");
  }

  private onBusPayload(channel: string, payload: string): void {
    const ch = channelOfShardBus(channel);
    if (ch === undefined || !this.channels.has(ch)) return;
    const message = parseBusPayload(ch, payload);
    if (!message) {
      this.log.error({ ch, bytes: payload.length }, "malformed bus message skipped");
      return;
    }
    for (const l of this.messageListeners) l(message);
  }

  private gapsIn(shardChannels: string[]): void {
    for (const channel of shardChannels) {
      const ch = channelOfShardBus(channel);
      if (ch === undefined || !this.channels.has(ch)) continue;
      for (const l of this.gapListeners) l(ch);
    }
  }

  private unavailable(what: string, error?: unknown): UnavailableError {
    const why = error === undefined ? (this.busStatus.get().reason ?? "down") : errorText(error);
    return new UnavailableError(
      `${what} failed: the Redis Cluster is unavailable (${why}); ${RETRY_LATER}`,
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

  /** Running, and the cluster ready now or once a bus that is down is back within the hold. */
  private async assertUsable(what: string): Promise<void> {
    this.assertRunning(what);
    const ready = await this.busStatus.readyWithin(
      this.options.downHoldMs ?? DOWN_HOLD_MS,
      () => this.cmd.status === "ready",
    );
    this.assertRunning(what);
    if (!ready) throw this.unavailable(what);
  }

  private channelLimit(): ChannelLimitError {
    return new ChannelLimitError(
      `this node created its maximum of ${this.options.maxChannels ?? 100_000} new channels within HISTORY_TTL_SECONDS (MAX_CHANNELS): retry later or use fewer channel names`,
    );
  }

  /** See RedisBroker: refused before it ran is `unavailable`, sent and unanswered is unknown. */
  private publishFailed(error: unknown): UnavailableError | PublishOutcomeUnknownError {
    const text = errorText(error);
    const notRun =
      (error as { name?: string }).name === "ReplyError" ||
      TOO_MANY_REDIRECTIONS.test(text) ||
      /enableOfflineQueue|Stream isn't writeable|not connected|isn't ready/i.test(text);
    if (notRun) return this.unavailable("publish", error);
    return new PublishOutcomeUnknownError(
      `publish sent to Redis but not confirmed (${text}): it may be stored; retry with the same id`,
      { cause: error },
    );
  }

  /**
   * Runs the publish script, with WAIT behind it on the same shard connection when replicas must
   * confirm. A script refused because its slot is moving or failing over never ran: it is sent
   * again (bounded by the command timeout) once the slot table is refreshed.
   */
  private async runPublish(args: string[]): Promise<{ reply: PublishReply; acks?: number }> {
    const o = this.options;
    const deadline = Date.now() + this.commandTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (o.minReplicas === 0) {
        try {
          return { reply: await this.cmd.wshubPublish(...args) };
        } catch (error) {
          if (!(await this.redirectedRetry(error, attempt, deadline))) throw error;
          continue;
        }
      }
      const results = await (
        this.cmd.pipeline() as unknown as {
          wshubPublish(...a: string[]): {
            wait(n: number, ms: number): { exec(): Promise<unknown> };
          };
        }
      )
        .wshubPublish(...args)
        .wait(o.minReplicas, o.waitTimeoutMs ?? 1000)
        .exec();
      const [[scriptError, reply] = [], [waitError, acks] = []] = (results ?? []) as [
        Error | null,
        unknown,
      ][];
      if (scriptError) {
        if (await this.redirectedRetry(scriptError, attempt, deadline)) continue;
        throw scriptError;
      }
      if (waitError)
        throw new PublishOutcomeUnknownError(
          `publish stored on the shard's primary but its replicas did not answer (${errorText(waitError)}); retry with the same id`,
          { cause: waitError },
        );
      return { reply: reply as PublishReply, acks: Number(acks) };
    }
  }

  /**
   * True (after a pause and a slot table refresh) when `error` says the script was refused
   * because its slot is moving or failing over, and there is time left to send it again.
   */
  private async redirectedRetry(
    error: unknown,
    attempt: number,
    deadline: number,
  ): Promise<boolean> {
    const text = errorText(error);
    if (!REDIRECTED.test(text) && !TOO_MANY_REDIRECTIONS.test(text)) return false;
    const pause = Math.min(50 * attempt, 200);
    if (Date.now() + pause >= deadline) return false;
    this.cmd.refreshSlotsCache();
    await new Promise((r) => setTimeout(r, pause));
    return true;
  }

  /**
   * Loads both scripts on every primary, so that a script sent with ASKING to the shard a slot is
   * moving to runs by its hash there: ioredis falls back to EVAL without ASKING, which that
   * shard would answer with MOVED back to the source, over and over.
   */
  private loadScripts(): void {
    for (const node of this.cmd.nodes("master")) {
      if (scriptsLoaded.has(node)) continue;
      scriptsLoaded.add(node);
      Promise.all([
        node.script("LOAD", publishScript("SPUBLISH")),
        node.script("LOAD", HISTORY_SCRIPT),
      ]).catch(() => scriptsLoaded.delete(node));
    }
  }

  async publish(input: PublishInput): Promise<BrokerPublishResult> {
    await this.assertUsable("publish");
    const o = this.options;
    const hasId = input.id !== undefined;
    const id = input.id ?? "";
    let result: { reply: PublishReply; acks?: number };
    try {
      result = await this.runPublish([
        keys.meta(input.ch),
        keys.hist(input.ch),
        keys.dedupe(input.ch, input.id === undefined ? "" : input.publisher, id),
        newEpoch(),
        input.data,
        String(Date.now()),
        hasId ? JSON.stringify(id) : "null",
        id,
        hasId ? "1" : "0",
        String(o.historySize),
        String(o.historyTtlSeconds * 1000),
        String(o.dedupeSeconds * 1000),
        keys.shardBus(input.ch),
        this.creations.allows() ? "1" : "0",
      ]);
    } catch (error) {
      if (error instanceof PublishOutcomeUnknownError) throw error;
      throw this.publishFailed(error);
    }
    const [seq, epoch, dup, created] = result.reply;
    if (Number(seq) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    if (result.acks !== undefined && result.acks < o.minReplicas)
      throw new PublishOutcomeUnknownError(
        `publish not confirmed: ${result.acks} of ${o.minReplicas} Redis replicas of the channel's shard confirmed the write within ${o.waitTimeoutMs ?? 1000} ms; retry with the same id (the message may already be stored)`,
      );
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
        String(this.options.historyTtlSeconds * 1000),
        since === undefined ? "" : String(since),
        this.creations.allows() ? "1" : "0",
      );
    } catch (error) {
      throw this.unavailable("history", error);
    }
    const [seq, , , created] = reply;
    if (Number(seq) < 0) throw this.channelLimit();
    if (Number(created) === 1) this.creations.record();
    return historyResult(reply, since);
  }

  async subscribe(ch: string): Promise<void> {
    if (this.stopped || !this.started) throw this.unavailable("subscribe");
    if (this.channels.has(ch)) return;
    this.channels.add(ch);
    try {
      await this.bus.add(keys.shardBus(ch));
    } catch (error) {
      this.channels.delete(ch);
      throw this.unavailable("subscribe", error);
    }
  }

  async unsubscribe(ch: string): Promise<void> {
    if (!this.channels.delete(ch) || this.stopped) return;
    await this.bus.remove(keys.shardBus(ch));
  }

  onMessage(listener: (message: BusMessage) => void): void {
    this.messageListeners.push(listener);
  }

  onStatus(listener: (status: BrokerStatus) => void): void {
    this.busStatus.on(listener);
  }

  /** A channel's shard subscription was remade (slot moved, shard failed over): fill from history. */
  onGap(listener: (ch: string) => void): void {
    this.gapListeners.push(listener);
  }

  status(): BrokerStatus {
    return this.busStatus.get();
  }

  /** The shard primaries this node holds a subscriber connection to. */
  subscribedShards(): string[] {
    return this.bus.shardKeys();
  }

  stop(): Promise<void> {
    this.stopping ??= this.close();
    return this.stopping;
  }

  private async close(): Promise<void> {
    this.busStatus.set({ up: false, reason: "stopped" });
    this.stopped = true;
    this.busStatus.endWaits();
    this.bus.stop();
    this.channels.clear();
    if (this.cmd.status === "ready")
      await Promise.race([
        this.cmd.quit().catch(() => {}),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
    this.cmd.disconnect();
  }
}
