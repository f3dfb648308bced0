// The shape of one stack's deployment settings, validated field by field. The defaults
// (stack-defaults.ts) and the rules that span fields (stack-settings.ts) build on it.
import { z } from "zod";
import { namespaceProblems, namespacesSchema } from "./namespaces.js";

/** The stacks this template ships. */
export const STACKS = ["dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];

const count = z.int().min(0);
const positive = z.int().min(1);

const probeSchema = z.strictObject({
  periodSeconds: positive,
  failureThreshold: positive,
  timeoutSeconds: positive,
});

const resourcesSchema = z.strictObject({
  /** CPU in millicores, memory in MiB: numbers so they can be compared and reused by docker. */
  requests: z.strictObject({ cpuMillis: positive, memoryMiB: positive }),
  limits: z.strictObject({ cpuMillis: positive.optional(), memoryMiB: positive }),
});

export const settingsSchema = z.strictObject({
  replicas: positive,
  hpa: z.strictObject({
    minReplicas: positive,
    maxReplicas: positive,
    cpuUtilizationPercent: z.int().min(10).max(100),
    /** Target of the Pods metric `wshub_connections` (average per pod). */
    connectionsPerPod: positive,
    /** Long window so a traffic dip does not churn WebSockets by removing pods. */
    scaleDownStabilizationSeconds: count.max(3600),
    /** At most this many pods removed per scaleDownPeriodSeconds. */
    scaleDownPods: positive,
    scaleDownPeriodSeconds: positive.max(1800),
  }),
  rollout: z.strictObject({
    maxSurge: count,
    maxUnavailable: count,
    minReadySeconds: count,
    progressDeadlineSeconds: positive,
    revisionHistoryLimit: count,
  }),
  probes: z.strictObject({ startup: probeSchema, readiness: probeSchema, liveness: probeSchema }),
  shutdown: z.strictObject({
    drainSeconds: positive,
    shutdownDelaySeconds: count,
    terminationGracePeriodSeconds: positive,
  }),
  resources: resourcesSchema,
  hub: z.strictObject({
    maxConnections: positive,
    maxConnectionsPerIp: positive,
    maxPayloadBytes: positive,
    maxSubscriptions: positive,
    maxPublishRate: positive,
    slowConsumerBytes: positive,
    /** Every byte one connection may hold (MAX_CONNECTION_BYTES); at least 16 KiB, as the hub requires. */
    maxConnectionBytes: z.int().min(16 * 1024),
    /** TCP connections read as HTTP before the upgrade (MAX_HTTP_SOCKETS). */
    maxHttpSockets: positive,
    /** Channels one node creates per history TTL on Redis (MAX_CHANNELS). */
    maxChannels: positive,
    heartbeatSeconds: positive,
    historySize: count,
    historyTtlSeconds: positive,
    dedupeSeconds: positive,
    /** Per-namespace channel options (NAMESPACES): history, presence, joinLeave, clientPublish, recover. */
    namespaces: namespacesSchema.superRefine((value, ctx) => {
      for (const message of namespaceProblems(value, "hub.namespaces"))
        ctx.addIssue({ code: "custom", message });
    }),
    maxPresenceMembers: positive,
    presenceHeartbeatSeconds: positive,
  }),
  redis: z.strictObject({
    /**
     * `sentinel`: a primary, replicas and one Sentinel per pod; `single`: one Redis, no failover;
     * `cluster`: a Redis Cluster of `cluster.shards` primaries with `cluster.replicasPerShard`
     * replicas each (the hub's sharded bus, REDIS_CLUSTER_NODES).
     */
    mode: z.enum(["sentinel", "single", "cluster"]),
    /** Pods of the sentinel/single StatefulSet; a cluster's pod count comes from `cluster`. */
    replicas: positive,
    /** Replicas that must acknowledge a write (REDIS_MIN_REPLICAS for the hub's WAIT). */
    minReplicasAck: count,
    sentinelQuorum: positive,
    /** Read in mode `cluster` only: at least 3 shards, each a primary with its replicas. */
    cluster: z.strictObject({ shards: positive, replicasPerShard: count }),
    storageGiB: positive,
    resources: resourcesSchema,
  }),
  alerts: z.strictObject({
    deliveryP99Ms: positive,
    errorRate: z.number().gt(0).lt(1),
    /** Client errors (refused frames) per request that deserve a look (warning only). */
    clientErrorRate: z.number().gt(0).lt(1),
    /** Event-loop lag p99 (5 m average) per pod above which the pod counts as saturated. */
    eventLoopLagMs: positive,
    /** Disconnects per second (whole service, 5 m rate) that count as a drop spike. */
    disconnectSpikePerSecond: z.number().positive(),
  }),
});

export type Settings = z.infer<typeof settingsSchema>;
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type SettingsOverrides = DeepPartial<Settings>;
