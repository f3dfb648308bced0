import type * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../../contract/index.js";
import { REDIS_EXPORTER_IMAGE, REDIS_IMAGE } from "../images.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import type { RedisHaArgs } from "./redis-ha.js";

const secrets = {
  annotations: { "vault.hashicorp.com/agent-inject": "true" },
  volumes: [],
  volumeMounts: [],
  dependsOn: [],
  files: { "redis-password": "/vault/secrets/redis-password" },
};

/** Resource options by resource name, seen through a transformation on the component. */
type Captured = Record<string, pulumi.ResourceOptions>;

async function renderRedis(stack: "dev" | "prod", args: Partial<RedisHaArgs> = {}) {
  let hubEnv: Json = {};
  const options: Captured = {};
  const r = await renderComponents(async () => {
    const [{ RedisHa }, pulumi] = await Promise.all([
      import("./redis-ha.js"),
      import("@pulumi/pulumi"),
    ]);
    const redis = new RedisHa(
      "redis",
      {
        stack,
        namespace: "wshub",
        settings: settingsFor(stack).redis,
        redis: { external: false, image: REDIS_IMAGE, exporterImage: REDIS_EXPORTER_IMAGE },
        serviceAccountName: "wshub-redis",
        secrets,
        passwordRotation: { mode: stack === "prod" ? "reload" : "restart", generation: 1 },
        protect: stack === "prod",
        ...args,
      },
      {
        transformations: [
          (t) => {
            options[t.name] = t.opts;
            return undefined;
          },
        ],
      },
    );
    hubEnv = await new Promise((resolve) => pulumi.output(redis.hubEnv).apply(resolve));
  }, stack);
  return { ...r, hubEnv, options };
}

