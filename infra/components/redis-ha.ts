// Redis for the hub's bus and history: a StatefulSet with one Redis and one Sentinel per pod
// (prod), a single Redis without failover (dev), a Redis Cluster of shards formed by a bootstrap
// Job (the hub's sharded bus), or an external managed Redis (no pods at all).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { redisPodCount, type StackSettings } from "../../contract/index.js";
import { contentHash } from "./content-hash.js";
import { labelsFor, selectorFor } from "./pod.js";
import { clusterBootstrapJob } from "./redis-cluster-bootstrap.js";
import {
  redisClusterBootstrapScript,
  redisClusterInitScript,
  redisClusterPreStopScript,
} from "./redis-cluster-scripts.js";
import { redisPodSpec } from "./redis-pod.js";
import {
  type RedisTopology,
  redisBaseConf,
  redisInitScript,
  redisPreStopScript,
  redisReloadScript,
} from "./redis-shell-scripts.js";
import type { SecretWiring } from "./vault-secrets.js";

export const REDIS_PORT = 6379;
export const SENTINEL_PORT = 26379;
/** Redis Cluster's node-to-node bus: the client port + 10000. */
export const CLUSTER_BUS_PORT = REDIS_PORT + 10_000;
export const SENTINEL_MASTER_NAME = "wshub";
/** Exporter ports (names in alert-rules.ts). */
export const REDIS_METRICS_PORT = 9121;
export const SENTINEL_METRICS_PORT = 9122;

export interface RedisHaArgs {
  stack: string;
  namespace: pulumi.Input<string>;
  settings: StackSettings["redis"];
  /** In-cluster Redis (images) or a managed one (url without credentials). */
  redis:
    | { external: false; image: string; exporterImage: string }
    | { external: true; url: string };
  serviceAccountName: string;
  /** How the Redis pods get the password file (from VaultSecrets); unused when external. */
  secrets?: SecretWiring;
  /** `reload`: a loop applies a rotated password live; `restart`: pods restart on a new generation. */
  passwordRotation: { mode: "reload" | "restart"; generation: number };
  /** Keep the StatefulSet (and so its volumes) when Pulumi would delete it. */
  protect: boolean;
  clusterDomain?: string;
}

/** Redis (with Sentinel in `sentinel` mode) and the environment the hub needs to reach it. */
export class RedisHa extends pulumi.ComponentResource {
  /** REDIS_URL, REDIS_SENTINELS + REDIS_SENTINEL_NAME, or REDIS_CLUSTER_NODES for the hub. */
  readonly hubEnv: Record<string, pulumi.Input<string>>;
  readonly labels: Record<string, string>;
  /** Ports clients use (6379, plus 26379 with Sentinel). */
  readonly ports: number[];
  /** Ports the Redis pods use between themselves (none for a single Redis). */
  readonly peerPorts: number[];
  /** Exporter ports Prometheus scrapes. */
  readonly metricsPorts: number[];
  /** The Service whose endpoints Prometheus scrapes (the exporters' `job`) and its labels. */
  readonly metricsService: string | undefined;
  readonly metricsSelector: Record<string, string>;
  readonly statefulSet: k8s.apps.v1.StatefulSet | undefined;

