// The control plane on Redis: commands go out on one pub/sub channel every node listens to,
// answers come back on the sender's own channel, and a registry (a sorted set scored by Redis'
// own clock, so node clocks never matter) says which nodes are alive and must answer.
import { randomBytes } from "node:crypto";
import { Cluster, type Redis, type RedisOptions } from "ioredis";
import { UnavailableError } from "../../errors.js";
import type {
  ControlCommand,
  ControlHandler,
  ControlPlane,
  Gathered,
  NodeAnswer,
} from "../control.js";
import { GatherTable, HandlerRunner } from "../control-gather.js";
import {
  CONNECT_TIMEOUT_MS,
  createRedisClient,
  errorText,
  quit,
  type RedisTarget,
  reconnectDelay,
} from "./connections.js";

export const CONTROL_CHANNEL = "wshub:ctl";
const REPLY_PREFIX = "wshub:ctl:reply:";
export const NODE_REGISTRY_KEY = "wshub:nodes";

// Scores are expiry times on Redis' clock; expired members are dropped on every heartbeat.
const REGISTER_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 1`;
const LIVE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')`;

export type RedisControlOptions = RedisTarget & {
  /** On a Redis Cluster (REDIS_CLUSTER_NODES): classic pub/sub reaches every node of a cluster. */
  clusterNodes?: { host: string; port: number }[];
  /** How long a node stays in the registry without a heartbeat (NODE_TTL_SECONDS), in ms. */
  nodeTtlMs: number;
  commandTimeoutMs?: number;
  startTimeoutMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
};

type ControlClient = Redis & {
  wshubRegister(key: string, node: string, ttlMs: string): Promise<number>;
  wshubLive(key: string): Promise<string[]>;
};

type Request = { id: string; from: string; kind: string; body: Record<string, unknown> };
type Reply = { id: string; answer: NodeAnswer };

export class RedisControlPlane implements ControlPlane {
  readonly kind = "redis";
  readonly nodeId: string;
  private readonly cmd: ControlClient;
  private readonly sub: Redis;
  private readonly table = new GatherTable();
  private readonly runner: HandlerRunner;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: RedisControlOptions) {
    this.nodeId = options.nodeId;
    this.runner = new HandlerRunner(options.nodeId);
    const extra = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 1_000,
    };
    const stopped = () => this.stopped;
    const client = (role: string, more: RedisOptions): Redis =>
      options.clusterNodes
        ? clusterClient(options, role, stopped, more)
        : createRedisClient(options, role, stopped, more);
    this.cmd = client("ctl", extra) as ControlClient;
    this.cmd.defineCommand("wshubRegister", { numberOfKeys: 1, lua: REGISTER_SCRIPT });
    this.cmd.defineCommand("wshubLive", { numberOfKeys: 1, lua: LIVE_SCRIPT });
    this.sub = client("ctl-sub", {
      ...extra,
      autoResubscribe: true,
    });
    for (const c of [this.cmd, this.sub]) {
      c.on("error", (err: Error) => {
        if (!this.stopped)
          options.logger?.warn({ err: errorText(err) }, "control plane connection error");
      });
    }
    this.sub.on("message", (channel: string, payload: string) => this.onPayload(channel, payload));
  }

  async start(handler: ControlHandler): Promise<void> {
    this.runner.set(handler);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    await Promise.all([this.cmd.connect(), this.sub.connect()]).catch(() => {});
    for (;;) {
      try {
        await this.sub.subscribe(CONTROL_CHANNEL, REPLY_PREFIX + this.nodeId);
        await this.register();
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          await this.stop();
          throw new UnavailableError(
            `the control plane could not join Redis (${errorText(err)}): check REDIS_URL, then restart`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Three heartbeats per TTL: one lost heartbeat never drops a live node.
    this.heartbeat = setInterval(
      () => {
        this.register().catch((err: unknown) =>
          this.options.logger?.warn({ err: errorText(err) }, "node registry heartbeat failed"),
        );
      },
      Math.max(100, Math.floor(this.options.nodeTtlMs / 3)),
    );
  }

  private async register(): Promise<void> {
    await this.cmd.wshubRegister(NODE_REGISTRY_KEY, this.nodeId, String(this.options.nodeTtlMs));
  }

  async gather(cmd: ControlCommand, timeoutMs: number): Promise<Gathered> {
    if (this.stopped) throw new UnavailableError("the node is stopping: retry on another node");
    this.table.assertRoom();
    let live: string[];
    try {
      live = await this.cmd.wshubLive(NODE_REGISTRY_KEY);
    } catch (err) {
      throw new UnavailableError(
        `the node registry in Redis cannot be read (${errorText(err)}): retry later`,
        { cause: err },
      );
    }
    const id = randomBytes(8).toString("hex");
    const done = this.table.open(id, new Set([...live, this.nodeId]), timeoutMs);
    const request: Request = { id, from: this.nodeId, kind: cmd.kind, body: cmd.body };
    try {
      await this.cmd.publish(CONTROL_CHANNEL, JSON.stringify(request));
    } catch (err) {
      // Nobody got it: the answer would only be a timeout later.
      this.table.close(id);
      throw new UnavailableError(
        `the command could not be sent on Redis (${errorText(err)}): retry later`,
        { cause: err },
      );
    }
    return done;
  }

  private onPayload(channel: string, payload: string): void {
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return;
    }
    if (typeof value !== "object" || value === null) return;
    if (channel === CONTROL_CHANNEL) {
      const r = value as Partial<Request>;
      if (typeof r.id !== "string" || typeof r.from !== "string" || typeof r.kind !== "string")
        return;
      const body = typeof r.body === "object" && r.body !== null ? r.body : {};
      const { id, from } = r;
      void this.runner.run(r.kind, body).then((answer) => {
        if (this.stopped) return;
        const reply: Reply = { id, answer };
        this.cmd.publish(REPLY_PREFIX + from, JSON.stringify(reply)).catch(() => {
          // The asker counts this node as missing: its answer is partial, as documented.
        });
      });
      return;
    }
    const reply = value as Partial<Reply>;
    const a = reply.answer;
    if (typeof reply.id !== "string" || typeof a !== "object" || a === null) return;
    if (typeof a.node !== "string") return;
    this.table.answer(reply.id, a);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.table.closeAll();
    // Leave the registry at once, so the others stop waiting for this node.
    if (this.cmd.status === "ready")
      await this.cmd.zrem(NODE_REGISTRY_KEY, this.nodeId).catch(() => {});
    await Promise.all([quit(this.cmd), quit(this.sub)]);
  }
}

/** A cluster connection with the same options (the ControlClient surface is the same on both). */
function clusterClient(
  options: RedisControlOptions,
  role: string,
  stopped: () => boolean,
  extra: RedisOptions,
): Redis {
  const password = options.password?.();
  // The cluster keeps its own offline queue (needed by its ready check); not per node.
  const { enableOfflineQueue: _queue, ...nodeOptions } = extra;
  const cluster = new Cluster(options.clusterNodes ?? [], {
    lazyConnect: true,
    enableOfflineQueue: true,
    slotsRefreshInterval: 1000,
    clusterRetryStrategy: (times) => (stopped() ? null : reconnectDelay(times)),
    redisOptions: {
      ...nodeOptions,
      connectTimeout: CONNECT_TIMEOUT_MS,
      connectionName: `wshub:${options.nodeId}:${role}`,
      ...(password === undefined ? {} : { password }),
    },
  });
  return cluster as unknown as Redis;
}