describe("RedisHa (prod: Sentinel)", async () => {
  const { objects, hubEnv, options } = await renderRedis("prod");
  const sts = only(objects, "StatefulSet") as Json;
  const pod = sts.spec.template.spec;
  const container = (name: string) => pod.containers.find((c: Json) => c.name === name);

  it("runs 3 pods, each with Redis, Sentinel, their exporters and the password reload", () => {
    expect(sts.spec.replicas).toBe(3);
    expect(pod.containers.map((c: Json) => [c.name, c.image, c.ports?.[0]?.containerPort])).toEqual(
      [
        ["redis", REDIS_IMAGE, 6379],
        ["sentinel", REDIS_IMAGE, 26379],
        ["redis-exporter", REDIS_EXPORTER_IMAGE, 9121],
        ["sentinel-exporter", REDIS_EXPORTER_IMAGE, 9122],
        ["password-reload", REDIS_IMAGE, undefined],
      ],
    );
    expect(container("redis-exporter").args).toEqual(
      expect.arrayContaining([
        "--redis.user=metrics",
        "--redis.password-file=/run/redis/exporter-passwords.json",
      ]),
    );
    expect(container("sentinel-exporter").args).not.toContain(
      "--redis.password-file=/run/redis/exporter-passwords.json",
    );
  });

  it("hands the primary over in a preStop of both containers, within the grace period", () => {
    for (const name of ["redis", "sentinel"]) {
      expect(container(name).lifecycle.preStop.exec.command).toEqual([
        "sh",
        "/etc/redis/prestop.sh",
      ]);
    }
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(20 + 10);
  });

  it("keeps a loading Redis alive (liveness accepts LOADING, readiness does not)", () => {
    const live = container("redis").livenessProbe.exec.command.join(" ");
    const ready = container("redis").readinessProbe.exec.command.join(" ");
    expect(live).toContain("PONG|LOADING*");
    expect(ready).not.toContain("LOADING");
  });

  it("caps Redis' memory below its container limit (maxmemory in the mounted base.conf)", () => {
    const cm = only(objects, "ConfigMap") as Json;
    expect(cm.data["base.conf"]).toContain(
      `maxmemory ${Math.floor(settingsFor("prod").redis.resources.limits.memoryMiB * 0.6)}mb`,
    );
  });

  it("names the ConfigMap after its content so a script change rolls the pods", async () => {
    const cm = only(objects, "ConfigMap") as Json;
    expect(cm.metadata.name).toMatch(/^wshub-redis-config-[0-9a-f]{10}$/);
    const volume = pod.volumes.find((v: Json) => v.name === "config");
    expect(volume.configMap.name).toBe(cm.metadata.name);
    const other = await renderRedis("prod", {
      settings: { ...settingsFor("prod").redis, minReplicasAck: 2 },
    });
    expect((only(other.objects, "ConfigMap") as Json).metadata.name).not.toBe(cm.metadata.name);
  });

  it("never replaces the StatefulSet for a storage change, and keeps its volumes", () => {
    const opts = options["redis-statefulset"];
    expect(opts?.ignoreChanges).toEqual(["spec.volumeClaimTemplates"]);
    expect(opts?.retainOnDelete).toBe(true);
    expect(opts?.protect).toBe(true);
    expect((opts as pulumi.CustomResourceOptions | undefined)?.deleteBeforeReplace).toBeUndefined();
    expect(sts.spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: "Retain",
      whenScaled: "Retain",
    });
  });

  it("resolves peers through a headless Service that publishes not-ready pods", () => {
    const svc = only(objects, "Service", "wshub-redis-headless") as Json;
    expect(sts.spec.serviceName).toBe(svc.metadata.name);
    expect(svc.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(svc.spec.ports.map((p: Json) => p.port)).toEqual([6379, 26379]);
  });

  it("tells the hub to find the primary through the three Sentinels", () => {
    expect(hubEnv).toEqual({
      REDIS_SENTINELS: [0, 1, 2]
        .map((i) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local:26379`)
        .join(","),
      REDIS_SENTINEL_NAME: "wshub",
    });
  });

  it("keeps at most one pod down at a time and spreads pods over zones and nodes", () => {
    expect((only(objects, "PodDisruptionBudget") as Json).spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "IfHealthyBudget",
    });
    expect(
      pod.topologySpreadConstraints.map((t: Json) => [
        t.topologyKey,
        t.whenUnsatisfiable,
        t.nodeTaintsPolicy,
      ]),
    ).toEqual([
      ["topology.kubernetes.io/zone", "DoNotSchedule", "Honor"],
      ["kubernetes.io/hostname", "DoNotSchedule", "Honor"],
    ]);
  });

  it("runs restricted as the redis user with probes that authenticate from the file", () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, fsGroup: 999 });
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.limits.memory).toMatch(/Mi$/);
    }
    const redis = pod.containers[0];
    expect(redis.readinessProbe.exec.command.join(" ")).toContain(
      "$(cat /vault/secrets/redis-password)",
    );
    expect(redis.livenessProbe.exec.command).toBeDefined();
    expect(pod.containers[1].readinessProbe.exec.command.join(" ")).toContain(
      "-p 26379 --raw ping",
    );
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it("gets the password from Vault annotations, never from env or args", () => {
    expect(sts.spec.template.metadata.annotations).toMatchObject(secrets.annotations);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.env).toBeUndefined();
      expect([...(c.command ?? []), ...(c.args ?? [])].join(" ")).not.toMatch(
        /requirepass|--masterauth|--redis\.password=/,
      );
    }
  });

  it("keeps data on a persistent volume from the settings' size", () => {
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(
      `${settingsFor("prod").redis.storageGiB}Gi`,
    );
  });
});

describe("RedisHa (dev: single)", async () => {
  const { objects, hubEnv } = await renderRedis("dev");

  it("restarts the single Redis on a new password generation (no reload loop)", () => {
    const sts = only(objects, "StatefulSet") as Json;
    expect(sts.spec.template.metadata.annotations["wshub.io/redis-password-generation"]).toBe("1");
    expect(sts.spec.template.spec.containers[0].lifecycle).toBeUndefined();
  });

  it("runs one Redis without Sentinel and without a disruption budget", () => {
    const sts = only(objects, "StatefulSet") as Json;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers.map((c: Json) => c.name)).toEqual([
      "redis",
      "redis-exporter",
    ]);
    expect(objects.filter((o) => o.kind === "PodDisruptionBudget")).toEqual([]);
    expect(hubEnv).toEqual({
      REDIS_URL: "redis://wshub-redis-0.wshub-redis-headless.wshub.svc.cluster.local:6379",
    });
  });
});

describe("RedisHa (external)", async () => {
  const { objects, hubEnv } = await renderRedis("prod", {
    redis: { external: true, url: "rediss://redis.example.com:6380" },
  });

  it("creates no Kubernetes objects and points the hub at the managed URL", () => {
    expect(objects).toEqual([]);
    expect(hubEnv).toEqual({ REDIS_URL: "rediss://redis.example.com:6380" });
  });
});
