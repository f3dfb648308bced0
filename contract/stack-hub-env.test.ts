import { describe, expect, it } from "vitest";
import { isHubEnvName } from "./hub-env.js";
import { hubEnv } from "./stack-hub-env.js";
import { settingsFor } from "./stack-settings.js";

describe("hubEnv", () => {
  it("maps every shared number to the hub's environment names", () => {
    const s = settingsFor("prod");
    expect(hubEnv(s)).toEqual({
      PORT: "8080",
      INTERNAL_PORT: "9091",
      MAX_CONNECTIONS: String(s.hub.maxConnections),
      MAX_CONNECTIONS_PER_IP: String(s.hub.maxConnectionsPerIp),
      MAX_PAYLOAD_BYTES: String(s.hub.maxPayloadBytes),
      MAX_SUBSCRIPTIONS: String(s.hub.maxSubscriptions),
      MAX_PUBLISH_RATE: String(s.hub.maxPublishRate),
      SLOW_CONSUMER_BYTES: String(s.hub.slowConsumerBytes),
      MAX_CONNECTION_BYTES: String(s.hub.maxConnectionBytes),
      MAX_HTTP_SOCKETS: String(s.hub.maxHttpSockets),
      MAX_CHANNELS: String(s.hub.maxChannels),
      HEARTBEAT_SECONDS: String(s.hub.heartbeatSeconds),
      HISTORY_SIZE: String(s.hub.historySize),
      HISTORY_TTL_SECONDS: String(s.hub.historyTtlSeconds),
      DEDUPE_SECONDS: String(s.hub.dedupeSeconds),
      NAMESPACES: JSON.stringify(s.hub.namespaces),
      MAX_PRESENCE_MEMBERS: String(s.hub.maxPresenceMembers),
      PRESENCE_HEARTBEAT_SECONDS: String(s.hub.presenceHeartbeatSeconds),
      DRAIN_SECONDS: "25",
      SHUTDOWN_DELAY_SECONDS: "5",
      REDIS_MIN_REPLICAS: "1",
    });
  });

  it("passes the memory bounds the pod limit was checked against", () => {
    for (const stack of ["dev", "prod"] as const) {
      const s = settingsFor(stack);
      const env = hubEnv(s);
      expect(Number(env.MAX_CONNECTION_BYTES)).toBe(s.hub.maxConnectionBytes);
      expect(Number(env.MAX_HTTP_SOCKETS)).toBe(s.hub.maxHttpSockets);
      expect(Number(env.MAX_CONNECTIONS)).toBe(s.hub.maxConnections);
      for (const name of Object.keys(env)) expect(isHubEnvName(name), name).toBe(true);
    }
  });
});
