// Every presence node's heartbeat and the survivors' sweep. A node keeps a liveness key with a
// TTL of one heartbeat, refreshed twice per heartbeat; every node sweeps twice per heartbeat, so
// a node that dies (SIGKILL, lost host) has its members removed, and their leaves announced by a
// survivor, within two heartbeats: the key expires within half a heartbeat of the last refresh,
// and the next sweep comes within another half.
import type { Redis } from "ioredis";
import { errorText } from "./connections.js";
import { parseIndexEntry, presenceKeys } from "./presence-lua.js";

export type PresenceLogger = {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
};

type Hooks = {
  /** Removes one member and announces its leave (the leave script). */
  leave(ch: string, client: string): Promise<number>;
  /** This node was taken for dead meanwhile: add its live members back. */
  rejoin(): Promise<void>;
};

/** Entries read per SSCAN step and steps per dead node per sweep: the sweep's work is bounded. */
const SCAN_COUNT = 500;
const MAX_SCAN_STEPS = 1_000;
/** Leaves that failed (Redis briefly away) and are retried on the next beats. */
const MAX_PENDING_LEAVES = 100_000;

export class Liveness {
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly pending = new Map<string, { ch: string; client: string }>();

  constructor(
    private readonly cmd: Redis,
    private readonly nodeId: string,
    private readonly heartbeatMs: number,
    private readonly log: PresenceLogger,
    private readonly hooks: Hooks,
  ) {}

  async start(): Promise<void> {
    await this.register();
    await this.sweep();
    this.timer = setInterval(() => void this.beat(), Math.max(25, this.heartbeatMs / 2));
    this.timer.unref();
  }

  /** A leave that could not be written now: retried on the next beats (bounded). */
  leaveLater(ch: string, client: string): void {
    if (this.pending.size < MAX_PENDING_LEAVES) this.pending.set(`${client} ${ch}`, { ch, client });
  }

  /** Stops the heartbeat, then removes (and announces) every member this node still holds. */
  async stop(): Promise<void> {
    await this.halt();
    await this.expire(this.nodeId);
    await this.cmd.del(presenceKeys.live(this.nodeId));
  }

  /** Stops the heartbeat only: the members are left for the survivors' sweep. */
  async halt(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async register(): Promise<void> {
    // The key before the registration: a sweeper never sees a registered node without one.
    await this.cmd.set(presenceKeys.live(this.nodeId), "1", "PX", this.heartbeatMs);
    await this.cmd.sadd(presenceKeys.nodes, this.nodeId);
  }

  private async beat(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const refreshed = await this.cmd.pexpire(presenceKeys.live(this.nodeId), this.heartbeatMs);
      if (refreshed === 0) {
        this.log.warn({}, "presence: this node was taken for dead; adding its members back");
        await this.register();
        await this.hooks.rejoin();
      }
      for (const [key, { ch, client }] of this.pending) {
        await this.hooks.leave(ch, client);
        await this.cmd.srem(presenceKeys.index(this.nodeId), key);
        this.pending.delete(key);
      }
      await this.sweep();
    } catch (err) {
      this.log.warn({ err: errorText(err) }, "presence heartbeat failed");
    } finally {
      this.busy = false;
    }
  }

  /** Finds registered nodes whose liveness key expired and removes their members. */
  private async sweep(): Promise<void> {
    const nodes = await this.cmd.smembers(presenceKeys.nodes);
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      if ((await this.cmd.exists(presenceKeys.live(node))) === 1) continue;
      const removed = await this.expire(node);
      this.log.info({ node, removed }, "presence: removed the members of a node that stopped");
    }
  }

  /** Removes every member `node` indexed (announcing each leave), then forgets the node. */
  private async expire(node: string): Promise<number> {
    const index = presenceKeys.index(node);
    let cursor = "0";
    let removed = 0;
    for (let step = 0; step < MAX_SCAN_STEPS; step++) {
      const [next, entries] = await this.cmd.sscan(index, cursor, "COUNT", SCAN_COUNT);
      for (const entry of entries) {
        const e = parseIndexEntry(entry);
        if (e) removed += await this.hooks.leave(e.ch, e.client);
      }
      cursor = next;
      if (cursor === "0") break;
    }
    if (cursor !== "0") return removed; // more than the bound: the next sweep goes on
    await this.cmd.del(index);
    await this.cmd.srem(presenceKeys.nodes, node);
    return removed;
  }
}
