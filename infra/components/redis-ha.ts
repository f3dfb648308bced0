// Redis for the hub's bus and history: a StatefulSet with one Redis and one Sentinel per pod
// (prod), a single Redis without failover (dev), or an external managed Redis (no pods at all).
import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../settings.js";
import {
  containerSecurityContext,
  labelsFor,
  podSecurityContext,
  resourceRequirements,
  selectorFor,
} from "./pod.js";
import { REDIS_BASE_CONF, redisInitScript } from "./redis-scripts.js";
import type { SecretWiring } from "./vault-secrets.js";

/** uid/gid of the `redis` user in the official image. */
const REDIS_UID = 999;
export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
export const SENTINEL_MASTER_NAME = "wshub";

export interface RedisHaArgs {
  stack: string;
  namespace: pulumi.Input<string>;
  settings: StackSettings["redis"];
  /** In-cluster Redis (image) or a managed one (url without credentials). */
  redis: { external: false; image: string } | { external: true; url: string };
  serviceAccountName: string;
  /** How the Redis pods get the password file (from VaultSecrets); unused when external. */
  secrets?: SecretWiring;
  clusterDomain?: string;
}

/** Redis (with Sentinel in `sentinel` mode) and the environment the hub needs to reach it. */
export class RedisHa extends pulumi.ComponentResource {
  /** REDIS_URL or REDIS_SENTINELS + REDIS_SENTINEL_NAME for the hub. */
  readonly hubEnv: Record<string, pulumi.Input<string>>;
  readonly labels: Record<string, string>;
  /** Ports peers and clients use (6379, plus 26379 with Sentinel). */
  readonly ports: number[];
  readonly statefulSet: k8s.apps.v1.StatefulSet | undefined;

