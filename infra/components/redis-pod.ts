// The Redis pod: init container writing the config, Redis (and Sentinel) with probes that
// tolerate loading and a preStop that hands the primary over, exporters, the password reload.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { StackSettings } from "../../contract/index.js";
import {
  containerSecurityContext,
  podSecurityContext,
  resourceRequirements,
  selectorFor,
} from "./pod.js";
import { redisClusterReadyCommand } from "./redis-cluster-scripts.js";
import {
  EXPORTER_PASSWORD_FILE,
  METRICS_USER,
  PRESTOP_WAIT_TRIES,
  pingCommand,
  RUN_DIR,
  redisReadyCommand,
} from "./redis-shell-scripts.js";
import type { SecretWiring } from "./vault-secrets.js";

/** uid/gid of the `redis` user in the official image. */
export const REDIS_UID = 999;

export interface RedisPodArgs {
  stack: string;
  settings: StackSettings["redis"];
  serviceAccountName: string;
  secrets: SecretWiring;
  passwordFile: string;
  image: string;
  exporterImage: string;
  configMapName: pulumi.Input<string>;
  /** Run the password-reload loop beside Redis. */
  reload: boolean;
  /** `clusterBus`: the Redis Cluster bus port (mode cluster). */
  ports: { redis: number; sentinel: number; clusterBus: number };
  metricsPorts: { redis: number; sentinel: number };
}

const small = resourceRequirements({
  requests: { cpuMillis: 10, memoryMiB: 16 },
  limits: { memoryMiB: 32 },
});

/** The pod spec of the Redis StatefulSet. */
export function redisPodSpec(a: RedisPodArgs): k8s.types.input.core.v1.PodSpec {
  const sentinel = a.settings.mode === "sentinel";
  const cluster = a.settings.mode === "cluster";
  const securityContext = containerSecurityContext(REDIS_UID);
  const mounts = [
    { name: "data", mountPath: "/data" },
    { name: "run", mountPath: RUN_DIR },
    { name: "config", mountPath: "/etc/redis", readOnly: true },
    { name: "tmp", mountPath: "/tmp" },
    ...a.secrets.volumeMounts,
  ];
  const noData = mounts.filter((m) => m.name !== "data");
  const exec = (script: string) => ({ exec: { command: ["sh", "-c", script] } });
  const probes = (
    port: number,
    auth: boolean,
    ready = pingCommand(port, auth ? a.passwordFile : undefined, false),
  ) => ({
    readinessProbe: {
      ...exec(ready),
      periodSeconds: 5,
      timeoutSeconds: 4,
      failureThreshold: 3,
    },
    // LOADING is alive: a large AOF takes a while to load, and a restart would start it over.
    livenessProbe: {
      ...exec(pingCommand(port, auth ? a.passwordFile : undefined, true)),
      initialDelaySeconds: 15,
      periodSeconds: 10,
      timeoutSeconds: 4,
      failureThreshold: 6,
    },
  });
  // Both containers run it: whichever stops first asks for the failover, both wait for it.
  const preStop =
    sentinel || cluster
      ? { lifecycle: { preStop: { exec: { command: ["sh", "/etc/redis/prestop.sh"] } } } }
      : {};
  const containers: k8s.types.input.core.v1.Container[] = [
    {
      name: "redis",
      image: a.image,
      command: ["redis-server", `${RUN_DIR}/redis.conf`],
      ports: [
        { name: "redis", containerPort: a.ports.redis },
        ...(cluster ? [{ name: "cluster-bus", containerPort: a.ports.clusterBus }] : []),
      ],
      resources: resourceRequirements(a.settings.resources),
      securityContext,
      volumeMounts: mounts,
      ...probes(
        a.ports.redis,
        true,
        cluster
          ? redisClusterReadyCommand(a.ports.redis, a.passwordFile)
          : redisReadyCommand(a.ports.redis, a.passwordFile),
      ),
      ...preStop,
    },
  ];
  if (sentinel) {
    containers.push({
      name: "sentinel",
      image: a.image,
      command: ["redis-sentinel", `${RUN_DIR}/sentinel.conf`],
      ports: [{ name: "sentinel", containerPort: a.ports.sentinel }],
      resources: resourceRequirements({
        requests: { cpuMillis: 25, memoryMiB: 32 },
        limits: { memoryMiB: 64 },
      }),
      securityContext,
      volumeMounts: noData,
      ...probes(a.ports.sentinel, false),
      ...preStop,
    });
  }
  const exporter = (name: string, target: number, port: number, auth: boolean) => ({
    name,
    image: a.exporterImage,
    args: [
      `--redis.addr=redis://localhost:${target}`,
      `--web.listen-address=:${port}`,
      ...(auth
        ? [`--redis.user=${METRICS_USER}`, `--redis.password-file=${EXPORTER_PASSWORD_FILE}`]
        : []),
    ],
    ports: [{ name: name.replace("-exporter", "-metrics"), containerPort: port }],
    resources: small,
    securityContext,
    volumeMounts: [{ name: "run", mountPath: RUN_DIR, readOnly: true }],
    readinessProbe: { httpGet: { path: "/health", port }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: "/health", port }, periodSeconds: 20, failureThreshold: 3 },
  });
  containers.push(exporter("redis-exporter", a.ports.redis, a.metricsPorts.redis, true));
  if (sentinel) {
    containers.push(
      exporter("sentinel-exporter", a.ports.sentinel, a.metricsPorts.sentinel, false),
    );
  }
  if (a.reload) {
    const ready = exec(`test -f ${RUN_DIR}/reload-ready`);
    containers.push({
      name: "password-reload",
      image: a.image,
      command: ["sh", "/etc/redis/reload.sh"],
      resources: small,
      securityContext,
      volumeMounts: noData,
      readinessProbe: { ...ready, periodSeconds: 10 },
      livenessProbe: { ...ready, periodSeconds: 30 },
    });
  }
  const spread = (topologyKey: string) => ({
    maxSkew: 1,
    topologyKey,
    // Replicas on one node or zone do not survive its loss; the volumes are zonal, so a pod
    // rescheduled after a zone outage stays in its zone anyway.
    whenUnsatisfiable: sentinel || cluster ? "DoNotSchedule" : "ScheduleAnyway",
    nodeTaintsPolicy: "Honor",
    labelSelector: { matchLabels: selectorFor("redis", a.stack) },
  });
  return {
    serviceAccountName: a.serviceAccountName,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(REDIS_UID),
    // The preStop handover (up to PRESTOP_WAIT_TRIES s) plus Redis' own shutdown (AOF fsync).
    terminationGracePeriodSeconds: PRESTOP_WAIT_TRIES + 30,
    topologySpreadConstraints: [
      spread("topology.kubernetes.io/zone"),
      spread("kubernetes.io/hostname"),
    ],
    initContainers: [
      {
        name: "config",
        image: a.image,
        command: ["sh", "/etc/redis/init.sh"],
        resources: resourceRequirements(a.settings.resources),
        securityContext,
        // A cluster node's init re-resolves its peers in nodes.conf, on the data volume.
        volumeMounts: cluster ? mounts : noData,
      },
    ],
    containers,
    volumes: [
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
      { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
      { name: "config", configMap: { name: a.configMapName, defaultMode: 0o444 } },
      ...a.secrets.volumes,
    ],
  };
}
