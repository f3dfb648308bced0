// The hub: Deployment (rollout numbers, probes, grace period, restricted pods, topology spread),
// Service, HPA on CPU and connections per pod, PDB, ServiceAccount and an optional Ingress.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HUB_PORT, hubEnv, type StackSettings } from "../settings.js";
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
  ingress?: { host: string; className: string; tlsSecretName?: string; timeoutSeconds: number };
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
        // The Vault agent sidecar logs in with this token; operator mode needs none in the pod.
        automountServiceAccountToken: Object.keys(args.secrets.annotations).length > 0,
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
      // The HPA owns the replica count after the first deploy.
      { ...parent, ignoreChanges: ["spec.replicas"] },
    );

    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: meta,
        spec: {
          type: "ClusterIP",
          selector,
          ports: [{ name: "http", port: HUB_PORT, targetPort: "http", protocol: "TCP" }],
        },
      },
      parent,
    );

    new k8s.autoscaling.v2.HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta,
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: base },
          minReplicas: s.hpa.minReplicas,
          maxReplicas: s.hpa.maxReplicas,
          metrics: [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: s.hpa.cpuUtilizationPercent },
              },
            },
            {
              // Served by prometheus-adapter from the hub's own gauge.
              type: "Pods",
              pods: {
                metric: { name: "wshub_connections" },
                target: { type: "AverageValue", averageValue: String(s.hpa.connectionsPerPod) },
              },
            },
          ],
          behavior: {
            // Removing a pod closes its WebSockets: scale down late and one step at a time.
            scaleDown: {
              stabilizationWindowSeconds: s.hpa.scaleDownStabilizationSeconds,
              selectPolicy: "Min",
              policies: [
                {
                  type: "Pods",
                  value: s.hpa.scaleDownPods,
                  periodSeconds: s.hpa.scaleDownPeriodSeconds,
                },
              ],
            },
            scaleUp: {
              stabilizationWindowSeconds: 0,
              selectPolicy: "Max",
              policies: [
                { type: "Percent", value: 100, periodSeconds: 60 },
                { type: "Pods", value: 4, periodSeconds: 60 },
              ],
            },
          },
        },
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
          unhealthyPodEvictionPolicy: "AlwaysAllow",
        },
      },
      parent,
    );

    if (args.ingress) this.createIngress(name, args.ingress, meta);
    this.registerOutputs({
      deployment: this.deployment.metadata.name,
      service: this.service.metadata.name,
    });
  }

  private podSpec(args: HubArgs): k8s.types.input.core.v1.PodSpec {
    const s = args.settings;
    const probe = (path: string, p: StackSettings["probes"]["startup"]) => ({
      httpGet: { path, port: "http" },
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
    const spread = (topologyKey: string, whenUnsatisfiable: string) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable,
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
      topologySpreadConstraints: [
        spread("topology.kubernetes.io/zone", "ScheduleAnyway"),
        spread(
          "kubernetes.io/hostname",
          args.stack === "prod" ? "DoNotSchedule" : "ScheduleAnyway",
        ),
      ],
      containers: [
        {
          name: "hub",
          image: args.image,
          imagePullPolicy: "IfNotPresent",
          ports: [{ name: "http", containerPort: HUB_PORT, protocol: "TCP" }],
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

  private createIngress(
    name: string,
    ingress: NonNullable<HubArgs["ingress"]>,
    meta: { name: string; namespace: pulumi.Input<string>; labels: Record<string, string> },
  ): void {
    const timeout = String(ingress.timeoutSeconds);
    new k8s.networking.v1.Ingress(
      `${name}-ingress`,
      {
        metadata: {
          ...meta,
          annotations: {
            // WebSockets are long-lived: the default 60 s idle timeout would cut them.
            "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
            "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
          },
        },
        spec: {
          ingressClassName: ingress.className,
          ...(ingress.tlsSecretName
            ? { tls: [{ hosts: [ingress.host], secretName: ingress.tlsSecretName }] }
            : {}),
          rules: [
            {
              host: ingress.host,
              http: {
                paths: [
                  {
                    path: "/",
                    pathType: "Prefix",
                    backend: { service: { name: meta.name, port: { name: "http" } } },
                  },
                ],
              },
            },
          ],
        },
      },
      { parent: this },
    );
  }
}

function required(files: Record<string, string>, name: string): string {
  const path = files[name];
  if (path === undefined) throw new Error(`Hub: secrets must provide the ${name} file`);
  return path;
}