  constructor(name: string, args: RedisHaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:RedisHa", name, {}, opts);
    this.labels = labelsFor("redis", args.stack);
    const sentinel = args.settings.mode === "sentinel";
    const cluster = args.settings.mode === "cluster";
    this.ports = sentinel ? [REDIS_PORT, SENTINEL_PORT] : [REDIS_PORT];
    this.peerPorts = cluster ? [REDIS_PORT, CLUSTER_BUS_PORT] : sentinel ? this.ports : [];
    this.metricsSelector = {
      ...selectorFor("redis", args.stack),
      "app.kubernetes.io/component": "redis-metrics",
    };
    this.metricsPorts = sentinel
      ? [REDIS_METRICS_PORT, SENTINEL_METRICS_PORT]
      : [REDIS_METRICS_PORT];
    if (args.redis.external) {
      this.hubEnv = { REDIS_URL: args.redis.url };
      this.statefulSet = undefined;
      this.metricsService = undefined;
      this.registerOutputs({ hubEnv: this.hubEnv });
      return;
    }
    if (!args.secrets)
      throw new Error("RedisHa: in-cluster Redis needs args.secrets (VaultSecrets)");
    const parent = { parent: this };
    const ns = args.namespace;
    const base = `wshub-redis`;
    const headless = `${base}-headless`;
    this.metricsService = `${base}-metrics`;
    const domain = args.clusterDomain ?? "cluster.local";
    const hosts = pulumi
      .output(ns)
      .apply((n) =>
        Array.from(
          { length: redisPodCount(args.settings) },
          (_, i) => `${base}-${i}.${headless}.${n}.svc.${domain}`,
        ),
      );
    this.hubEnv = sentinel
      ? {
          REDIS_SENTINELS: hosts.apply((h) => h.map((x) => `${x}:${SENTINEL_PORT}`).join(",")),
          REDIS_SENTINEL_NAME: SENTINEL_MASTER_NAME,
        }
      : cluster
        ? { REDIS_CLUSTER_NODES: hosts.apply((h) => h.map((x) => `${x}:${REDIS_PORT}`).join(",")) }
        : { REDIS_URL: hosts.apply((h) => `redis://${h[0]}:${REDIS_PORT}`) };

    new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: { name: args.serviceAccountName, namespace: ns, labels: this.labels },
        // Redis never calls the Kubernetes API; the Vault agent gets its own token volume.
        automountServiceAccountToken: false,
      },
      parent,
    );
    const passwordFile = args.secrets.files["redis-password"];
    if (!passwordFile) throw new Error("RedisHa: secrets must provide the redis-password file");
    const data = hosts.apply((podHosts) => {
      const t: RedisTopology = {
        mode: args.settings.mode,
        masterName: SENTINEL_MASTER_NAME,
        podHosts,
        quorum: args.settings.sentinelQuorum,
        minReplicasAck: args.settings.minReplicasAck,
        passwordFile,
      };
      const c = { ...t, mode: "cluster" as const, ...args.settings.cluster };
      // Key order is part of the ConfigMap's content hash: keep it, or every pod rolls.
      return {
        "base.conf": redisBaseConf(args.settings.resources.limits.memoryMiB),
        "init.sh": cluster ? redisClusterInitScript(c) : redisInitScript(t),
        "prestop.sh": cluster ? redisClusterPreStopScript(c) : redisPreStopScript(t),
        "reload.sh": redisReloadScript(t),
        ...(cluster ? { "bootstrap.sh": redisClusterBootstrapScript(c) } : {}),
      };
    });
    // The name carries a hash of the content: a script change creates a new ConfigMap and rolls
    // the pods onto it (one by one), instead of replacing a fixed-name ConfigMap under them.
    const configName = data.apply((d) => `${base}-config-${contentHash(JSON.stringify(d))}`);
    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: configName, namespace: ns, labels: this.labels }, data },
      parent,
    );
    const portName = (port: number) =>
      ({
        [REDIS_PORT]: "redis",
        [SENTINEL_PORT]: "sentinel",
        [CLUSTER_BUS_PORT]: "cluster-bus",
        [REDIS_METRICS_PORT]: "redis-metrics",
        [SENTINEL_METRICS_PORT]: "sentinel-metrics",
      })[port] ?? String(port);
    new k8s.core.v1.Service(
      `${name}-headless`,
      {
        metadata: { name: headless, namespace: ns, labels: this.labels },
        spec: {
          clusterIP: "None",
          // Peers must resolve each other before they are ready (replication, Sentinel).
          publishNotReadyAddresses: true,
          selector: selectorFor("redis", args.stack),
          ports: [...new Set([...this.ports, ...this.peerPorts])].map((port) => ({
            name: portName(port),
            port,
            targetPort: port,
          })),
        },
      },
      parent,
    );
    // A Service of its own for the exporters, so the ServiceMonitor's `job` is Redis' metrics only.
    new k8s.core.v1.Service(
      `${name}-metrics`,
      {
        metadata: {
          name: this.metricsService,
          namespace: ns,
          labels: { ...this.labels, ...this.metricsSelector },
        },
        spec: {
          type: "ClusterIP",
          selector: selectorFor("redis", args.stack),
          ports: this.metricsPorts.map((port) => ({
            name: portName(port),
            port,
            targetPort: port,
          })),
        },
      },
      parent,
    );
    const rotation = args.passwordRotation;
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: { name: base, namespace: ns, labels: this.labels },
        spec: {
          serviceName: headless,
          replicas: redisPodCount(args.settings),
          // Cluster pods are ready only once the cluster formed: start them all at once, so the
          // bootstrap Job finds them (rolling updates still go one pod at a time).
          ...(cluster ? { podManagementPolicy: "Parallel" } : {}),
          selector: { matchLabels: selectorFor("redis", args.stack) },
          updateStrategy: { type: "RollingUpdate" },
          // Deleting or scaling down the StatefulSet never deletes the data volumes.
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
          template: {
            metadata: {
              labels: this.labels,
              annotations: {
                ...args.secrets.annotations,
                // Restart rotation: a new generation restarts the pods onto the new password.
                ...(rotation.mode === "restart"
                  ? { "wshub.io/redis-password-generation": String(rotation.generation) }
                  : {}),
              },
            },
            spec: redisPodSpec({
              stack: args.stack,
              settings: args.settings,
              serviceAccountName: args.serviceAccountName,
              secrets: args.secrets,
              passwordFile,
              image: args.redis.image,
              exporterImage: args.redis.exporterImage,
              configMapName: config.metadata.name,
              reload: rotation.mode === "reload",
              ports: { redis: REDIS_PORT, sentinel: SENTINEL_PORT, clusterBus: CLUSTER_BUS_PORT },
              metricsPorts: { redis: REDIS_METRICS_PORT, sentinel: SENTINEL_METRICS_PORT },
            }),
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
      {
        ...parent,
        dependsOn: args.secrets.dependsOn,
        // volumeClaimTemplates cannot change in place: a new size would replace the StatefulSet
        // (all pods at once) and still not grow the volumes. docs/infra.md "Growing Redis storage".
        ignoreChanges: ["spec.volumeClaimTemplates"],
        protect: args.protect,
        retainOnDelete: true,
      },
    );
    if (cluster) {
      clusterBootstrapJob(
        `${name}-bootstrap`,
        {
          stack: args.stack,
          namespace: ns,
          baseName: base,
          configMapName: config.metadata.name,
          image: args.redis.image,
          serviceAccountName: args.serviceAccountName,
          secrets: args.secrets,
        },
        { ...parent, dependsOn: args.secrets.dependsOn },
      );
    }
    // A single Redis cannot tolerate a disruption budget (it would block node drains forever).
    if (sentinel || cluster) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: base, namespace: ns, labels: this.labels },
          spec: {
            maxUnavailable: 1,
            selector: { matchLabels: selectorFor("redis", args.stack) },
            unhealthyPodEvictionPolicy: "IfHealthyBudget",
          },
        },
        parent,
      );
    }
    this.registerOutputs({ hubEnv: this.hubEnv });
  }
}
