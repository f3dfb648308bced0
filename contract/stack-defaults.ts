// Default numbers per stack; stack-settings.ts validates them and merges Pulumi config over them.
import { SLO } from "./slo.js";
import type { Settings, StackName } from "./stack-schema.js";

const KiB = 1024;

const probes = {
  // 60 s to start (startup gates liveness), quick readiness flip, patient liveness.
  startup: { periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 1 },
  readiness: { periodSeconds: 2, failureThreshold: 2, timeoutSeconds: 1 },
  liveness: { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
};

/** Defaults per stack: dev is small with one Redis; prod carries the seed's numbers. */
export const DEFAULTS: Readonly<Record<StackName, Settings>> = Object.freeze({
  dev: {
    replicas: 2,
    hpa: {
      minReplicas: 2,
      maxReplicas: 4,
      cpuUtilizationPercent: 70,
      connectionsPerPod: 1500,
      scaleDownStabilizationSeconds: 300,
      scaleDownPods: 1,
      scaleDownPeriodSeconds: 120,
    },
    rollout: {
      maxSurge: 1,
      maxUnavailable: 0,
      minReadySeconds: 5,
      progressDeadlineSeconds: 180,
      revisionHistoryLimit: 5,
    },
    probes,
    shutdown: { drainSeconds: 10, shutdownDelaySeconds: 5, terminationGracePeriodSeconds: 30 },
    resources: {
      requests: { cpuMillis: 100, memoryMiB: 128 },
      // Memory holds the hub's bound: 2000 × 5200 KiB + 512 × 80 KiB + 96 MiB = 10293 MiB.
      // CPU leaves a burst room of a whole core: at 500m the kernel throttled a hub under heavy
      // but allowed publishing for most of each 100 ms period, and delivery p99 reached 0.5-0.9 s
      // (docs/infra.md, "The CPU limit leaves room for bursts").
      limits: { cpuMillis: 1000, memoryMiB: 10304 },
    },
    hub: {
      maxConnections: 2000,
      maxConnectionsPerIp: 200,
      maxPayloadBytes: 65536,
      maxSubscriptions: 100,
      maxPublishRate: 50,
      slowConsumerBytes: 1024 * KiB,
      maxConnectionBytes: 5120 * KiB,
      maxHttpSockets: 512,
      maxChannels: 100_000,
      heartbeatSeconds: 25,
      historySize: 100,
      historyTtlSeconds: 300,
      dedupeSeconds: 120,
      namespaces: {},
      maxPresenceMembers: 10000,
      presenceHeartbeatSeconds: 10,
    },
    redis: {
      mode: "single",
      replicas: 1,
      minReplicasAck: 0,
      sentinelQuorum: 1,
      cluster: { shards: 3, replicasPerShard: 1 },
      storageGiB: 1,
      resources: {
        requests: { cpuMillis: 50, memoryMiB: 64 },
        limits: { memoryMiB: 256 },
      },
    },
    alerts: {
      deliveryP99Ms: SLO.dev.deliveryP99Ms,
      errorRate: SLO.dev.errorRate,
      clientErrorRate: 0.05,
      eventLoopLagMs: 100,
      disconnectSpikePerSecond: 20,
    },
  },
  prod: {
    replicas: 6,
    hpa: {
      minReplicas: 6,
      maxReplicas: 60,
      cpuUtilizationPercent: 70,
      connectionsPerPod: 2400,
      scaleDownStabilizationSeconds: 600,
      scaleDownPods: 1,
      scaleDownPeriodSeconds: 120,
    },
    rollout: {
      maxSurge: 1,
      maxUnavailable: 1,
      minReadySeconds: 10,
      progressDeadlineSeconds: 300,
      revisionHistoryLimit: 10,
    },
    probes,
    shutdown: { drainSeconds: 25, shutdownDelaySeconds: 5, terminationGracePeriodSeconds: 45 },
    resources: {
      requests: { cpuMillis: 500, memoryMiB: 1024 },
      // Holds the hub's memory bound: 3000 × 848 KiB + 512 × 80 KiB + 96 MiB = 2621 MiB.
      limits: { cpuMillis: 2000, memoryMiB: 3072 },
    },
    hub: {
      maxConnections: 3000,
      maxConnectionsPerIp: 100,
      maxPayloadBytes: 65536,
      maxSubscriptions: 200,
      maxPublishRate: 100,
      slowConsumerBytes: 512 * KiB,
      maxConnectionBytes: 768 * KiB,
      maxHttpSockets: 512,
      maxChannels: 100_000,
      heartbeatSeconds: 25,
      historySize: 500,
      historyTtlSeconds: 3600,
      dedupeSeconds: 300,
      namespaces: {},
      maxPresenceMembers: 10000,
      presenceHeartbeatSeconds: 10,
    },
    redis: {
      mode: "sentinel",
      replicas: 3,
      minReplicasAck: 1,
      sentinelQuorum: 2,
      cluster: { shards: 3, replicasPerShard: 1 },
      storageGiB: 8,
      resources: {
        requests: { cpuMillis: 250, memoryMiB: 512 },
        limits: { memoryMiB: 1024 },
      },
    },
    alerts: {
      deliveryP99Ms: SLO.prod.deliveryP99Ms,
      errorRate: SLO.prod.errorRate,
      clientErrorRate: 0.05,
      eventLoopLagMs: 100,
      disconnectSpikePerSecond: 50,
    },
  },
});
