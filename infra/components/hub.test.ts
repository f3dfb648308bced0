import { describe, expect, it } from "vitest";
import { hubEnv, settingsFor } from "../settings.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import type { HubArgs } from "./hub.js";

const settings = settingsFor("prod");
const secrets = {
  annotations: { "vault.hashicorp.com/agent-inject": "true" },
  volumes: [],
  volumeMounts: [],
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
};

async function renderHub(args: Partial<HubArgs> = {}) {
  return renderComponents(async () => {
    const { Hub } = await import("./hub.js");
    new Hub("hub", { ...baseArgs, ...args });
  });
}

describe("Hub", async () => {
  const { objects } = await renderHub({
    ingress: { host: "ws.example.com", className: "nginx", timeoutSeconds: 3600 },
  });
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

  it("probes /livez for startup and liveness and /readyz for readiness on the http port", () => {
    expect(container.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(container.startupProbe).toEqual({
      httpGet: { path: "/livez", port: "http" },
      ...settings.probes.startup,
    });
    expect(container.readinessProbe).toEqual({
      httpGet: { path: "/readyz", port: "http" },
      ...settings.probes.readiness,
    });
    expect(container.livenessProbe).toEqual({
      httpGet: { path: "/livez", port: "http" },
      ...settings.probes.liveness,
    });
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

  it("spreads pods across zones and nodes, per ReplicaSet", () => {
    const keys = pod.topologySpreadConstraints.map((t: Json) => [
      t.topologyKey,
      t.whenUnsatisfiable,
    ]);
    expect(keys).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ["kubernetes.io/hostname", "DoNotSchedule"],
    ]);
    for (const t of pod.topologySpreadConstraints)
      expect(t.matchLabelKeys).toEqual(["pod-template-hash"]);
  });

  it("puts the Vault wiring on the pod template", () => {
    expect(deployment.spec.template.metadata.annotations).toEqual(secrets.annotations);
  });

  it("autoscales on CPU and on wshub_connections per pod, scaling down slowly", () => {
    const hpa = only(objects, "HorizontalPodAutoscaler") as Json;
    expect(hpa.spec.minReplicas).toBe(settings.hpa.minReplicas);
    expect(hpa.spec.maxReplicas).toBe(settings.hpa.maxReplicas);
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "wshub-hub",
    });
    expect(hpa.spec.metrics).toEqual([
      {
        type: "Resource",
        resource: {
          name: "cpu",
          target: { type: "Utilization", averageUtilization: settings.hpa.cpuUtilizationPercent },
        },
      },
      {
        type: "Pods",
        pods: {
          metric: { name: "wshub_connections" },
          target: { type: "AverageValue", averageValue: String(settings.hpa.connectionsPerPod) },
        },
      },
    ]);
    expect(hpa.spec.behavior.scaleDown).toEqual({
      stabilizationWindowSeconds: 600,
      selectPolicy: "Min",
      policies: [{ type: "Pods", value: 1, periodSeconds: settings.hpa.scaleDownPeriodSeconds }],
    });
  });

  it("exposes port http through a ClusterIP Service selecting only hub pods", () => {
    const svc = only(objects, "Service") as Json;
    expect(svc.spec.ports).toEqual([
      { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
    ]);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(deployment.spec.template.metadata.labels).toMatchObject(svc.spec.selector);
  });

  it("bounds voluntary evictions like a rollout and has its own ServiceAccount", () => {
    const pdb = only(objects, "PodDisruptionBudget") as Json;
    expect(pdb.spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const sa = only(objects, "ServiceAccount") as Json;
    expect(sa.metadata.name).toBe(pod.serviceAccountName);
    expect(sa.automountServiceAccountToken).toBe(true);
  });

  it("keeps WebSockets open through the ingress for the configured timeout", () => {
    const ing = only(objects, "Ingress") as Json;
    expect(ing.metadata.annotations).toEqual({
      "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600",
      "nginx.ingress.kubernetes.io/proxy-send-timeout": "3600",
    });
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({
      service: { name: "wshub-hub", port: { name: "http" } },
    });
  });

  it("creates no Ingress unless asked, and no token in pods without the agent", async () => {
    const r = await renderHub({ secrets: { ...secrets, annotations: {} } });
    expect(r.objects.filter((o) => o.kind === "Ingress")).toEqual([]);
    expect((only(r.objects, "ServiceAccount") as Json).automountServiceAccountToken).toBe(false);
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
