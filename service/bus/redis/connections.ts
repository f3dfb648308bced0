// The two ioredis connections of RedisBroker: how they connect and reconnect, and how they end.
import { Redis, type RedisOptions } from "ioredis";
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

/** The pause before reconnect attempt `times` (1, 2, ...): 100, 200, 400, 500 ms plus jitter. */
export function reconnectDelay(times: number, random: () => number = Math.random): number {
  return Math.min(50 * 2 ** Math.min(times, 4), RECONNECT_CAP_MS) + Math.floor(random() * 50);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
    client = new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.sentinelName,
      // Subscribes to +switch-master on the Sentinels and drops the connection to the old
      // primary the moment a failover ends, instead of writing to it until it fails.
      failoverDetector: true,
    });
    // ioredis ends the client for good when the failover detector closes it while it is still
    // asking a Sentinel for the primary (connect() rejects, status "end"): start over instead.
    const sentinelClient = client;
    sentinelClient.on("end", () => {
      if (stopped()) return;
      setTimeout(() => {
        if (!stopped() && sentinelClient.status === "end") sentinelClient.connect().catch(() => {});
      }, reconnectDelay(1));
    });
  } else if (target.url) {
    client = new Redis(target.url, options);
  } else {
    throw new ConfigError("the Redis broker needs REDIS_URL or REDIS_SENTINELS");
  }
  return client;
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
