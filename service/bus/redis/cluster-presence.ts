// Presence on a Redis Cluster. A channel's members hash (`wshub:{<ch>}:presence`) and its events
// shard channel (`wshub:presence-events:{<ch>}`) share the channel's hash tag, so each join or
// leave is one script on one slot that SPUBLISHes its announcement; a node SSUBSCRIBEs, through
// the same ShardBus the cluster broker uses, on the shard that owns each watched channel. The
// liveness keys (one per node, the node set) are single-key commands in any slot.
import { Cluster } from "ioredis";
import { UnavailableError } from "../../errors.js";
import type { BrokerStatus } from "../broker.js";
import { BusStatus } from "./bus-status.js";
import { clusterOptions, errorText, quit } from "./connections.js";
import {
  type PresenceClient,
  type PresenceLink,
  type PresenceLinkContext,
  presenceCommandOptions,
} from "./presence-link.js";
import { channelOfShardEvents, joinScript, leaveScript, presenceKeys } from "./presence-lua.js";
import { ShardBus } from "./shard-bus.js";

export type ClusterPresenceTarget = {
  /** REDIS_CLUSTER_NODES: any reachable nodes; the rest is discovered. */
  nodes: { host: string; port: number }[];
  nodeId: string;
  password?: () => string | undefined;
  commandTimeoutMs?: number;
  /** How long start() waits for the cluster and every shard's subscriber. */
  startTimeoutMs?: number;
  /** How often each shard subscriber proves it still receives (the ShardBus probe). */
  probeIntervalMs?: number;
};

export class ClusterPresenceLink implements PresenceLink {
  readonly cmd: PresenceClient;
  private readonly cluster: Cluster;
  private readonly bus: ShardBus;
  private readonly status = new BusStatus();

  constructor(
    private readonly target: ClusterPresenceTarget,
    private readonly c: PresenceLinkContext,
  ) {
    if (target.nodes.length === 0)
      throw new UnavailableError(
        "presence on a Redis Cluster needs nodes: set REDIS_CLUSTER_NODES",
      );
    const password = target.password?.();
    // The cluster keeps its own offline queue (its ready check needs it); usable() guards it.
    const { enableOfflineQueue: _queue, ...nodeOptions } = presenceCommandOptions(
      target.commandTimeoutMs,
    );
    this.cluster = new Cluster(
      target.nodes,
      clusterOptions(
        c.stopped,
        { ...nodeOptions, connectionName: `wshub:${target.nodeId}:presence` },
        password,
      ),
    );
    this.cluster.on("error", (err: Error) => {
      if (!c.stopped()) c.log.warn({ err: errorText(err) }, "redis cluster presence error");
    });
    this.cluster.defineCommand("wshubJoin", { numberOfKeys: 1, lua: joinScript("SPUBLISH") });
    this.cluster.defineCommand("wshubLeave", { numberOfKeys: 1, lua: leaveScript("SPUBLISH") });
    this.cluster.on("ready", () => this.bus.evaluate());
    this.cluster.on("close", () => this.bus.evaluate());
    this.cluster.on("refresh", () => void this.bus.reconcile());
    // Both clients answer the same single-key commands and scripts; the store needs no more.
    this.cmd = this.cluster as unknown as PresenceClient;
    this.bus = new ShardBus(this.cluster, {
      nodeId: target.nodeId,
      ...(target.password ? { password: target.password } : {}),
      probeIntervalMs: target.probeIntervalMs ?? 1000,
      commandTimeoutMs: target.commandTimeoutMs ?? 2000,
      log: c.log,
      onMessage: (channel, payload) => {
        const ch = channelOfShardEvents(channel);
        if (ch !== undefined) c.onEvent(ch, payload);
      },
      // Events are not replayed (as on one Redis): a client reads presence again after a gap.
      onGap: (channels) =>
        c.log.info({ channels: channels.length }, "presence events resubscribed after a drop"),
      report: (s) => this.report(s),
    });
  }

  eventsChannel(ch: string): string {
    return presenceKeys.shardEvents(ch);
  }

  usable(): boolean {
    return this.cluster.status === "ready";
  }

  async connect(): Promise<void> {
    this.cluster.connect().catch(() => {});
    this.bus.start();
    const timeoutMs = this.target.startTimeoutMs ?? 10_000;
    if (await this.status.waitUp(timeoutMs)) return;
    const reason = this.status.get().reason ?? "down";
    await this.close();
    throw new UnavailableError(
      `presence cannot use the Redis Cluster within ${timeoutMs} ms (${reason}): check REDIS_CLUSTER_NODES and REDIS_PASSWORD, then restart`,
    );
  }

  async watch(ch: string): Promise<void> {
    await this.bus.add(presenceKeys.shardEvents(ch));
  }

  async unwatch(ch: string): Promise<void> {
    await this.bus.remove(presenceKeys.shardEvents(ch));
  }

  async close(): Promise<void> {
    this.status.endWaits();
    this.bus.stop();
    await quit(this.cluster as unknown as Parameters<typeof quit>[0]);
  }

  private report(next: BrokerStatus): void {
    if (!this.status.set(next) || this.c.stopped()) return;
    if (next.up) this.c.log.info({}, "redis cluster presence up");
    else this.c.log.warn({ reason: next.reason }, "redis cluster presence down");
  }
}
