// What each Redis topology of the settings (redis.mode) needs beyond its fields' shapes, and how
// many Redis pods it runs. Rules that only concern sentinel/single stay in stack-settings.ts.
import type { Settings } from "./stack-schema.js";

/** Fewest shards of a Redis Cluster: its failover needs a majority of primaries to agree. */
export const MIN_CLUSTER_SHARDS = 3;

/** The Redis pods a topology runs: shards × (1 + replicas per shard) for a cluster. */
export function redisPodCount(r: Settings["redis"]): number {
  return r.mode === "cluster" ? r.cluster.shards * (1 + r.cluster.replicasPerShard) : r.replicas;
}

/** What is wrong with a cluster topology; each message names the field and what to set. */
export function redisClusterIssues(s: Settings): string[] {
  const r = s.redis;
  if (r.mode !== "cluster") return [];
  const issues: string[] = [];
  const { shards, replicasPerShard } = r.cluster;
  if (shards < MIN_CLUSTER_SHARDS) {
    issues.push(
      `redis.cluster.shards: ${shards} is too few; a Redis Cluster needs at least ${MIN_CLUSTER_SHARDS} shards (a majority of primaries decides a failover), or use redis.mode sentinel`,
    );
  }
  if (replicasPerShard < 1) {
    issues.push(
      "redis.cluster.replicasPerShard: 0 leaves a shard with no replica to fail over to (its channels stop with its primary); set at least 1",
    );
  }
  if (r.minReplicasAck > replicasPerShard) {
    issues.push(
      `redis.minReplicasAck: ${r.minReplicasAck} exceeds redis.cluster.replicasPerShard (${replicasPerShard}); a publish waits for replicas of its own shard only (REDIS_MIN_REPLICAS), so lower it to at most ${replicasPerShard}`,
    );
  }
  return issues;
}
