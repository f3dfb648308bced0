// The numbers the cluster (infra/) and the chaos suite (chaos/) must agree on, per stack.
// PURE module: no Pulumi import, so chaos/ and loadtests/ can import it directly.
import { z } from "zod";
import { namespaceProblems, namespacesSchema } from "../contract/index.js";
import slo from "../loadtests/slo.json" with { type: "json" };
import { DEFAULTS } from "./settings-defaults.js";

/** The stacks this template ships. */
export const STACKS = ["dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** The hub's public port: the WebSocket path and the publish API only (env PORT). */
export const HUB_PORT = 8080;
/** The hub's internal port: /livez, /readyz, /metrics for the kubelet and Prometheus (env INTERNAL_PORT). */
export const HUB_INTERNAL_PORT = 9091;
/** The public paths the ingress routes: the WebSocket endpoint and the publish API. */
export const HUB_WS_PATH = "/v1/ws";
export const HUB_PUBLISH_PATH = "/v1/publish";
/** Seconds the grace period must leave after drain + delay for flushing and closing Redis. */
export const GRACE_MARGIN_SECONDS = 5;

export type Slo = (typeof slo)["prod"];

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

const settingsSchema = z.strictObject({
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
    /** `sentinel`: a primary, replicas and one Sentinel per pod; `single`: one Redis, no failover. */
    mode: z.enum(["sentinel", "single"]),
    replicas: positive,
    /** Replicas that must acknowledge a write (REDIS_MIN_REPLICAS for the hub's WAIT). */
    minReplicasAck: count,
    sentinelQuorum: positive,
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
export type StackSettings = Settings & { stack: StackName; slo: Slo };
type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type SettingsOverrides = DeepPartial<Settings>;

/** A stack name or setting value that cannot be deployed; the message names every bad field. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Narrows a string to a stack name or throws a SettingsError listing the valid ones. */
export function parseStackName(value: string): StackName {
  if ((STACKS as readonly string[]).includes(value)) return value as StackName;
  throw new SettingsError(`unknown stack "${value}": use one of ${STACKS.join(", ")}`);
}

/** Settings of a stack: defaults, then `overrides` (Pulumi config `wshub:settings`), validated. */
export function settingsFor(stack: StackName, overrides: unknown = {}): StackSettings {
  if (!(STACKS as readonly string[]).includes(stack)) parseStackName(stack);
  if (!isPlainObject(overrides)) {
    throw new SettingsError("settings overrides must be an object (Pulumi config wshub:settings)");
  }
  const merged = deepMerge(DEFAULTS[stack], overrides);
  const parsed = settingsSchema.safeParse(merged);
  const issues = parsed.success
    ? crossFieldIssues(parsed.data)
    : parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  if (!parsed.success || issues.length > 0) {
    throw new SettingsError(`invalid ${stack} settings:\n  ${issues.join("\n  ")}`, issues);
  }
  return deepFreeze({ ...parsed.data, stack, slo: { ...slo[stack] } });
}

// Rules that span fields: each message names the fields and what to change.
function crossFieldIssues(s: Settings): string[] {
  const issues: string[] = [];
  const { drainSeconds, shutdownDelaySeconds, terminationGracePeriodSeconds } = s.shutdown;
  const needed = drainSeconds + shutdownDelaySeconds + GRACE_MARGIN_SECONDS;
  if (terminationGracePeriodSeconds <= needed) {
    issues.push(
      `shutdown.terminationGracePeriodSeconds: ${terminationGracePeriodSeconds} s must exceed drainSeconds + shutdownDelaySeconds + ${GRACE_MARGIN_SECONDS} s margin (${needed} s), or pods are killed mid-drain`,
    );
  }
  const readinessFlip = s.probes.readiness.periodSeconds * s.probes.readiness.failureThreshold;
  if (shutdownDelaySeconds < readinessFlip) {
    issues.push(
      `shutdown.shutdownDelaySeconds: ${shutdownDelaySeconds} s is shorter than the readiness probe needs to see the pod unready (${readinessFlip} s)`,
    );
  }
  for (const [name, p] of Object.entries(s.probes)) {
    if (p.timeoutSeconds > p.periodSeconds) {
      issues.push(`probes.${name}.timeoutSeconds must not exceed periodSeconds`);
    }
  }
  const { minReplicas, maxReplicas, connectionsPerPod } = s.hpa;
  if (minReplicas > maxReplicas) issues.push("hpa.minReplicas must not exceed hpa.maxReplicas");
  if (s.replicas < minReplicas || s.replicas > maxReplicas) {
    issues.push(`replicas: ${s.replicas} must lie within hpa.minReplicas..hpa.maxReplicas`);
  }
  if (connectionsPerPod >= s.hub.maxConnections) {
    issues.push(
      "hpa.connectionsPerPod must be below hub.maxConnections, or pods refuse clients before the HPA scales out",
    );
  }
  const { maxSurge, maxUnavailable, minReadySeconds, progressDeadlineSeconds } = s.rollout;
  if (maxSurge === 0 && maxUnavailable === 0) {
    issues.push("rollout.maxSurge and rollout.maxUnavailable cannot both be 0");
  }
  if (maxUnavailable >= s.replicas) {
    issues.push("rollout.maxUnavailable must be below replicas, or a rollout can take all pods");
  }
  if (progressDeadlineSeconds <= minReadySeconds) {
    issues.push("rollout.progressDeadlineSeconds must exceed rollout.minReadySeconds");
  }
  if (s.resources.limits.memoryMiB < s.resources.requests.memoryMiB) {
    issues.push("resources.limits.memoryMiB must be at least resources.requests.memoryMiB");
  }
  const cpuLimit = s.resources.limits.cpuMillis;
  if (cpuLimit !== undefined && cpuLimit < s.resources.requests.cpuMillis) {
    issues.push("resources.limits.cpuMillis must be at least resources.requests.cpuMillis");
  }
  const r = s.redis;
  if (r.mode === "single" && (r.replicas !== 1 || r.minReplicasAck !== 0)) {
    issues.push("redis: mode single runs exactly 1 replica with minReplicasAck 0");
  }
  if (r.mode === "sentinel") {
    if (r.replicas < 3 || r.replicas % 2 === 0) {
      issues.push("redis.replicas: sentinel mode needs an odd number of pods, at least 3");
    }
    if (r.sentinelQuorum < Math.floor(r.replicas / 2) + 1 || r.sentinelQuorum > r.replicas) {
      issues.push("redis.sentinelQuorum must be a majority of redis.replicas");
    }
    if (r.minReplicasAck > r.replicas - 1) {
      issues.push("redis.minReplicasAck cannot exceed the number of replicas (redis.replicas - 1)");
    }
  }
  return issues;
}

/** The hub's environment for these settings: shared by the Deployment and the chaos containers. */
export function hubEnv(s: Settings): Record<string, string> {
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = deepMerge(base[k], v);
  return out;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const inner of Object.values(v)) deepFreeze(inner);
    Object.freeze(v);
  }
  return v;
}
