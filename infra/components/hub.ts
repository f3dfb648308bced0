// The hub: Deployment (rollout numbers, probes on the internal port, grace period, restricted
// pods, topology spread), Service, autoscaling, PDB, ServiceAccount and an optional public route.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HUB_INTERNAL_PORT, HUB_PORT, hubEnv, type StackSettings } from "../../contract/index.js";
import { type ConnectionsMetric, HubAutoscaling } from "./hub-autoscaling.js";
import { HubRoute, type HubRouteArgs } from "./hub-route.js";
import {
  containerSecurityContext,
  labelsFor,
  podSecurityContext,
  resourceRequirements,
  selectorFor,
} from "./pod.js";
import type { SecretWiring } from "./vault-secrets.js";

/** uid/gid the hub image runs as (service/Dockerfile). */
export const HUB_UID = 10001;
/** Port names: `http` is public (WebSocket, publish API), `internal` serves probes and metrics. */
export const PUBLIC_PORT_NAME = "http";
export const INTERNAL_PORT_NAME = "internal";

export interface HubArgs {
  stack: string;
  namespace: pulumi.Input<string>;
  settings: StackSettings;
  image: string;
  appVersion: string;
  logLevel: string;
  allowedOrigins: readonly string[];
  serviceAccountName: string;
  /** REDIS_URL or REDIS_SENTINELS (+ name) from RedisHa. */
  redisEnv: Record<string, pulumi.Input<string>>;
  secrets: SecretWiring;
  /** The public route (Ingress or HTTPRoute); absent: no route. */
  ingress?: Omit<HubRouteArgs, "namespace" | "labels" | "service" | "port" | "portNumber">;
  /** Plain namespace name, for PromQL in a KEDA trigger. */
  namespaceName: string;
  autoscaling: { connections: ConnectionsMetric; prometheusAddress: string };
  /** How many proxies in front append X-Forwarded-For (TRUSTED_PROXIES); 0 = none trusted. */
  proxyHops: number;
}

/** Everything that runs and exposes the hub. */
export class Hub extends pulumi.ComponentResource {
  readonly labels: Record<string, string>;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly service: k8s.core.v1.Service;

