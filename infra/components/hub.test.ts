import { describe, expect, it } from "vitest";
import { hubEnv, settingsFor } from "../../contract/index.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import { validateKubeObject } from "../testing/kube-schema.js";
import type { HubArgs } from "./hub.js";
import { adapterRule } from "./hub-autoscaling.js";

const settings = settingsFor("prod");
const secrets = {
  annotations: { "vault.hashicorp.com/agent-inject": "true" },
  volumes: [],
  volumeMounts: [],
  dependsOn: [],
  files: {
    "redis-password": "/vault/secrets/redis-password",
    "jwt-secret": "/vault/secrets/jwt-secret",
    "api-key": "/vault/secrets/api-key",
  },
};
const baseArgs: HubArgs = {
  stack: "prod",
  namespace: "wshub",
  settings,
  image: "ghcr.io/acme/wshub:1.2.3",
  appVersion: "1.2.3",
  logLevel: "info",
  allowedOrigins: ["https://app.example.com"],
  serviceAccountName: "wshub-hub",
  redisEnv: { REDIS_SENTINELS: "a:26379,b:26379", REDIS_SENTINEL_NAME: "wshub" },
  secrets,
  proxyHops: 1,
  namespaceName: "wshub",
  autoscaling: { connections: "cpu", prometheusAddress: "http://prometheus.monitoring.svc:9090" },
};
const route = {
  host: "ws.example.com",
  api: "ingress" as const,
  className: "nginx",
  publishApi: false,
  timeoutSeconds: 3600,
};

async function renderHub(args: Partial<HubArgs> = {}) {
  return renderComponents(async () => {
    const { Hub } = await import("./hub.js");
    new Hub("hub", { ...baseArgs, ...args });
  });
}

