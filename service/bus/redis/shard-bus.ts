// The subscriber side of the Redis Cluster bus: one subscriber connection per shard primary,
// SSUBSCRIBEd to the shard channels of the channels this node holds that live on that shard,
// plus one probe channel per shard (hash-tagged to a slot the shard owns) to tell a live shard
// from a silent one. When a channel's slot moves (resharding drops the subscription with a
// `sunsubscribe` push; a failover promotes a replica elsewhere) the channel is subscribed again
// where its slot now lives and reported as a gap, so the hub fills it from history.
import { randomBytes } from "node:crypto";
import type { Cluster } from "ioredis";
import { Redis } from "ioredis";
import type { BrokerStatus } from "../broker.js";
import { CONNECT_TIMEOUT_MS, errorText, reconnectDelay } from "./connections.js";
import { bytesRead } from "./delivery-probe.js";
import { keySlot, SLOTS, tagForSlot } from "./key-slot.js";
import { LoopStall } from "./loop-stall.js";
import { keys } from "./lua.js";
import { ProbeDeadline } from "./probe-deadline.js";

type Logger = { warn(obj: object, msg?: string): void };

export type ShardBusOptions = {
  nodeId: string;
  password?: () => string | undefined;
  probeIntervalMs: number;
  commandTimeoutMs: number;
  log: Logger;
  /** A shard message that is not a probe: (shard channel, payload). */
  onMessage(channel: string, payload: string): void;
  /** Channels whose subscription was (re)made after a drop: messages may have been missed. */
  onGap(channels: string[]): void;
  report(status: BrokerStatus): void;
};

/** One shard primary's subscriber connection and what it carries. */
type Shard = {
  key: string;
  client: Redis;
  /** Shard channels confirmed subscribed on this connection since it last connected. */
  subscribed: Set<string>;
  probeChannel: string | undefined;
  readyAt: number;
  backAt: number;
  /** When its probe counts as missed (this process's own stalls taken out). */
  deadline: ProbeDeadline;
  lastKickAt: number;
  error: string | undefined;
};

export class ShardBus {
  private readonly instance = randomBytes(4).toString("hex");
  private readonly shards = new Map<string, Shard>();
  /** Shard channel → the shard key it is subscribed on (undefined: not yet / dropped). */
  private readonly wanted = new Map<string, string | undefined>();
  /** Shard channels that were subscribed once and lost: a gap to report once subscribed again. */
  private readonly lost = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private counter = 0;
  private reconciling: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** This process's own event-loop stalls, taken out of the time a probe has waited. */
  private readonly stall: LoopStall;

