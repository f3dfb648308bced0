import { describe, expect, it } from "vitest";
import { MIN_CLUSTER_SHARDS, redisPodCount } from "./redis-topology.js";
import { SettingsError, settingsFor } from "./stack-settings.js";

const issuesOf = (overrides: unknown): string => {
  try {
    settingsFor("prod", overrides);
  } catch (err) {
    if (err instanceof SettingsError) return err.issues.join("\n");
    throw err;
  }
  return "";
};

const cluster = (c: object, more: object = {}) => ({
  redis: { mode: "cluster", cluster: c, ...more },
});

describe("redis mode cluster", () => {
  it("accepts 3 shards × 1 replica and runs 6 pods", () => {
    const s = settingsFor("prod", cluster({ shards: 3, replicasPerShard: 1 }));
    expect(s.redis.mode).toBe("cluster");
    expect(redisPodCount(s.redis)).toBe(6);
    expect(
      redisPodCount(settingsFor("prod", cluster({ shards: 5, replicasPerShard: 2 })).redis),
    ).toBe(15);
  });

  it("counts the StatefulSet's replicas for the other topologies", () => {
    expect(redisPodCount(settingsFor("prod").redis)).toBe(3);
    expect(redisPodCount(settingsFor("dev").redis)).toBe(1);
  });

  it("refuses fewer than 3 shards, naming the field and the way out", () => {
    expect(MIN_CLUSTER_SHARDS).toBe(3);
    expect(issuesOf(cluster({ shards: 2 }))).toMatch(
      /^redis\.cluster\.shards: 2 is too few; a Redis Cluster needs at least 3 shards.*or use redis\.mode sentinel$/m,
    );
    expect(issuesOf(cluster({ shards: 3 }))).toBe("");
  });

  it("refuses a shard without a replica", () => {
    expect(issuesOf(cluster({ replicasPerShard: 0 }, { minReplicasAck: 0 }))).toMatch(
      /^redis\.cluster\.replicasPerShard: 0 leaves a shard with no replica.*set at least 1$/m,
    );
  });

  it("refuses a REDIS_MIN_REPLICAS the shard cannot acknowledge", () => {
    expect(issuesOf(cluster({ replicasPerShard: 1 }, { minReplicasAck: 2 }))).toMatch(
      /^redis\.minReplicasAck: 2 exceeds redis\.cluster\.replicasPerShard \(1\).*lower it to at most 1$/m,
    );
    expect(issuesOf(cluster({ replicasPerShard: 2 }, { minReplicasAck: 2 }))).toBe("");
  });

  it("accepts namespaces with presence (the cluster bus carries presence by hash tag)", () => {
    expect(
      issuesOf({
        ...cluster({}),
        hub: {
          namespaces: { chat: { presence: true, joinLeave: true }, feed: { presence: false } },
        },
      }),
    ).toBe("");
  });

  it("ignores the cluster block in the other modes", () => {
    expect(issuesOf({ redis: { cluster: { shards: 1, replicasPerShard: 0 } } })).toBe("");
  });
});
