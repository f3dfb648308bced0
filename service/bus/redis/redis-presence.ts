// Presence on Redis: each channel's members in a hash (presence-lua.ts), join/leave announced on
// the channel's events pub/sub channel, and every node's liveness heartbeat (presence-liveness.ts)
// so the members of a node that died are removed and their leaves announced by the survivors.
// One Redis or Sentinel (presence-link.ts) or a Redis Cluster (cluster-presence.ts).
import { UnavailableError } from "../../errors.js";
import { membersFull } from "../memory-presence.js";
import type { PresenceEvent, PresenceMember, PresencePage, PresenceStore } from "../presence.js";
import { ClusterPresenceLink } from "./cluster-presence.js";
import { errorText, type RedisTarget } from "./connections.js";
import { type PresenceLink, SinglePresenceLink } from "./presence-link.js";
import { Liveness, type PresenceLogger } from "./presence-liveness.js";
import { indexEntry, memberJson, parseEvent, parseMember, presenceKeys } from "./presence-lua.js";

export type RedisPresenceOptions = RedisTarget & {
  /** On a Redis Cluster (REDIS_CLUSTER_NODES): members and events sharded by channel. */
  clusterNodes?: { host: string; port: number }[];
  /** How often this node proves it is alive; its members are gone within twice this after it dies. */
  heartbeatMs: number;
  commandTimeoutMs?: number;
  /** Redis Cluster: how long start() waits for the cluster and its shard subscribers. */
  startTimeoutMs?: number;
  logger?: PresenceLogger;
};

const silent: PresenceLogger = { info() {}, warn() {} };

export class RedisPresence implements PresenceStore {
  private readonly link: PresenceLink;
  private readonly log: PresenceLogger;
  private readonly liveness: Liveness;
  private readonly watched = new Set<string>();
  private readonly listeners: ((e: PresenceEvent) => void)[] = [];
  /**
   * This node's members, per channel by client id (the member object is the connection's own):
   * re-added if the node was taken for dead.
   */
  private readonly local = new Map<string, Map<string, PresenceMember>>();
  private stopped = false;

  constructor(private readonly options: RedisPresenceOptions) {
    this.log = options.logger ?? silent;
    const context = {
      log: this.log,
      stopped: () => this.stopped,
      onEvent: (ch: string, payload: string) => this.onPayload(ch, payload),
    };
    this.link = options.clusterNodes
      ? new ClusterPresenceLink(
          {
            nodes: options.clusterNodes,
            nodeId: options.nodeId,
            ...(options.password ? { password: options.password } : {}),
            ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
            ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
          },
          context,
        )
      : new SinglePresenceLink(options, options.commandTimeoutMs, context);
    const cmd = this.link.cmd;
    this.liveness = new Liveness(cmd, options.nodeId, options.heartbeatMs, this.log, {
      leave: (ch, client) =>
        cmd.wshubLeave(presenceKeys.members(ch), client, this.link.eventsChannel(ch)),
      rejoin: () => this.rejoinAll(),
    });
  }

  private get cmd() {
    return this.link.cmd;
  }

  async start(): Promise<void> {
    await this.link.connect();
    await this.liveness.start();
  }

  async join(ch: string, who: PresenceMember, max: number): Promise<void> {
    this.assertRunning("join");
    const key = indexEntry(who.client, ch);
    let r: number;
    try {
      // The index first: a node dying between the two leaves an entry that removes nothing.
      await this.cmd.sadd(presenceKeys.index(this.options.nodeId), key);
      r = await this.cmd.wshubJoin(
        presenceKeys.members(ch),
        who.client,
        memberJson(who),
        String(max),
        this.link.eventsChannel(ch),
      );
    } catch (err) {
      throw this.unavailable("join", err);
    }
    if (r < 0) {
      await this.cmd.srem(presenceKeys.index(this.options.nodeId), key).catch(() => 0);
      throw membersFull(ch, max);
    }
    let members = this.local.get(ch);
    if (!members) {
      members = new Map();
      this.local.set(ch, members);
    }
    members.set(who.client, who);
  }

