// The Redis broker: every channel's seq, epoch, history and dedupe live in Redis (one Lua script
// per publish, so a message is stored, numbered and published atomically) and nodes exchange
// messages over Redis pub/sub. A probe through pub/sub tells a live bus from a silent one.

import type { Redis, RedisOptions } from "ioredis";
import type { BrokerPublishResult, PublishInput } from "../broker.js";
import { RedisBrokerBase, type RedisBrokerLogger, type RedisBusOptions } from "./broker-base.js";
import { createRedisClient, errorText, quit } from "./connections.js";
import { BusProbe, type ProbeRole, usable } from "./delivery-probe.js";
import {
  BUS_PREFIX,
  HISTORY_SCRIPT,
  type HistoryReply,
  keys,
  PUBLISH_SCRIPT,
  type PublishReply,
} from "./lua.js";

export type { RedisBrokerLogger };

export type RedisBrokerOptions = RedisBusOptions & {
  /** redis://[:password@]host:port[/db] */
  url?: string;
  /** With sentinelName: Sentinel mode. */
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
};

type ScriptClient = Redis & {
  wshubPublish(...args: string[]): Promise<PublishReply>;
  wshubHistory(...args: string[]): Promise<HistoryReply>;
};

export class RedisBroker extends RedisBrokerBase {
  private readonly cmd: ScriptClient;
  private readonly sub: Redis;
  private readonly health: BusProbe;

  constructor(private readonly redisOptions: RedisBrokerOptions) {
    super(redisOptions, {
      bus: "Redis",
      replicas: "Redis replicas",
      startHint: "check REDIS_URL or REDIS_SENTINELS and REDIS_PASSWORD",
      log: "redis bus",
    });
    this.cmd = this.createClient("cmd", {
      // A command while disconnected fails at once instead of waiting in a queue.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      // A publish the caller was told failed must not run later behind its back.
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.commandTimeoutMs,
      // After a Sentinel failover the old primary turns replica: leave it, find the new one.
      reconnectOnError: (err) => err.message.startsWith("READONLY"),
    }) as ScriptClient;
    this.cmd.defineCommand("wshubPublish", { numberOfKeys: 3, lua: PUBLISH_SCRIPT });
    this.cmd.defineCommand("wshubHistory", { numberOfKeys: 2, lua: HISTORY_SCRIPT });
    this.sub = this.createClient("sub", {
      enableOfflineQueue: false,
      autoResubscribe: true,
      commandTimeout: this.commandTimeoutMs,
    });
    this.health = new BusProbe(
      { cmd: this.cmd, sub: this.sub },
      keys.probe(redisOptions.nodeId),
      redisOptions.probeIntervalMs ?? 1000,
      this.log,
      (s) => this.setStatus(s),
    );
    this.sub.on("message", (channel: string, payload: string) => {
      if (this.health.received(channel, payload) || !channel.startsWith(BUS_PREFIX)) return;
      this.deliver(channel.slice(BUS_PREFIX.length), payload);
    });
  }

  private createClient(role: ProbeRole, extra: RedisOptions): Redis {
    const c = createRedisClient(this.redisOptions, role, () => this.stopped, extra);
    c.on("error", (err: Error) => {
      if (this.health.connectionError(role, err) && !this.stopped)
        this.log.warn({ role, err: errorText(err) }, "redis connection error");
    });
    c.on("ready", () => this.health.connectionReady(role));
    c.on("close", () => this.health.evaluate());
    c.on("end", () => this.health.evaluate());
    return c;
  }

  protected connect(): void {
    this.cmd.connect().catch(() => {});
    this.sub.connect().catch(() => {});
    this.health.start();
  }

  protected commandsReady(): boolean {
    return usable(this.cmd);
  }

  async publish(input: PublishInput): Promise<BrokerPublishResult> {
    await this.assertUsable("publish");
    let reply: PublishReply;
    try {
      reply = await this.cmd.wshubPublish(...this.publishArgs(input, keys.bus(input.ch)));
    } catch (error) {
      throw this.publishFailed(error);
    }
    const { minReplicas, waitTimeoutMs } = this.options;
    if (minReplicas === 0) return this.publishResult(reply);
    let acks: number;
    try {
      acks = await this.cmd.wait(minReplicas, waitTimeoutMs ?? 1000);
    } catch (error) {
      throw this.waitFailed(error);
    }
    return this.publishResult(reply, acks);
  }

  protected historyScript(args: string[]): Promise<HistoryReply> {
    return this.cmd.wshubHistory(...args);
  }

  async subscribe(ch: string): Promise<void> {
    if (this.channels.has(ch)) return;
    await this.assertUsable("subscribe", () => usable(this.sub));
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
    // While disconnected ioredis would resubscribe it later; deliver() drops those messages.
    await this.sub.unsubscribe(keys.bus(ch)).catch(() => {});
  }

  /** ioredis connection states, for tests that prove nothing is left open. */
  connectionStates(): { cmd: string; sub: string; probeTimer: boolean } {
    return {
      cmd: this.cmd.status,
      sub: this.sub.status,
      probeTimer: this.health.running,
    };
  }

  protected async close(): Promise<void> {
    this.health.stop();
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }
}
