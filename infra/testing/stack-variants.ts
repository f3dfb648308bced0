// Config variants of the shipped stacks that the render, policy and docs tests share, so each
// topology is rendered and checked the same way.
import type { ConfigOverrides } from "../render.js";

/**
 * prod on a Redis Cluster (3 shards × 1 replica): `wshub:settings` as docs/infra.md shows it.
 * Replaces the stack file's settings; its namespaces are the stack file's (presence on chat).
 */
export const REDIS_CLUSTER: ConfigOverrides = {
  settings: {
    redis: { mode: "cluster", cluster: { shards: 3, replicasPerShard: 1 }, minReplicasAck: 1 },
    hub: {
      namespaces: {
        chat: { presence: true, joinLeave: true, history: { size: 100, ttlSeconds: 600 } },
        feed: { clientPublish: false, history: false },
      },
    },
  },
};
