// The Redis bus: one Redis, a Sentinel-managed primary, or a Redis Cluster, shared by every hub node.
export { RedisClusterBroker, type RedisClusterBrokerOptions } from "./cluster-broker.js";
export { type RedisControlOptions, RedisControlPlane } from "./control-redis.js";
export { keySlot } from "./key-slot.js";
export { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
export { RedisPresence, type RedisPresenceOptions } from "./redis-presence.js";