describe("Hub", async () => {
  const { objects } = await renderHub({ ingress: route });
  const deployment = only(objects, "Deployment") as Json;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it("rolls out with the settings' numbers and leaves replicas to the HPA after creation", () => {
    expect(deployment.spec).toMatchObject({
      replicas: 6,
      minReadySeconds: settings.rollout.minReadySeconds,
      progressDeadlineSeconds: settings.rollout.progressDeadlineSeconds,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    });
    expect(pod.terminationGracePeriodSeconds).toBe(settings.shutdown.terminationGracePeriodSeconds);
  });

  it("probes /livez and /readyz on the internal port, never the public one", () => {
    expect(container.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "internal", containerPort: 9091, protocol: "TCP" },
    ]);
    expect(container.startupProbe).toEqual({
      httpGet: { path: "/livez", port: "internal" },
      ...settings.probes.startup,
    });
    expect(container.readinessProbe).toEqual({
      httpGet: { path: "/readyz", port: "internal" },
      ...settings.probes.readiness,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: "/livez", port: "internal" },
      ...settings.probes.liveness,
    });
    const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
    expect(env).toMatchObject({ PORT: "8080", INTERNAL_PORT: "9091" });
  });

  it("has no preStop sleep: the hub delays its own shutdown by SHUTDOWN_DELAY_SECONDS", () => {
    expect(container.lifecycle).toBeUndefined();
    const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
    expect(env.SHUTDOWN_DELAY_SECONDS).toBe(String(settings.shutdown.shutdownDelaySeconds));
  });

  it("trusts X-Forwarded-For from the ingress controller only, so per-address limits count clients", () => {
    const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
    expect(env.TRUSTED_PROXIES).toBe("1");
  });

  it("runs restricted: non-root uid 10001, read-only root, no privilege escalation, no capabilities", () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(pod.volumes).toContainEqual({ name: "tmp", emptyDir: { sizeLimit: "64Mi" } });
  });

  it("pins the image and sets requests and limits from the settings", () => {
    expect(container.image).toBe("ghcr.io/acme/wshub:1.2.3");
    expect(container.resources).toEqual({
      requests: {
        cpu: `${settings.resources.requests.cpuMillis}m`,
        memory: `${settings.resources.requests.memoryMiB}Mi`,
      },
      limits: {
        cpu: `${settings.resources.limits.cpuMillis}m`,
        memory: `${settings.resources.limits.memoryMiB}Mi`,
      },
    });
  });

  it("passes the shared numbers, Redis endpoints and secret files (never values) as env", () => {
    const env = Object.fromEntries(
      container.env.map((e: Json) => [e.name, e.value ?? e.valueFrom]),
    );
    expect(env).toMatchObject(hubEnv(settings));
    expect(env).toMatchObject({
      NODE_ENV: "production",
      REDIS_SENTINELS: "a:26379,b:26379",
      REDIS_PASSWORD_FILE: "/vault/secrets/redis-password",
      AUTH_JWT_SECRET_FILE: "/vault/secrets/jwt-secret",
      API_KEY_FILE: "/vault/secrets/api-key",
      ALLOWED_ORIGINS: "https://app.example.com",
      APP_VERSION: "1.2.3",
      NODE_ID: { fieldRef: { fieldPath: "metadata.name" } },
    });
    for (const name of ["REDIS_PASSWORD", "AUTH_JWT_SECRET", "API_KEY", "AUTH_JWT_PUBLIC_KEY"]) {
      expect(env[name]).toBeUndefined();
    }
  });

  it("spreads pods across zones and nodes per ReplicaSet without leaving them Pending", () => {
    const keys = pod.topologySpreadConstraints.map((t: Json) => [
      t.topologyKey,
      t.whenUnsatisfiable,
      t.nodeTaintsPolicy,
    ]);
    expect(keys).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway", "Honor"],
      ["kubernetes.io/hostname", "ScheduleAnyway", "Honor"],
    ]);
    for (const t of pod.topologySpreadConstraints)
      expect(t.matchLabelKeys).toEqual(["pod-template-hash"]);
  });

  it("puts the Vault wiring on the pod template", () => {
    expect(deployment.spec.template.metadata.annotations).toEqual(secrets.annotations);
  });

  it("autoscales on CPU alone by default, scaling down slowly", () => {
    const hpa = only(objects, "HorizontalPodAutoscaler") as Json;
    expect(hpa.spec.minReplicas).toBe(settings.hpa.minReplicas);
    expect(hpa.spec.maxReplicas).toBe(settings.hpa.maxReplicas);
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "wshub-hub",
    });
    // No Pods metric: without an adapter it never resolves and the HPA never scales down.
    expect(hpa.spec.metrics).toEqual([
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: settings.hpa.cpuUtilizationPercent },
        },
      },
    ]);
    expect(hpa.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 600,
      selectPolicy: "Min",
      policies: [{ type: "Pods", value: 1, periodSeconds: settings.hpa.scaleDownPeriodSeconds }],
    });
  });

  it("adds wshub_connections per pod with prometheus-adapter", async () => {
    const r = await renderHub({
      autoscaling: { ...baseArgs.autoscaling, connections: "prometheus-adapter" },
    });
    const hpa = only(r.objects, "HorizontalPodAutoscaler") as Json;
    expect(hpa.spec.metrics[1]).toEqual({
      type: "Pods",
      pods: {
        metric: { name: "wshub_connections" },
        target: { type: "AverageValue", averageValue: String(settings.hpa.connectionsPerPod) },
      },
    });
    expect(adapterRule()).toMatchObject({ name: { as: "wshub_connections" } });
  });

  it("lets a KEDA ScaledObject own the HPA and query Prometheus for connections", async () => {
    const r = await renderHub({
      autoscaling: { ...baseArgs.autoscaling, connections: "keda" },
    });
    expect(r.objects.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
    const so = only(r.objects, "ScaledObject") as Json;
    expect(so.spec).toMatchObject({
      scaleTargetRef: { name: "wshub-hub" },
      minReplicaCount: settings.hpa.minReplicas,
      maxReplicaCount: settings.hpa.maxReplicas,
    });
    expect(so.spec.triggers[1]).toEqual({
      type: "prometheus",
      metricType: "AverageValue",
      metadata: {
        serverAddress: "http://prometheus.monitoring.svc:9090",
        query: 'sum(wshub_connections{namespace="wshub"})',
        threshold: String(settings.hpa.connectionsPerPod),
      },
    });
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.selectPolicy).toBe(
      "Min",
    );
    for (const o of r.objects) expect(validateKubeObject(o)).toEqual([]);
  });

  it("exposes the public and the internal port through a ClusterIP Service of hub pods", () => {
    const svc = only(objects, "Service") as Json;
    expect(svc.spec.ports).toEqual([
      { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
      { name: "internal", port: 9091, targetPort: "internal", protocol: "TCP" },
    ]);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
  });

  it("keeps the eviction budget when every pod is unready (a Redis outage) and mounts no API token", () => {
    const pdb = only(objects, "PodDisruptionBudget") as Json;
    expect(pdb.spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "IfHealthyBudget",
    });
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const sa = only(objects, "ServiceAccount") as Json;
    expect(sa.metadata.name).toBe(pod.serviceAccountName);
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("routes only the WebSocket path to the public port, open for the configured timeout", () => {
    const ing = only(objects, "Ingress") as Json;
    expect(ing.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    });
    expect(ing.spec.rules[0].http.paths).toEqual([
      {
        path: "/v1/ws",
        pathType: "Exact",
        backend: { service: { name: "wshub-hub", port: { name: "http" } } },
      },
    ]);
  });

  it("adds POST /v1/publish only when the publish API is enabled, never / or /metrics", async () => {
    const r = await renderHub({ ingress: { ...route, publishApi: true } });
    const paths = (only(r.objects, "Ingress") as Json).spec.rules[0].http.paths;
    expect(paths.map((p: Json) => [p.path, p.pathType])).toEqual([
      ["/v1/ws", "Exact"],
      ["/v1/publish", "Exact"],
    ]);
  });

  it("routes through a Gateway API HTTPRoute instead, with a cert-manager Certificate", async () => {
    const r = await renderHub({
      ingress: {
        ...route,
        api: "gateway",
        gateway: { name: "public", namespace: "gateway-system" },
        tlsSecretName: "wshub-tls",
        certManagerIssuer: { name: "letsencrypt", kind: "ClusterIssuer" },
      },
    });
    expect(r.objects.filter((o) => o.kind === "Ingress")).toEqual([]);
    const hr = only(r.objects, "HTTPRoute") as Json;
    expect(hr.spec).toEqual({
      parentRefs: [{ name: "public", namespace: "gateway-system" }],
      hostnames: ["ws.example.com"],
      rules: [
        {
          matches: [{ path: { type: "Exact", value: "/v1/ws" } }],
          backendRefs: [{ name: "wshub-hub", port: 8080 }],
        },
      ],
    });
    expect((only(r.objects, "Certificate") as Json).spec).toEqual({
      secretName: "wshub-tls",
      dnsNames: ["ws.example.com"],
      issuerRef: { name: "letsencrypt", kind: "ClusterIssuer", group: "cert-manager.io" },
    });
    for (const o of r.objects) expect(validateKubeObject(o)).toEqual([]);
  });

  it("creates no route unless asked", async () => {
    const r = await renderHub();
    expect(r.objects.filter((o) => o.kind === "Ingress" || o.kind === "HTTPRoute")).toEqual([]);
  });

  it("lets a rollout with maxUnavailable 0 still drain nodes (PDB allows 1)", async () => {
    const r = await renderHub({ stack: "dev", settings: settingsFor("dev") });
    expect((only(r.objects, "PodDisruptionBudget") as Json).spec.maxUnavailable).toBe(1);
    const spread = (only(r.objects, "Deployment") as Json).spec.template.spec
      .topologySpreadConstraints;
    expect(spread.map((t: Json) => t.whenUnsatisfiable)).toEqual([
      "ScheduleAnyway",
      "ScheduleAnyway",
    ]);
  });
});
