// The Redis bus: one Redis (or a Sentinel-managed primary) shared by every hub node.
export { RedisBroker, type RedisBrokerOptions } from "./redis-broker.js";
export { RedisPresence, type RedisPresenceOptions } from "./redis-presence.js";
