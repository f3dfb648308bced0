// The two ioredis connections of RedisBroker: how they connect and reconnect, and how they end.
import { lookup } from "node:dns/promises";
import { type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import { ConfigError } from "../../errors.js";

export type RedisTarget = {
  url?: string;
  sentinels?: { host: string; port: number }[];
  sentinelName?: string;
  password?: () => string | undefined;
  nodeId: string;
};

/**
 * How long one connect attempt may take. A live Redis next to the hub answers in milliseconds;
 * an attempt at a primary that just died (its address gone) would otherwise hang this long while
 * Sentinel already names the new one.
 */
export const CONNECT_TIMEOUT_MS = 1000;
/** The longest pause between reconnect attempts, so a promoted primary is found within it. */
export const RECONNECT_CAP_MS = 500;
const SWITCH_MASTER = "+switch-master";

/** The pause before reconnect attempt `times` (1, 2, ...): 100, 200, 400, 500 ms plus jitter. */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  return Math.min(50 * 2 ** Math.min(times, 4), RECONNECT_CAP_MS) + Math.floor(random() * 50);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const switched = new WeakSet<Redis>();

/**
 * Moves `client` to the new primary the moment a Sentinel announces +switch-master, instead of
 * waiting for its connection to the old one to fail and its backoff to run out. ioredis' own
 * `failoverDetector` is not used: it also drops a connection that already reached the new
 * primary when a slower Sentinel repeats the announcement, and ends the client for good when the
 * announcement arrives while it is asking a Sentinel for the primary.
 */
function followSwitches(
  client: Redis,
  sentinels: { host: string; port: number }[],
  name: string,
  stopped: () => boolean,
): void {
  const watchers = sentinels.map(
    (s) =>
      new Redis({
        host: s.host,
        port: s.port,
        lazyConnect: true,
        connectTimeout: CONNECT_TIMEOUT_MS,
        retryStrategy: (times) => (stopped() ? null : reconnectDelay(times)),
      }),
  );
  const onSwitch = async (payload: string) => {
    const [master, , , host, port] = payload.split(" ");
    if (master !== name || !host || stopped()) return;
    const stream = client.stream as Redis["stream"] | undefined;
    if (client.status === "ready" && stream?.remotePort === Number(port)) {
      const target = await lookup(host).catch(() => undefined);
      // Already on the new primary (a slower Sentinel repeating the news): keep the connection.
      if (target && stream.remoteAddress?.replace(/^::ffff:/, "") === target.address) return;
    }
    if (client.status === "reconnecting") {
      // The pending backoff timer will find the client connecting and do nothing.
      client.connect().catch(() => {});
    } else if (client.status === "ready" || client.status === "connect") {
      switched.add(client);
      client.disconnect(true);
    }
    // "connecting": it is asking a Sentinel right now and will get the new primary.
  };
  for (const w of watchers) {
    w.on("error", () => {});
    w.on("message", (channel: string, payload: string) => {
      if (channel === SWITCH_MASTER) void onSwitch(payload);
    });
  }
  client.once("connecting", () => {
    for (const w of watchers) w.subscribe(SWITCH_MASTER).catch(() => {});
  });
  client.on("end", () => {
    if (stopped()) {
      for (const w of watchers) w.disconnect();
      return;
    }
    // ioredis ends a Sentinel client for good when its connect is cut while it is asking a
    // Sentinel for the primary (connect() rejects with status "end"): start over instead.
    setTimeout(() => {
      if (!stopped() && client.status === "end") client.connect().catch(() => {});
    }, reconnectDelay(1));
  });
}

/**
 * A lazy client for `target` that reconnects forever with a capped backoff until `stopped()`,
 * reading the password again before every reconnect. Its "error" events are the caller's to handle.
 */
export function createRedisClient(
  target: RedisTarget,
  role: string,
  stopped: () => boolean,
  extra: RedisOptions,
): Redis {
  let client: Redis | undefined;
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // ioredis arms this timer even for a stream that is already closed; keep it short.
    disconnectTimeout: 200,
    connectionName: `wshub:${target.nodeId}:${role}`,
    retryStrategy: (times) => {
      if (stopped()) return null;
      if (client && switched.has(client)) {
        // Sentinel named a new primary: go now, no backoff.
        switched.delete(client);
        return 0;
      }
      // The password file may have been rotated since the last connect.
      const password = target.password?.();
      if (client && password !== undefined) client.options.password = password;
      return reconnectDelay(times);
    },
    ...extra,
  };
  const password = target.password?.();
  if (password !== undefined) options.password = password;
  if (target.sentinels && target.sentinels.length > 0) {
    if (!target.sentinelName)
      throw new ConfigError("Sentinel mode needs the primary's name: set REDIS_SENTINEL_NAME");
    // The password protects the data nodes only; Sentinels are asked without one.
    client = new Redis({ ...options, sentinels: target.sentinels, name: target.sentinelName });
    followSwitches(client, target.sentinels, target.sentinelName, stopped);
  } else if (target.url) {
    client = new Redis(target.url, options);
  } else {
    throw new ConfigError("the Redis broker needs REDIS_URL or REDIS_SENTINELS");
  }
  return client;
}

/**
 * A Redis Cluster client's options, the same for the broker and presence: slots looked up again
 * every second, failovers and TRYAGAIN retried briefly, reconnects until `stopped()`.
 * `redisOptions` (each node connection's) come on top of the connect and disconnect timeouts.
 */
export function clusterOptions(
  stopped: () => boolean,
  redisOptions: RedisOptions,
  password: string | undefined,
): ClusterOptions {
  return {
    lazyConnect: true,
    // Needed by ioredis' own ready check (CLUSTER INFO while node connections still open);
    // commands are only sent once the cluster is ready (the owner's usable check).
    enableOfflineQueue: true,
    enableReadyCheck: true,
    // A moved or failed-over slot is found again within a second even with no traffic on it.
    slotsRefreshInterval: 1000,
    slotsRefreshTimeout: CONNECT_TIMEOUT_MS,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 50,
    clusterRetryStrategy: (times) => (stopped() ? null : reconnectDelay(times)),
    redisOptions: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      disconnectTimeout: 200,
      ...redisOptions,
      ...(password === undefined ? {} : { password }),
    },
  };
}

/** QUIT, or a hard disconnect when Redis does not answer within a second. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === "end") return;
  if (client.status === "reconnecting") {
    // No socket is open; disconnect() cancels the pending reconnect timer (the status stays).
    client.disconnect();
    return;
  }
  if (client.status === "ready") {
    await Promise.race([client.quit().catch(() => {}), ended(client, 1000)]);
  }
  // QUIT may have ended it meanwhile; the compiler cannot see that.
  if ((client.status as string) !== "end") client.disconnect();
  await ended(client, 1000);
}

/** Resolves once the client reached "end", or after ms. */
function ended(client: Redis, ms: number): Promise<void> {
  if (client.status === "end") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off("end", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    client.on("end", done);
  });
}
