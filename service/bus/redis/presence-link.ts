// How a presence store reaches Redis: the command connection with the join/leave scripts, and the
// pub/sub its join/leave events travel on. One Redis or a Sentinel-managed primary: classic
// pub/sub on a second connection (here); a Redis Cluster: sharded pub/sub (cluster-presence.ts).
import type { Redis, RedisOptions } from "ioredis";
import { UnavailableError } from "../../errors.js";
import { createRedisClient, errorText, quit, type RedisTarget } from "./connections.js";
import type { PresenceLogger } from "./presence-liveness.js";
import { EVENTS_PREFIX, JOIN_SCRIPT, LEAVE_SCRIPT, presenceKeys } from "./presence-lua.js";

/** The command connection with presence's two scripts defined on it. */
export type PresenceClient = Redis & {
  wshubJoin(key: string, client: string, json: string, max: string, ev: string): Promise<number>;
  wshubLeave(key: string, client: string, ev: string): Promise<number>;
};

export interface PresenceLink {
  readonly cmd: PresenceClient;
  /** The channel the scripts announce `ch`'s join and leave events on. */
  eventsChannel(ch: string): string;
  /** Whether commands may be sent now (false: refuse them at once rather than queue them). */
  usable(): boolean;
  /** Connects; rejects with UnavailableError when Redis cannot be reached. */
  connect(): Promise<void>;
  /** Receives `ch`'s events from now on; resolves once Redis confirmed the subscription. */
  watch(ch: string): Promise<void>;
  unwatch(ch: string): Promise<void>;
  close(): Promise<void>;
}

export type PresenceLinkContext = {
  log: PresenceLogger;
  stopped(): boolean;
  /** An event payload published for `ch`. */
  onEvent(ch: string, payload: string): void;
};

/** What every presence command connection is: no queue, no retry, a bounded wait. */
export function presenceCommandOptions(commandTimeoutMs: number | undefined): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs ?? 2000,
  };
}

/** Presence on one Redis (URL or Sentinel): classic PUBLISH/SUBSCRIBE. */
export class SinglePresenceLink implements PresenceLink {
  readonly cmd: PresenceClient;
  private readonly sub: Redis;

  constructor(target: RedisTarget, commandTimeoutMs: number | undefined, c: PresenceLinkContext) {
    const extra = presenceCommandOptions(commandTimeoutMs);
    const client = (role: string, more: RedisOptions): Redis => {
      const r = createRedisClient(target, role, c.stopped, more);
      r.on("error", (err: Error) => {
        if (!c.stopped())
          c.log.warn({ role, err: errorText(err) }, "redis presence connection error");
      });
      return r;
    };
    this.cmd = client("presence", extra) as PresenceClient;
    this.cmd.defineCommand("wshubJoin", { numberOfKeys: 1, lua: JOIN_SCRIPT });
    this.cmd.defineCommand("wshubLeave", { numberOfKeys: 1, lua: LEAVE_SCRIPT });
    this.sub = client("presence-sub", { ...extra, autoResubscribe: true });
    this.sub.on("message", (channel: string, payload: string) => {
      if (channel.startsWith(EVENTS_PREFIX))
        c.onEvent(channel.slice(EVENTS_PREFIX.length), payload);
    });
  }

  eventsChannel(ch: string): string {
    return presenceKeys.events(ch);
  }

  /** Always: these clients have no offline queue and refuse commands themselves when down. */
  usable(): boolean {
    return true;
  }

  async connect(): Promise<void> {
    await Promise.all([this.cmd.connect(), this.sub.connect()]).catch((err: unknown) => {
      throw new UnavailableError(`presence cannot reach Redis (${errorText(err)}): retry later`, {
        cause: err,
      });
    });
  }

  async watch(ch: string): Promise<void> {
    await this.sub.subscribe(presenceKeys.events(ch));
  }

  async unwatch(ch: string): Promise<void> {
    await this.sub.unsubscribe(presenceKeys.events(ch));
  }

  async close(): Promise<void> {
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }
}