  constructor(name: string, args: RedisHaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:RedisHa", name, {}, opts);
    this.labels = labelsFor("redis", args.stack);
    const sentinel = args.settings.mode === "sentinel";
    this.ports = sentinel ? [REDIS_PORT, SENTINEL_PORT] : [REDIS_PORT];
    if (args.redis.external) {
      this.hubEnv = { REDIS_URL: args.redis.url };
      this.statefulSet = undefined;
      this.registerOutputs({ hubEnv: this.hubEnv });
      return;
    }
    if (!args.secrets)
      throw new Error("RedisHa: in-cluster Redis needs args.secrets (VaultSecrets)");
    const parent = { parent: this };
    const ns = args.namespace;
    const base = `wshub-redis`;
    const headless = `${base}-headless`;
    const domain = args.clusterDomain ?? "cluster.local";
    const hosts = pulumi
      .output(ns)
      .apply((n) =>
        Array.from(
          { length: args.settings.replicas },
          (_, i) => `${base}-${i}.${headless}.${n}.svc.${domain}`,
        ),
      );
    this.hubEnv = sentinel
      ? {
          REDIS_SENTINELS: hosts.apply((h) => h.map((x) => `${x}:${SENTINEL_PORT}`).join(",")),
          REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
        }
      : { REDIS_URL: hosts.apply((h) => `redis://${h[0]}:${REDIS_PORT}`) };

    new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: { name: args.serviceAccountName, namespace: ns, labels: this.labels },
        automountServiceAccountToken: Object.keys(args.secrets.annotations).length > 0,
      },
      parent,
    );
    const passwordFile = args.secrets.files["redis-password"];
    if (!passwordFile) throw new Error("RedisHa: secrets must provide the redis-password file");
    const scripts = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      {
        metadata: { name: `${base}-config`, namespace: ns, labels: this.labels },
        data: {
          "base.conf": REDIS_BASE_CONF,
          "init.sh": hosts.apply((podHosts) =>
            redisInitScript({
              mode: args.settings.mode,
              masterName: SENTINEL_MASTER_NAME,
              podHosts,
              quorum: args.settings.sentinelQuorum,
              minReplicasAck: args.settings.minReplicasAck,
              passwordFile,
            }),
          ),
        },
      },
      parent,
    );
    new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: { name: headless, namespace: ns, labels: this.labels },
        spec: {
          clusterIP: "None",
          // Peers must resolve each other before they are ready (replication, Sentinel).
          publishNotReadyAddresses: true,
          selector: selectorFor("redis", args.stack),
          ports: this.ports.map((port) => ({
            name: port === REDIS_PORT ? "redis" : "sentinel",
            port,
            targetPort: port,
          })),
        },
      },
      parent,
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: base, namespace: ns, labels: this.labels },
        spec: {
          serviceName: headless,
          replicas: args.settings.replicas,
          selector: { matchLabels: selectorFor("redis", args.stack) },
          updateStrategy: { type: "RollingUpdate" },
          template: {
            metadata: {
              labels: this.labels,
              annotations: {
                ...args.secrets.annotations,
                "wshub.io/config-checksum": scripts.data.apply((d) => checksum(JSON.stringify(d))),
              },
            },
            spec: this.podSpec(args, args.secrets, passwordFile, args.redis.image, sentinel),
          },
          volumeClaimTemplates: [
            {
              metadata: { name: "data", labels: this.labels },
              spec: {
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${args.settings.storageGiB}Gi` } },
              },
            },
          ],
        },
      },
      parent,
    );
    // A single Redis cannot tolerate a disruption budget (it would block node drains forever).
    if (sentinel) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: base, namespace: ns, labels: this.labels },
          spec: {
            maxUnavailable: 1,
            selector: { matchLabels: selectorFor("redis", args.stack) },
          },
        },
        parent,
      );
    }
    this.registerOutputs({ hubEnv: this.hubEnv });
  }

  private podSpec(
    args: RedisHaArgs,
    secrets: SecretWiring,
    passwordFile: string,
    image: string,
    sentinel: boolean,
  ): k8s.types.input.core.v1.PodSpec {
    const securityContext = containerSecurityContext(REDIS_UID);
    const resources = resourceRequirements(args.settings.resources);
    const mounts = [
      { name: "data", mountPath: "/data" },
      { name: "run", mountPath: "/run/redis" },
      { name: "config", mountPath: "/etc/redis", readOnly: true },
      { name: "tmp", mountPath: "/tmp" },
      ...secrets.volumeMounts,
    ];
    const ping = (port: number, auth: boolean) => ({
      exec: {
        command: [
          "sh",
          "-c",
          auth
            ? `REDISCLI_AUTH="$(cat ${passwordFile})" redis-cli -p ${port} ping | grep -q PONG`
            : `redis-cli -p ${port} ping | grep -q PONG`,
        ],
      },
    });
    const probes = (port: number, auth: boolean) => ({
      readinessProbe: {
        ...ping(port, auth),
        periodSeconds: 5,
        timeoutSeconds: 3,
        failureThreshold: 3,
      },
      livenessProbe: {
        ...ping(port, auth),
        initialDelaySeconds: 15,
        periodSeconds: 10,
        timeoutSeconds: 3,
        failureThreshold: 6,
      },
    });
    const containers: k8s.types.input.core.v1.Container[] = [
      {
        name: "redis",
        image,
        command: ["redis-server", "/run/redis/redis.conf"],
        ports: [{ name: "redis", containerPort: REDIS_PORT }],
        resources,
        securityContext,
        volumeMounts: mounts,
        ...probes(REDIS_PORT, true),
      },
    ];
    if (sentinel) {
      containers.push({
        name: "sentinel",
        image,
        command: ["redis-sentinel", "/run/redis/sentinel.conf"],
        ports: [{ name: "sentinel", containerPort: SENTINEL_PORT }],
        resources: resourceRequirements({
          requests: { cpuMillis: 25, memoryMiB: 32 },
          limits: { memoryMiB: 64 },
        }),
        securityContext,
        volumeMounts: mounts.filter((m) => m.name !== "data"),
        ...probes(SENTINEL_PORT, false),
      });
    }
    return {
      serviceAccountName: args.serviceAccountName,
      securityContext: podSecurityContext(REDIS_UID),
      terminationGracePeriodSeconds: 30,
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: sentinel ? "DoNotSchedule" : "ScheduleAnyway",
          labelSelector: { matchLabels: selectorFor("redis", args.stack) },
        },
      ],
      initContainers: [
        {
          name: "config",
          image,
          command: ["sh", "/etc/redis/init.sh"],
          resources,
          securityContext,
          volumeMounts: mounts.filter((m) => m.name !== "data"),
        },
      ],
      containers,
      volumes: [
        { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
        { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
        { name: "config", configMap: { name: "wshub-redis-config", defaultMode: 0o444 } },
        ...secrets.volumes,
      ],
    };
  }
}

// Pods restart when the rendered scripts change (a ConfigMap edit alone does not restart them).
function checksum(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}