  constructor(name: string, args: HubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("wshub:infra:Hub", name, {}, opts);
    const parent = { parent: this };
    const s = args.settings;
    const ns = args.namespace;
    const base = "wshub-hub";
    this.labels = labelsFor("hub", args.stack);
    const selector = selectorFor("hub", args.stack);
    const meta = { name: base, namespace: ns, labels: this.labels };

    new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: { ...meta, name: args.serviceAccountName },
        // The hub never calls the Kubernetes API; the Vault agent gets its own token volume.
        automountServiceAccountToken: false,
      },
      parent,
    );

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: meta,
        spec: {
          replicas: s.replicas,
          selector: { matchLabels: selector },
          minReadySeconds: s.rollout.minReadySeconds,
          progressDeadlineSeconds: s.rollout.progressDeadlineSeconds,
          revisionHistoryLimit: s.rollout.revisionHistoryLimit,
          strategy: {
            type: "RollingUpdate",
            rollingUpdate: {
              maxSurge: s.rollout.maxSurge,
              maxUnavailable: s.rollout.maxUnavailable,
            },
          },
          template: {
            metadata: { labels: this.labels, annotations: args.secrets.annotations },
            spec: this.podSpec(args),
          },
        },
      },
      // The HPA owns the replica count after the first deploy. Pods wait for their Vault role
      // and secrets, or a first deploy races them and hangs in the agent's init.
      { ...parent, ignoreChanges: ["spec.replicas"], dependsOn: args.secrets.dependsOn },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta,
        spec: {
          type: "ClusterIP",
          selector,
          ports: [
            {
              name: PUBLIC_PORT_NAME,
              port: HUB_PORT,
              targetPort: PUBLIC_PORT_NAME,
              protocol: "TCP",
            },
            {
              name: INTERNAL_PORT_NAME,
              port: HUB_INTERNAL_PORT,
              targetPort: INTERNAL_PORT_NAME,
              protocol: "TCP",
            },
          ],
        },
      },
      parent,
    );

    new HubAutoscaling(
      `${name}-autoscaling`,
      {
        namespace: ns,
        namespaceName: args.namespaceName,
        labels: this.labels,
        deployment: base,
        settings: s,
        connections: args.autoscaling.connections,
        prometheusAddress: args.autoscaling.prometheusAddress,
      },
      parent,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: meta,
        spec: {
          // Voluntary evictions take no more pods at once than a rollout does (at least 1, or
          // node drains would block forever).
          maxUnavailable: Math.max(1, s.rollout.maxUnavailable),
          selector: { matchLabels: selector },
          // A Redis outage makes every hub pod unready: AlwaysAllow would let a drain evict
          // them all at once; IfHealthyBudget keeps the budget for unready pods too.
          unhealthyPodEvictionPolicy: "IfHealthyBudget",
        },
      },
      parent,
    );

    if (args.ingress) {
      new HubRoute(
        `${name}-route`,
        {
          ...args.ingress,
          namespace: ns,
          labels: this.labels,
          service: base,
          port: PUBLIC_PORT_NAME,
          portNumber: HUB_PORT,
        },
        parent,
      );
    }
    this.registerOutputs({
      deployment: this.deployment.metadata.name,
      service: this.service.metadata.name,
    });
  }

  private podSpec(args: HubArgs): k8s.types.input.core.v1.PodSpec {
    const s = args.settings;
    const probe = (path: string, p: StackSettings["probes"]["startup"]) => ({
      httpGet: { path, port: INTERNAL_PORT_NAME },
      periodSeconds: p.periodSeconds,
      failureThreshold: p.failureThreshold,
      timeoutSeconds: p.timeoutSeconds,
    });
    const files = args.secrets.files;
    const env: Record<string, pulumi.Input<string>> = {
      ...hubEnv(s),
      NODE_ENV: "production",
      HOST: "0.0.0.0",
      LOG_LEVEL: args.logLevel,
      APP_VERSION: args.appVersion,
      ...(args.allowedOrigins.length > 0 ? { ALLOWED_ORIGINS: args.allowedOrigins.join(",") } : {}),
      // Per-address limits count clients, not the ingress controller's pods.
      TRUSTED_PROXIES: String(args.proxyHops),
      ...args.redisEnv,
      REDIS_PASSWORD_FILE: required(files, "redis-password"),
      AUTH_JWT_SECRET_FILE: required(files, "jwt-secret"),
      API_KEY_FILE: required(files, "api-key"),
    };
    // ScheduleAnyway: a strict spread leaves pods Pending when a zone or node is full; Honor:
    // nodes the pods cannot tolerate are no empty domains that hold the skew back.
    const spread = (topologyKey: string) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: "ScheduleAnyway",
      nodeTaintsPolicy: "Honor",
      nodeAffinityPolicy: "Honor",
      labelSelector: { matchLabels: selectorFor("hub", args.stack) },
      // Spread each ReplicaSet on its own, so a rollout's new pods spread too.
      matchLabelKeys: ["pod-template-hash"],
    });
    return {
      serviceAccountName: args.serviceAccountName,
      securityContext: podSecurityContext(HUB_UID),
      // No preStop hook: on SIGTERM the hub itself turns readiness off, waits
      // SHUTDOWN_DELAY_SECONDS, then drains for DRAIN_SECONDS; the grace period covers both.
      terminationGracePeriodSeconds: s.shutdown.terminationGracePeriodSeconds,
      automountServiceAccountToken: false,
      topologySpreadConstraints: [
        spread("topology.kubernetes.io/zone"),
        spread("kubernetes.io/hostname"),
      ],
      containers: [
        {
          name: "hub",
          image: args.image,
          imagePullPolicy: "IfNotPresent",
          ports: [
            { name: PUBLIC_PORT_NAME, containerPort: HUB_PORT, protocol: "TCP" },
            { name: INTERNAL_PORT_NAME, containerPort: HUB_INTERNAL_PORT, protocol: "TCP" },
          ],
          env: [
            { name: "NODE_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            ...Object.entries(env).map(([name, value]) => ({ name, value })),
          ],
          resources: resourceRequirements(s.resources),
          securityContext: containerSecurityContext(HUB_UID),
          startupProbe: probe("/livez", s.probes.startup),
          readinessProbe: probe("/readyz", s.probes.readiness),
          livenessProbe: probe("/livez", s.probes.liveness),
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...args.secrets.volumeMounts],
        },
      ],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, ...args.secrets.volumes],
    };
  }
}

function required(files: Record<string, string>, name: string): string {
  const path = files[name];
  if (path === undefined) throw new Error(`Hub: secrets must provide the ${name} file`);
  return path;
}