  constructor(
    private readonly cluster: Cluster,
    private readonly o: ShardBusOptions,
  ) {
    this.stall = new LoopStall(o.probeIntervalMs);
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Subscriber connections by shard primary, for tests and metrics. */
  shardKeys(): string[] {
    return [...this.shards.keys()];
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.stall.tick();
      setImmediate(() => {
        // A poll phase has run since the last tick: a suspicion may now be confirmed.
        for (const shard of this.shards.values()) shard.deadline.arm();
        this.tick();
      });
    }, this.o.probeIntervalMs);
    this.tick();
  }

  /** Subscribes `channel` on the shard that owns its slot; resolves once Redis confirmed it. */
  async add(channel: string): Promise<void> {
    if (!this.wanted.has(channel)) this.wanted.set(channel, undefined);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.wanted.get(channel) !== undefined) return;
      await this.reconcile();
      if (!this.wanted.has(channel)) return;
    }
    if (this.wanted.get(channel) === undefined) {
      this.wanted.delete(channel);
      throw new Error(`the shard of ${channel} did not confirm the subscription`);
    }
  }

  async remove(channel: string): Promise<void> {
    const at = this.wanted.get(channel);
    this.wanted.delete(channel);
    this.lost.delete(channel);
    const shard = at === undefined ? undefined : this.shards.get(at);
    if (!shard) return;
    shard.subscribed.delete(channel);
    await shard.client.sunsubscribe(channel).catch(() => {});
  }

  /** The primary of every slot's shard, from the cluster client's slot table. */
  private primaries(): Map<string, number> {
    const first = new Map<string, number>();
    const table = this.cluster.slots;
    for (let slot = 0; slot < SLOTS; slot++) {
      const key = table[slot]?.[0];
      if (key !== undefined && !first.has(key)) first.set(key, slot);
    }
    return first;
  }

  private shardOf(channel: string): string | undefined {
    return this.cluster.slots[keySlot(channel)]?.[0];
  }

  private tick(): void {
    if (this.stopped) return;
    void this.reconcile().then(() => {
      this.probe();
      this.evaluate();
    });
  }

  /** Brings connections and subscriptions in line with the slot table; one run at a time. */
  reconcile(): Promise<void> {
    if (this.reconciling) {
      this.again = true;
      return this.reconciling;
    }
    this.reconciling = (async () => {
      do {
        this.again = false;
        await this.reconcileOnce().catch((err: unknown) => {
          this.o.log.warn({ err: errorText(err) }, "shard subscriptions not reconciled");
        });
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async reconcileOnce(): Promise<void> {
    if (this.stopped || this.cluster.status !== "ready") return;
    const primaries = this.primaries();
    for (const [key, shard] of this.shards) {
      if (primaries.has(key)) continue;
      // No longer a primary (failed over, or emptied by resharding): its channels move.
      this.shards.delete(key);
      shard.client.disconnect();
      for (const [ch, at] of this.wanted) if (at === key) this.markLost(ch);
    }
    for (const [key, slot] of primaries) {
      const shard = this.shards.get(key) ?? this.open(key);
      if (shard.client.status !== "ready") continue;
      const probe = keys.shardProbe(tagForSlot(slot), this.o.nodeId);
      if (shard.probeChannel !== probe || !shard.subscribed.has(probe)) {
        const old = shard.probeChannel;
        if (await this.ssubscribe(shard, probe)) {
          shard.probeChannel = probe;
          if (old && old !== probe) void shard.client.sunsubscribe(old).catch(() => {});
        }
      }
    }
    const moves: Promise<void>[] = [];
    for (const [ch, at] of this.wanted) {
      const owner = this.shardOf(ch);
      const shard = owner === undefined ? undefined : this.shards.get(owner);
      if (at !== undefined && at === owner && shard?.subscribed.has(ch)) continue;
      if (at !== undefined) this.markLost(ch);
      if (shard?.client.status !== "ready") continue;
      moves.push(
        this.ssubscribe(shard, ch).then((ok) => {
          if (!ok || !this.wanted.has(ch)) return;
          this.wanted.set(ch, shard.key);
        }),
      );
    }
    await Promise.all(moves);
    const gaps = [...this.lost].filter((ch) => this.wanted.get(ch) !== undefined);
    for (const ch of gaps) this.lost.delete(ch);
    if (gaps.length > 0) this.o.onGap(gaps);
  }

  private markLost(channel: string): void {
    if (!this.wanted.has(channel)) return;
    this.wanted.set(channel, undefined);
    this.lost.add(channel);
  }

  private async ssubscribe(shard: Shard, channel: string): Promise<boolean> {
    try {
      await shard.client.ssubscribe(channel);
      shard.subscribed.add(channel);
      return true;
    } catch (err) {
      // MOVED: the slot table is stale; the refresh brings the next reconcile to the new owner.
      if (/^MOVED|^ASK|CLUSTERDOWN/.test(errorText(err))) this.cluster.refreshSlotsCache();
      shard.error = `ssubscribe failed: ${errorText(err)}`;
      return false;
    }
  }

  private open(key: string): Shard {
    const sep = key.lastIndexOf(":");
    const host = key.slice(0, sep);
    const port = Number(key.slice(sep + 1));
    const password = this.o.password?.();
    const client = new Redis({
      host,
      port,
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      commandTimeout: this.o.commandTimeoutMs,
      disconnectTimeout: 200,
      connectionName: `wshub:${this.o.nodeId}:shard`,
      // Subscriptions are remade by reconcile(), on whichever node owns the slot by then.
      autoResubscribe: false,
      enableOfflineQueue: false,
      ...(password === undefined ? {} : { password }),
      retryStrategy: (times) => {
        if (this.stopped || this.shards.get(key)?.client !== client) return null;
        const pw = this.o.password?.();
        if (pw !== undefined) client.options.password = pw;
        return reconnectDelay(times);
      },
    });
    const shard: Shard = {
      key,
      client,
      subscribed: new Set(),
      probeChannel: undefined,
      readyAt: 0,
      backAt: 0,
      deadline: new ProbeDeadline(this.stall, 2 * this.o.probeIntervalMs),
      lastKickAt: 0,
      error: undefined,
    };
    client.on("error", (err: Error) => {
      if (shard.error !== errorText(err) && !this.stopped)
        this.o.log.warn({ shard: key, err: errorText(err) }, "redis shard connection error");
      shard.error = errorText(err);
    });
    client.on("ready", () => {
      shard.readyAt = Date.now();
      shard.deadline.restart(this.counter, shard.readyAt);
      shard.error = undefined;
      void this.reconcile().then(() => this.probe());
    });
    client.on("close", () => {
      // Whatever it carried must be subscribed again, and may have missed messages meanwhile.
      shard.subscribed.clear();
      for (const [ch, at] of this.wanted) if (at === key) this.markLost(ch);
      this.evaluate();
    });
    // ioredis reports a `sunsubscribe` push (the slot left this shard) as "moved".
    client.on("moved", () => {
      const still = subscribedOn(client);
      for (const ch of [...shard.subscribed]) {
        if (still?.has(ch)) continue;
        shard.subscribed.delete(ch);
        if (this.wanted.get(ch) === key) this.markLost(ch);
      }
      this.cluster.refreshSlotsCache();
      this.again = true;
      setTimeout(() => void this.reconcile(), 50);
    });
    client.on("smessage", (channel: string, payload: string) => {
      if (channel === shard.probeChannel) {
        if (payload.startsWith(`${this.instance}:`)) {
          shard.backAt = Date.now();
          shard.deadline.back(Number(payload.slice(this.instance.length + 1)));
          this.evaluate();
        }
        return;
      }
      this.o.onMessage(channel, payload);
    });
    this.shards.set(key, shard);
    client.connect().catch(() => {});
    return shard;
  }

  private probe(): void {
    if (this.stopped || this.cluster.status !== "ready") return;
    for (const shard of this.shards.values()) {
      const channel = shard.probeChannel;
      if (!channel || !shard.subscribed.has(channel)) continue;
      shard.deadline.sent(++this.counter);
      this.cluster.spublish(channel, `${this.instance}:${this.counter}`).catch((err: unknown) => {
        shard.error = `probe publish failed: ${errorText(err)}`;
      });
    }
  }

  /** Up when the cluster client is ready and every shard's probe came back lately. */
  evaluate(): void {
    if (this.stopped || !this.running) return;
    const limit = 2 * this.o.probeIntervalMs;
    const now = Date.now();
    let reason: string | undefined;
    let recheck = false;
    if (this.cluster.status !== "ready") reason = `cluster connection ${this.cluster.status}`;
    else if (this.shards.size === 0) reason = "no shard primary known yet";
    // Every shard is judged (its verdict moves on), the first one found wrong is reported.
    for (const shard of this.cluster.status === "ready" ? this.shards.values() : []) {
      let wrong: string | undefined;
      if (shard.client.status !== "ready")
        wrong = `shard ${shard.key}: subscriber ${shard.client.status}${shard.error ? `: ${shard.error}` : ""}`;
      else {
        const verdict = shard.deadline.judge(bytesRead(shard.client), now);
        if (verdict === "missed") {
          wrong = `shard ${shard.key}: bus probe not received back within ${limit} ms${shard.error ? ` (${shard.error})` : ""}`;
          this.kick(shard, limit);
        } else if (shard.backAt < shard.readyAt)
          wrong = `shard ${shard.key}: waiting for the bus probe to come back`;
        if (verdict === "recheck") recheck = true;
      }
      reason ??= wrong;
    }
    if (recheck) {
      // Overdue as seen now; judged again once this turn's reads are done, so a reply that
      // waited in a socket while the loop was held counts.
      setImmediate(() => {
        for (const shard of this.shards.values()) shard.deadline.arm();
        this.evaluate();
      });
    }
    this.o.report(reason === undefined ? { up: true } : { up: false, reason });
  }

  /**
   * Drops a shard subscriber whose probe stopped coming back (a half-open socket stays "ready" in
   * ioredis forever): it reconnects, and reconcile() subscribes its channels again as gaps.
   */
  private kick(shard: Shard, limit: number): void {
    const now = Date.now();
    if (now - shard.lastKickAt < 2 * limit) return;
    shard.lastKickAt = now;
    this.o.log.warn({ shard: shard.key }, "reconnecting a silent Redis shard subscriber");
    const stream = shard.client.stream as Redis["stream"] | undefined;
    if (stream && !stream.destroyed) stream.destroy();
    else shard.client.disconnect(true);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const shard of this.shards.values()) shard.client.disconnect();
    this.shards.clear();
    this.wanted.clear();
  }
}

/**
 * The shard channels ioredis still counts as subscribed on `client` (it removes one when Redis
 * pushes `sunsubscribe`); undefined when that internal state is not there, and then every
 * channel of the shard is treated as dropped and subscribed again.
 */
function subscribedOn(client: Redis): Set<string> | undefined {
  const condition = (client as unknown as { condition?: { subscriber?: unknown } }).condition;
  const set = condition?.subscriber as
    | { channels?: (kind: string) => string[] }
    | false
    | undefined;
  if (set === false) return new Set();
  if (!set || typeof set.channels !== "function") return undefined;
  return new Set(set.channels("ssubscribe"));
}
