import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { settingsFor } from "../settings.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import type { RedisHaArgs } from "./redis-ha.js";
import { redisInitScript } from "./redis-scripts.js";

const secrets = {
  annotations: { "vault.hashicorp.com/agent-inject": "true" },
  volumes: [],
  volumeMounts: [],
  files: { "redis-password": "/vault/secrets/redis-password" },
};

async function renderRedis(stack: "dev" | "prod", args: Partial<RedisHaArgs> = {}) {
  let hubEnv: Json = {};
  const r = await renderComponents(async () => {
    const [{ RedisHa }, pulumi] = await Promise.all([
      import("./redis-ha.js"),
      import("@pulumi/pulumi"),
    ]);
    const redis = new RedisHa("redis", {
      stack,
      namespace: "wshub",
      settings: settingsFor(stack).redis,
      redis: { external: false, image: "redis:7.2.5" },
      serviceAccountName: "wshub-redis",
      secrets,
      ...args,
    });
    hubEnv = await new Promise((resolve) => pulumi.output(redis.hubEnv).apply(resolve));
  }, stack);
  return { ...r, hubEnv };
}

describe("RedisHa (prod: Sentinel)", async () => {
  const { objects, hubEnv } = await renderRedis("prod");
  const sts = only(objects, "StatefulSet") as Json;
  const pod = sts.spec.template.spec;

  it("runs 3 pods, each with a Redis and a Sentinel container", () => {
    expect(sts.spec.replicas).toBe(3);
    expect(
      pod.containers.map((c: Json) => [c.name, c.command[0], c.ports[0].containerPort]),
    ).toEqual([
      ["redis", "redis-server", 6379],
      ["sentinel", "redis-sentinel", 26379],
    ]);
  });

  it("resolves peers through a headless Service that publishes not-ready pods", () => {
    const svc = only(objects, "Service") as Json;
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

  it("keeps at most one pod down at a time and spreads pods over nodes", () => {
    expect((only(objects, "PodDisruptionBudget") as Json).spec.maxUnavailable).toBe(1);
    expect(pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: "kubernetes.io/hostname",
      whenUnsatisfiable: "DoNotSchedule",
    });
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
    expect(pod.containers[1].readinessProbe.exec.command.join(" ")).toContain("-p 26379 ping");
  });

  it("gets the password from Vault annotations, never from env or args", () => {
    expect(sts.spec.template.metadata.annotations).toMatchObject(secrets.annotations);
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.env).toBeUndefined();
      expect(c.command.join(" ")).not.toMatch(/requirepass|--masterauth/);
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

  it("runs one Redis without Sentinel and without a disruption budget", () => {
    const sts = only(objects, "StatefulSet") as Json;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.template.spec.containers.map((c: Json) => c.name)).toEqual(["redis"]);
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

describe("redisInitScript", () => {
  const hosts = [0, 1, 2].map(
    (i) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local`,
  );

  // Runs the real script with sh in a temp dir; no Sentinel answers, as on a cold start.
  async function run(mode: "sentinel" | "single", hostname: string) {
    const dir = await mkdtemp(join(tmpdir(), "wshub-redis-init-"));
    try {
      await writeFile(join(dir, "pw"), "s3cret-from-vault");
      const script = redisInitScript({
        mode,
        masterName: "wshub",
        podHosts: mode === "single" ? hosts.slice(0, 1) : hosts,
        quorum: 2,
        minReplicasAck: 1,
        passwordFile: join(dir, "pw"),
      }).replaceAll("/run/redis", dir);
      await promisify(execFile)("sh", ["-c", script], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOSTNAME: hostname },
        timeout: 20_000,
      });
      const read = (f: string) => readFile(join(dir, f), "utf8").catch(() => undefined);
      return { redis: await read("redis.conf"), sentinel: await read("sentinel.conf") };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("makes pod 0 the primary on a cold start and takes the password from the file", async () => {
    const { redis, sentinel } = await run("sentinel", "wshub-redis-0");
    expect(redis).toContain("requirepass s3cret-from-vault\nmasterauth s3cret-from-vault");
    expect(redis).not.toContain("replicaof");
    expect(redis).toContain("min-replicas-to-write 1");
    expect(sentinel).toContain(`sentinel monitor wshub ${hosts[0]} 6379 2`);
    expect(sentinel).toContain("sentinel auth-pass wshub s3cret-from-vault");
  });

  it("makes other pods replicas of pod 0 when no Sentinel knows a primary", async () => {
    const { redis } = await run("sentinel", "wshub-redis-2");
    expect(redis).toContain(`replicaof ${hosts[0]} 6379`);
    expect(redis).toContain(`replica-announce-ip ${hosts[2]}`);
  });

  it("writes only redis.conf for a single Redis", async () => {
    const { redis, sentinel } = await run("single", "wshub-redis-0");
    expect(redis).toBe("include /etc/redis/base.conf\nrequirepass s3cret-from-vault\n");
    expect(sentinel).toBeUndefined();
  });
});
