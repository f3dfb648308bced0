// The Redis bus: one Redis (or a Sentinel-managed primary) shared by every hub node.

export { type RedisControlOptions, RedisControlPlane } from "./control-redis.js";
export { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
