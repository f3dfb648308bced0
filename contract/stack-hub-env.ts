// A stack's settings as the hub's environment: shared by the Deployment and the chaos containers.
import type { HubSettingName } from "./hub-env.js";
import { HUB_INTERNAL_PORT, HUB_PORT } from "./ports.js";
import type { Settings } from "./stack-schema.js";

/** The hub's environment for these settings; keys are the hub's own names (hub-env.ts). */
export function hubEnv(s: Settings): Partial<Record<HubSettingName, string>> {
  const h = s.hub;
  return {
    PORT: String(HUB_PORT),
    INTERNAL_PORT: String(HUB_INTERNAL_PORT),
    MAX_CONNECTIONS: String(h.maxConnections),
    MAX_CONNECTIONS_PER_IP: String(h.maxConnectionsPerIp),
    MAX_PAYLOAD_BYTES: String(h.maxPayloadBytes),
    MAX_SUBSCRIPTIONS: String(h.maxSubscriptions),
    MAX_PUBLISH_RATE: String(h.maxPublishRate),
    SLOW_CONSUMER_BYTES: String(h.slowConsumerBytes),
    MAX_CONNECTION_BYTES: String(h.maxConnectionBytes),
    MAX_HTTP_SOCKETS: String(h.maxHttpSockets),
    MAX_CHANNELS: String(h.maxChannels),
    HEARTBEAT_SECONDS: String(h.heartbeatSeconds),
    HISTORY_SIZE: String(h.historySize),
    HISTORY_TTL_SECONDS: String(h.historyTtlSeconds),
    DEDUPE_SECONDS: String(h.dedupeSeconds),
    NAMESPACES: JSON.stringify(h.namespaces),
    MAX_PRESENCE_MEMBERS: String(h.maxPresenceMembers),
    PRESENCE_HEARTBEAT_SECONDS: String(h.presenceHeartbeatSeconds),
    DRAIN_SECONDS: String(s.shutdown.drainSeconds),
    SHUTDOWN_DELAY_SECONDS: String(s.shutdown.shutdownDelaySeconds),
    REDIS_MIN_REPLICAS: String(s.redis.minReplicasAck),
  };
}
