// The numbers the cluster (infra/) and the chaos suite (chaos/) must agree on, per stack.
// PURE module: no Pulumi import, so chaos/ and loadtests/ can import it directly.
import { maxConnectionBytesWithin, memoryBoundBytes } from "./memory-bound.js";
import { redisClusterIssues } from "./redis-topology.js";
import { SLO, type Slo } from "./slo.js";
import { DEFAULTS } from "./stack-defaults.js";
import { type Settings, STACKS, type StackName, settingsSchema } from "./stack-schema.js";

/** Seconds the grace period must leave after drain + delay for flushing and closing Redis. */
export const GRACE_MARGIN_SECONDS = 5;

export type StackSettings = Settings & { stack: StackName; slo: Slo };

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
  return deepFreeze({ ...parsed.data, stack, slo: { ...SLO[stack] } });
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
  issues.push(...hubMemoryIssues(s));
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
  issues.push(...redisClusterIssues(s));
  return issues;
}

const MiB = 1024 * 1024;

/** The container memory limit, in MiB, that holds the hub's memory bound (memory-bound.ts). */
export function hubMemoryNeededMiB(s: Settings): number {
  return Math.ceil(memoryBoundBytes(s.hub) / MiB);
}

// A hub whose bound exceeds its container's limit is OOM-killed by hostile clients before it can
// close them with 1013, taking every other client on the pod with it.
function hubMemoryIssues(s: Settings): string[] {
  const h = s.hub;
  const issues: string[] = [];
  if (h.slowConsumerBytes >= h.maxConnectionBytes) {
    issues.push(
      "hub.slowConsumerBytes must be below hub.maxConnectionBytes: the send buffer is one part of what a connection holds",
    );
  }
  const limitMiB = s.resources.limits.memoryMiB;
  const neededMiB = hubMemoryNeededMiB(s);
  if (neededMiB > limitMiB) {
    const fits = maxConnectionBytesWithin(limitMiB * MiB, h);
    const lower =
      fits >= 16 * 1024
        ? `lower hub.maxConnectionBytes to at most ${fits}`
        : "lower hub.maxConnections (and scale out with more replicas)";
    issues.push(
      `resources.limits.memoryMiB: ${limitMiB} MiB cannot hold the hub's memory bound of ${neededMiB} MiB (hub.maxConnections ${h.maxConnections} × (hub.maxConnectionBytes + per-connection overhead + hub.maxPayloadBytes) + hub.maxHttpSockets × a request + the process base): raise resources.limits.memoryMiB to at least ${neededMiB}, or ${lower}`,
    );
  }
  return issues;
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