  async leave(ch: string, who: PresenceMember): Promise<void> {
    const key = indexEntry(who.client, ch);
    const members = this.local.get(ch);
    if (members?.delete(who.client) && members.size === 0) this.local.delete(ch);
    if (this.stopped) return;
    try {
      if (!this.link.usable()) throw new Error("the Redis Cluster is not ready");
      await this.cmd.wshubLeave(presenceKeys.members(ch), who.client, this.link.eventsChannel(ch));
      await this.cmd.srem(presenceKeys.index(this.options.nodeId), key);
    } catch (err) {
      // Left behind in Redis: it goes when this node stops or dies, or on its next heartbeat.
      this.liveness.leaveLater(ch, who.client);
      throw this.unavailable("leave", err);
    }
  }

  /** The cursor is HSCAN's, plus how many of that scan step's members were already returned. */
  async members(ch: string, limit: number, cursor?: string): Promise<PresencePage> {
    this.assertRunning("presence");
    let [scan, skip] = parseCursor(cursor);
    const members: PresenceMember[] = [];
    try {
      // Bounded: each step reads at most about `limit` entries (a small hash comes whole).
      for (let step = 0; step < 100 && members.length < limit; step++) {
        const [next, flat] = await this.cmd.hscan(presenceKeys.members(ch), scan, "COUNT", limit);
        const values = flat.filter((_, i) => i % 2 === 1);
        const room = limit - members.length;
        const taken = values.slice(skip, skip + room);
        for (const v of taken) {
          const m = parseMember(v);
          if (m) members.push(m);
        }
        if (skip + taken.length < values.length) {
          skip += taken.length;
          break; // this step has more: resume inside it
        }
        skip = 0;
        scan = next;
        if (scan === "0") break;
      }
      const count = await this.cmd.hlen(presenceKeys.members(ch));
      const page: PresencePage = { members, count };
      if (scan !== "0" || skip > 0) page.cursor = `${scan}:${skip}`;
      return page;
    } catch (err) {
      throw this.unavailable("presence", err);
    }
  }

  async count(ch: string): Promise<number> {
    this.assertRunning("presence");
    try {
      return await this.cmd.hlen(presenceKeys.members(ch));
    } catch (err) {
      throw this.unavailable("presence", err);
    }
  }

  async watch(ch: string): Promise<void> {
    this.assertRunning("watch");
    if (this.watched.has(ch)) return;
    try {
      await this.link.watch(ch);
    } catch (err) {
      throw this.unavailable("watch", err);
    }
    this.watched.add(ch);
  }

  async unwatch(ch: string): Promise<void> {
    if (!this.watched.delete(ch) || this.stopped) return;
    await this.link.unwatch(ch).catch(() => {});
  }

  onEvent(listener: (event: PresenceEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Leaves this node's remaining members (announced), unregisters the node, closes. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    // A cluster that is not ready would queue the leaves: the survivors' sweep removes them.
    const leaving = this.link.usable() ? this.liveness.stop() : this.liveness.halt();
    await leaving.catch((err: unknown) => {
      this.log.warn({ err: errorText(err) }, "presence could not leave its members at stop");
    });
    this.stopped = true;
    this.local.clear();
    await this.link.close();
  }

  private onPayload(ch: string, payload: string): void {
    if (!this.watched.has(ch)) return;
    const event = parseEvent(ch, payload);
    if (!event) return;
    for (const l of this.listeners) l(event);
  }

  /** The node was taken for dead (a long pause): its members were removed; add them back. */
  private async rejoinAll(): Promise<void> {
    for (const [ch, members] of this.local) {
      for (const who of [...members.values()]) {
        await this.cmd.sadd(presenceKeys.index(this.options.nodeId), indexEntry(who.client, ch));
        // No bound here: these members were admitted before.
        await this.cmd.wshubJoin(
          presenceKeys.members(ch),
          who.client,
          memberJson(who),
          String(Number.MAX_SAFE_INTEGER),
          this.link.eventsChannel(ch),
        );
      }
    }
  }

  private assertRunning(what: string): void {
    if (this.stopped)
      throw new UnavailableError(`presence ${what} failed: the node is shutting down; retry later`);
    if (!this.link.usable())
      throw this.unavailable(what, new Error("the Redis Cluster is not ready"));
  }

  private unavailable(what: string, err: unknown): UnavailableError {
    return new UnavailableError(
      `presence ${what} failed: Redis is unavailable (${errorText(err)}); retry later`,
      { cause: err },
    );
  }
}

function parseCursor(cursor: string | undefined): [string, number] {
  const m = cursor === undefined ? null : /^(\d{1,20}):(\d{1,6})$/.exec(cursor);
  return m ? [m[1] as string, Number(m[2])] : ["0", 0];
}
