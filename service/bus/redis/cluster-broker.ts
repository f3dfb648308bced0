// The Redis Cluster broker: the same keys, scripts and guarantees as RedisBroker, spread over
// the cluster's shards. A channel's keys and its shard channel share one hash tag, so each
// publish is one script on one slot; nodes exchange messages over sharded pub/sub (SPUBLISH /
// SSUBSCRIBE), so a shard carries only its own channels and a node hears only the channels it
// holds. REDIS_MIN_REPLICAS sends WAIT right behind the script, on the same shard connection.

import { Cluster } from "ioredis";
import { UnavailableError } from "../../errors.js";
import type { BrokerPublishResult, PublishInput } from "../broker.js";
import { RedisBrokerBase, type RedisBusOptions } from "./broker-base.js";
import { clusterOptions, errorText } from "./connections.js";
import {
  channelOfShardBus,
  HISTORY_SCRIPT,
  type HistoryReply,
  keys,
  type PublishReply,
  publishScript,
} from "./lua.js";
import { ShardBus } from "./shard-bus.js";

export type RedisClusterBrokerOptions = RedisBusOptions & {
  /** REDIS_CLUSTER_NODES: any reachable nodes; the rest is discovered. */
  nodes: { host: string; port: number }[];
};

type ScriptCluster = Cluster & {
  wshubPublish(...args: string[]): Promise<PublishReply>;
  wshubHistory(...args: string[]): Promise<HistoryReply>;
};

/** Replies that mean the script was refused before it ran: the slot is moving or failing over. */
const REDIRECTED = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN)\b/;
/** ioredis gave up following redirections: every attempt was refused, none ran. */
const TOO_MANY_REDIRECTIONS = /Too many Cluster redirections/;
const scriptsLoaded = new WeakSet<object>();

export class RedisClusterBroker extends RedisBrokerBase {
  private readonly cmd: ScriptCluster;
  private readonly bus: ShardBus;
  private readonly gapListeners: ((ch: string) => void)[] = [];
  /** Per channel, the settling of its last publish: the next one is sent only after it. */
  private readonly lastPublish = new Map<string, Promise<void>>();

  constructor(options: RedisClusterBrokerOptions) {
    super(options, {
      bus: "the Redis Cluster",
      replicas: "Redis replicas of the channel's shard",
      startHint: "check REDIS_CLUSTER_NODES and REDIS_PASSWORD",
      log: "redis cluster bus",
    });
    if (options.nodes.length === 0)
      throw new UnavailableError(
        "the cluster broker needs at least one node: set REDIS_CLUSTER_NODES",
      );
    const password = options.password?.();
    this.cmd = new Cluster(
      options.nodes,
      clusterOptions(
        () => this.stopped,
        {
          commandTimeout: this.commandTimeoutMs,
          maxRetriesPerRequest: 0,
          // A publish the caller was told failed must not run later behind its back.
          autoResendUnfulfilledCommands: false,
          connectionName: `wshub:${options.nodeId}:cmd`,
        },
        password,
      ),
    ) as ScriptCluster;
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

  protected connect(): void {
    this.cmd.connect().catch(() => {});
    this.bus.start();
  }

  protected commandsReady(): boolean {
    return this.cmd.status === "ready";
  }

  private onBusPayload(channel: string, payload: string): void {
    const ch = channelOfShardBus(channel);
    if (ch !== undefined) this.deliver(ch, payload);
  }

  private gapsIn(shardChannels: string[]): void {
    for (const channel of shardChannels) {
      const ch = channelOfShardBus(channel);
      if (ch === undefined || !this.channels.has(ch)) continue;
      for (const l of this.gapListeners) l(ch);
    }
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
      if (waitError) throw this.waitFailed(waitError);
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

  /**
   * One publish per channel in flight, sent in call order. While a channel's slot moves, Redis
   * answers part of a burst with TRYAGAIN or ASK: a publish sent again after its pause would be
   * stored after later ones that went straight through, and a connection's publishes must be
   * stored in the order they arrived. Different channels still go out together.
   */
  publish(input: PublishInput): Promise<BrokerPublishResult> {
    const before = this.lastPublish.get(input.ch);
    const mine = before ? before.then(() => this.publishNow(input)) : this.publishNow(input);
    const settled = mine.then(
      () => {},
      () => {},
    );
    this.lastPublish.set(input.ch, settled);
    void settled.then(() => {
      if (this.lastPublish.get(input.ch) === settled) this.lastPublish.delete(input.ch);
    });
    return mine;
  }

  private async publishNow(input: PublishInput): Promise<BrokerPublishResult> {
    await this.assertUsable("publish");
    let result: { reply: PublishReply; acks?: number };
    try {
      result = await this.runPublish(this.publishArgs(input, keys.shardBus(input.ch)));
    } catch (error) {
      throw this.publishFailed(error);
    }
    return this.publishResult(result.reply, result.acks);
  }

  protected historyScript(args: string[]): Promise<HistoryReply> {
    return this.cmd.wshubHistory(...args);
  }

  async subscribe(ch: string): Promise<void> {
    this.assertRunning("subscribe");
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

  /** A channel's shard subscription was remade (slot moved, shard failed over): fill from history. */
  onGap(listener: (ch: string) => void): void {
    this.gapListeners.push(listener);
  }

  /** The shard primaries this node holds a subscriber connection to. */
  subscribedShards(): string[] {
    return this.bus.shardKeys();
  }

  protected async close(): Promise<void> {
    this.bus.stop();
    if (this.cmd.status === "ready")
      await Promise.race([
        this.cmd.quit().catch(() => {}),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
    this.cmd.disconnect();
  }
}
