import {
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { RedisClusterContainer, type StartedRedisCluster } from "../testkit/redis-cluster.js";
import { REDIS_PORT, RedisContainer } from "../testkit/redis-container.js";
import { REDIS_IMAGE } from "./rig/index.js";

export { REDIS_PORT };

export const SENTINEL_NAME = "mymaster";
export const SENTINEL_PORT = 26379;

/** The Redis side of a topology: what hubs are given, and the containers behind it. */
export interface RedisSetup {
  mode: "single" | "sentinel" | "cluster";
  /** Hub env that points at it (REDIS_URL, or REDIS_SENTINELS + REDIS_SENTINEL_NAME). */
  env: Record<string, string>;
  /** Single: the server. Sentinel: [primary, replica, second replica]. */
  servers: StartedTestContainer[];
  sentinels: StartedTestContainer[];
  /** Network alias of each server, same order as `servers`. */
  aliases: string[];
  /** Cluster: the running cluster (its nodes are `servers`). */
  cluster?: StartedRedisCluster;
}

/** A Redis Cluster of 3 primaries with one replica each, on the topology's network. */
export async function startClusterRedis(
  network: StartedNetwork,
  labels: Record<string, string>,
): Promise<RedisSetup> {
  const cluster = await new RedisClusterContainer()
    .withPrimaries(3)
    .withReplicasPerPrimary(1)
    .withNetwork(network)
    .withLabels(labels)
    .start();
  return {
    mode: "cluster",
    env: { REDIS_CLUSTER_NODES: cluster.nodes },
    servers: cluster.all.map((n) => n.container),
    sentinels: [],
    aliases: cluster.all.map((n) => n.ip),
    cluster,
  };
}

function redisServer(
  network: StartedNetwork,
  alias: string,
  labels: Record<string, string>,
  args: string[],
): RedisContainer {
  return new RedisContainer()
    .withNetworkAlias(network, alias)
    .withLabels(labels)
    .withServerArgs(...args);
}

/** One Redis, no failover (the dev stack's shape). */
export async function startSingleRedis(
  network: StartedNetwork,
  labels: Record<string, string>,
): Promise<RedisSetup> {
  const server = await redisServer(network, "redis", labels, []).start();
  return {
    mode: "single",
    env: { REDIS_URL: `redis://redis:${REDIS_PORT}` },
    servers: [server],
    sentinels: [],
    aliases: ["redis"],
  };
}

function sentinelConf(quorum: number): string {
  return [
    `port ${SENTINEL_PORT}`,
    "sentinel resolve-hostnames yes",
    "sentinel announce-hostnames yes",
    `sentinel monitor ${SENTINEL_NAME} redis-a ${REDIS_PORT} ${quorum}`,
    // Fast failover so a scenario fits the budget; production Sentinels use longer windows.
    `sentinel down-after-milliseconds ${SENTINEL_NAME} 2000`,
    `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
    `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
    "",
  ].join("\n");
}

/**
 * A primary (`redis-a`), two replicas (`redis-b`, preferred for promotion, and `redis-c`) and
 * three Sentinels (quorum 2). The second replica is what a production Sentinel set has: after a
 * failover the new primary still has a replica to confirm writes (REDIS_MIN_REPLICAS) while the
 * old primary is being replaced.
 */
export async function startSentinelRedis(
  network: StartedNetwork,
  labels: Record<string, string>,
): Promise<RedisSetup> {
  const primary = await redisServer(network, "redis-a", labels, []).start();
  const replica = await redisServer(network, "redis-b", labels, [
    "--replicaof",
    "redis-a",
    String(REDIS_PORT),
  ]).start();
  const second = await redisServer(network, "redis-c", labels, [
    "--replicaof",
    "redis-a",
    String(REDIS_PORT),
    // Promoted only when redis-b cannot be: a scenario knows which replica becomes primary.
    "--replica-priority",
    "200",
  ]).start();
  const sentinels = await Promise.all(
    [1, 2, 3].map((i) =>
      new GenericContainer(REDIS_IMAGE)
        .withNetwork(network)
        .withNetworkAliases(`sentinel-${i}`)
        .withLabels(labels)
        // Sentinel rewrites its config file, so it lives in a writable place.
        .withCopyContentToContainer([{ content: sentinelConf(2), target: "/data/sentinel.conf" }])
        .withCommand(["redis-sentinel", "/data/sentinel.conf"])
        .withWaitStrategy(Wait.forLogMessage(/\+monitor master/))
        .withStartupTimeout(30_000)
        .start(),
    ),
  );
  return {
    mode: "sentinel",
    env: {
      REDIS_SENTINELS: [1, 2, 3].map((i) => `sentinel-${i}:${SENTINEL_PORT}`).join(","),
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
    },
    servers: [primary, replica, second],
    sentinels,
    aliases: ["redis-a", "redis-b", "redis-c"],
  };
}
