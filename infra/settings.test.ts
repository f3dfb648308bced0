import { describe, expect, it } from "vitest";
import slo from "../loadtests/slo.json" with { type: "json" };
import {
  GRACE_MARGIN_SECONDS,
  hubEnv,
  parseStackName,
  SettingsError,
  settingsFor,
} from "./settings.js";

const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SettingsError) return [...err.issues, err.message];
    throw err;
  }
  return [];
};

describe("settingsFor", () => {
  it("gives prod the seed's rollout numbers and its SLO-derived alerts", () => {
    const s = settingsFor("prod");
    expect(s.replicas).toBe(6);
    expect(s.rollout).toMatchObject({ maxSurge: 1, maxUnavailable: 1 });
    expect(s.alerts.deliveryP99Ms).toBe(800);
    expect(s.alerts.deliveryP99Ms).toBe(slo.prod.deliveryP99Ms);
    expect(s.alerts.eventLoopLagMs).toBe(100);
    expect(s.redis).toMatchObject({ mode: "sentinel", replicas: 3 });
    expect(s.slo).toEqual(slo.prod);
  });

  it("gives dev a single Redis without Sentinel", () => {
    const s = settingsFor("dev");
    expect(s.redis).toMatchObject({ mode: "single", replicas: 1, minReplicasAck: 0 });
    expect(s.alerts.deliveryP99Ms).toBe(slo.dev.deliveryP99Ms);
  });

  it("keeps the grace period above drain + delay + margin in both stacks", () => {
    for (const stack of ["dev", "prod"] as const) {
      const { drainSeconds, shutdownDelaySeconds, terminationGracePeriodSeconds } =
        settingsFor(stack).shutdown;
      expect(terminationGracePeriodSeconds).toBeGreaterThan(
        drainSeconds + shutdownDelaySeconds + GRACE_MARGIN_SECONDS,
      );
    }
  });

  it("merges overrides deeply and leaves the other values at their defaults", () => {
    const s = settingsFor("prod", { replicas: 8, hpa: { maxReplicas: 30 } });
    expect(s.replicas).toBe(8);
    expect(s.hpa.maxReplicas).toBe(30);
    expect(s.hpa.minReplicas).toBe(6);
    expect(settingsFor("prod").replicas).toBe(6);
  });

  it("refuses a grace period that does not cover drain + delay + margin", () => {
    const issues = issuesOf(() =>
      settingsFor("prod", { shutdown: { terminationGracePeriodSeconds: 35 } }),
    );
    expect(issues.join("\n")).toMatch(/terminationGracePeriodSeconds: 35 s must exceed/);
    expect(() =>
      settingsFor("prod", { shutdown: { terminationGracePeriodSeconds: 36 } }),
    ).not.toThrow();
  });

  it("refuses a shutdown delay shorter than the readiness probe needs to notice", () => {
    const issues = issuesOf(() =>
      settingsFor("prod", { probes: { readiness: { periodSeconds: 5, failureThreshold: 3 } } }),
    );
    expect(issues.join("\n")).toMatch(/shutdownDelaySeconds/);
  });

  it("names unknown keys and wrong types with their path", () => {
    const issues = issuesOf(() =>
      settingsFor("prod", { hpa: { maxReplica: 3 }, replicas: "six" } as never),
    );
    expect(issues.some((i) => i.startsWith("hpa:") && i.includes("maxReplica"))).toBe(true);
    expect(issues.some((i) => i.startsWith("replicas:"))).toBe(true);
  });

  it.each([
    [{ rollout: { maxSurge: 0, maxUnavailable: 0 } }, /cannot both be 0/],
    [{ rollout: { maxUnavailable: 6 } }, /maxUnavailable must be below replicas/],
    [{ rollout: { progressDeadlineSeconds: 10 } }, /progressDeadlineSeconds must exceed/],
    [{ hpa: { minReplicas: 10 } }, /minReplicas must not exceed|within/],
    [{ hpa: { connectionsPerPod: 20000 } }, /connectionsPerPod must be below/],
    [{ redis: { replicas: 4 } }, /odd number/],
    [{ redis: { sentinelQuorum: 1 } }, /majority/],
    [{ redis: { minReplicasAck: 3 } }, /minReplicasAck cannot exceed/],
    [{ resources: { limits: { memoryMiB: 64 } } }, /limits.memoryMiB/],
    [{ probes: { liveness: { timeoutSeconds: 20 } } }, /liveness.timeoutSeconds/],
  ])("refuses %j", (overrides, message) => {
    expect(issuesOf(() => settingsFor("prod", overrides)).join("\n")).toMatch(message);
  });

  it("refuses a dev single Redis with more than one replica", () => {
    expect(issuesOf(() => settingsFor("dev", { redis: { replicas: 3 } })).join("\n")).toMatch(
      /mode single runs exactly 1 replica/,
    );
  });

  it("returns frozen settings so importers cannot change shared numbers", () => {
    const s = settingsFor("prod");
    expect(Object.isFrozen(s.rollout)).toBe(true);
    expect(() => {
      (s.rollout as { maxSurge: number }).maxSurge = 3;
    }).toThrow(TypeError);
  });
});

describe("parseStackName", () => {
  it("accepts the shipped stacks and names them when refusing another", () => {
    expect(parseStackName("dev")).toBe("dev");
    expect(() => parseStackName("staging")).toThrow(/use one of dev, prod/);
  });
});

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
      HEARTBEAT_SECONDS: String(s.hub.heartbeatSeconds),
      HISTORY_SIZE: String(s.hub.historySize),
      HISTORY_TTL_SECONDS: String(s.hub.historyTtlSeconds),
      DEDUPE_SECONDS: String(s.hub.dedupeSeconds),
      NAMESPACES: "{}",
      MAX_PRESENCE_MEMBERS: "10000",
      PRESENCE_HEARTBEAT_SECONDS: "10",
      DRAIN_SECONDS: "25",
      SHUTDOWN_DELAY_SECONDS: "5",
      REDIS_MIN_REPLICAS: "1",
    });
  });
});
