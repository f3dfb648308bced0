import { describe, expect, it } from "vitest";
import { settingsFor } from "../../contract/index.js";
import { REDIS_EXPORTER_IMAGE, REDIS_IMAGE } from "../images.js";
import { type Json, only, renderComponents } from "../testing/components.js";
import type { RedisHaArgs } from "./redis-ha.js";

const secrets = {
  annotations: { "vault.hashicorp.com/agent-inject": "true" },
  volumes: [{ name: "vault-token", emptyDir: {} }],
  volumeMounts: [],
  dependsOn: [],
  files: { "redis-password": "/vault/secrets/redis-password" },
};
const host = (i: number) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local`;

async function renderCluster(
  cluster = { shards: 3, replicasPerShard: 1 },
  more: Partial<RedisHaArgs> = {},
) {
  let hubEnv: Json = {};
  const r = await renderComponents(async () => {
    const [{ RedisHa }, pulumi] = await Promise.all([
      import("./redis-ha.js"),
      import("@pulumi/pulumi"),
    ]);
    const redis = new RedisHa("redis", {
      stack: "prod",
      namespace: "wshub",
      settings: settingsFor("prod", { redis: { mode: "cluster", cluster } }).redis,
      redis: { external: false, image: REDIS_IMAGE, exporterImage: REDIS_EXPORTER_IMAGE },
      serviceAccountName: "wshub-redis",
      secrets,
      passwordRotation: { mode: "reload", generation: 1 },
      protect: true,
      ...more,
    });
    hubEnv = await new Promise((resolve) => pulumi.output(redis.hubEnv).apply(resolve));
  });
  return { ...r, hubEnv };
}

describe("RedisHa (prod: Redis Cluster)", async () => {
  const { objects, hubEnv } = await renderCluster();
  const sts = only(objects, "StatefulSet") as Json;
  const pod = sts.spec.template.spec;
  const container = (name: string) => pod.containers.find((c: Json) => c.name === name);
  const cm = only(objects, "ConfigMap") as Json;
  const job = only(objects, "Job") as Json;

  it("runs shards × (1 + replicas) pods at once, each a cluster node with exporter and reload", () => {
    expect(sts.spec.replicas).toBe(6);
    expect(sts.spec.podManagementPolicy).toBe("Parallel");
    expect(pod.containers.map((c: Json) => c.name)).toEqual([
      "redis",
      "redis-exporter",
      "password-reload",
    ]);
    expect(container("redis").ports).toEqual([
      { name: "redis", containerPort: 6379 },
      { name: "cluster-bus", containerPort: 16379 },
    ]);
    expect(cm.data["init.sh"]).toContain('echo "cluster-enabled yes"');
  });

  it("tells the hub every node (REDIS_CLUSTER_NODES), and nothing of Sentinel or one URL", () => {
    expect(hubEnv).toEqual({
      REDIS_CLUSTER_NODES: [0, 1, 2, 3, 4, 5].map((i) => `${host(i)}:6379`).join(","),
    });
  });

  it("is ready only in an ok cluster and hands a primary over before it stops", () => {
    expect(container("redis").readinessProbe.exec.command.join(" ")).toContain(
      "*cluster_state:ok*",
    );
    expect(container("redis").livenessProbe.exec.command.join(" ")).toContain("PONG|LOADING*");
    expect(container("redis").lifecycle.preStop.exec.command).toEqual([
      "sh",
      "/etc/redis/prestop.sh",
    ]);
    expect(cm.data["prestop.sh"]).toContain("cluster failover");
    // The init container re-resolves peers in nodes.conf, which lives on the data volume.
    expect(pod.initContainers[0].volumeMounts.map((m: Json) => m.name)).toContain("data");
  });

  it("resolves peers and the bus through a headless Service that publishes not-ready pods", () => {
    const svc = only(objects, "Service", "wshub-redis-headless") as Json;
    expect(svc.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true });
    expect(svc.spec.ports.map((p: Json) => [p.name, p.port])).toEqual([
      ["redis", 6379],
      ["cluster-bus", 16379],
    ]);
  });

  it("names the Job after everything in its spec, so a change is a new Job, never a name clash", async () => {
    expect(job.metadata.name).toMatch(/^wshub-redis-bootstrap-[0-9a-f]{10}$/);
    const again = await renderCluster();
    expect((only(again.objects, "Job") as Json).metadata.name).toBe(job.metadata.name);
    const image = await renderCluster(undefined, {
      redis: { external: false, image: "redis:7.4.7", exporterImage: REDIS_EXPORTER_IMAGE },
    });
    const newImage = only(image.objects, "Job") as Json;
    expect(newImage.spec.template.spec.containers[0].image).toBe("redis:7.4.7");
    expect(newImage.metadata.name).not.toBe(job.metadata.name);
    const bigger = await renderCluster({ shards: 4, replicasPerShard: 1 });
    expect((only(bigger.objects, "Job") as Json).metadata.name).not.toBe(job.metadata.name);
  });

  it("forms the cluster in a Job that runs the bootstrap script", () => {
    expect(cm.data["bootstrap.sh"]).toContain(
      `redis-cli --cluster create "$@" --cluster-replicas 1 --cluster-yes`,
    );
    expect(cm.data["bootstrap.sh"]).toContain(`HOSTS="${[0, 1, 2, 3, 4, 5].map(host).join(" ")}"`);
    const spec = job.spec.template.spec;
    expect(spec.restartPolicy).toBe("Never");
    expect(spec.serviceAccountName).toBe("wshub-redis");
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.containers[0].command).toEqual(["sh", "/etc/redis/bootstrap.sh"]);
    expect(spec.volumes.find((v: Json) => v.name === "config").configMap.name).toBe(
      cm.metadata.name,
    );
    expect(spec.volumes).toContainEqual(secrets.volumes[0]);
    expect(job.spec.backoffLimit).toBeGreaterThan(0);
    expect(job.spec.activeDeadlineSeconds).toBeGreaterThan(0);
    // The Vault agent only pre-populates the file: a sidecar would keep the Job running.
    expect(job.spec.template.metadata.annotations).toMatchObject({
      ...secrets.annotations,
      "vault.hashicorp.com/agent-pre-populate-only": "true",
    });
  });

  it("keeps the Job's pod out of the Redis selectors (Services, PDB, spread)", () => {
    const labels = job.spec.template.metadata.labels as Record<string, string>;
    const selects = (sel: Record<string, string>) =>
      Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(selects(sts.spec.selector.matchLabels)).toBe(false);
    expect(selects((only(objects, "PodDisruptionBudget") as Json).spec.selector.matchLabels)).toBe(
      false,
    );
    expect(labels["app.kubernetes.io/component"]).toBe("redis-bootstrap");
  });

  it("runs the Job restricted, with resources, and never with the password in env or args", () => {
    const spec = job.spec.template.spec;
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999 });
    for (const c of [...spec.containers, ...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.resources.limits.memory).toMatch(/Mi$/);
      expect(c.env).toBeUndefined();
      expect([...(c.command ?? []), ...(c.args ?? [])].join(" ")).not.toMatch(
        /requirepass|masterauth|--redis\.password=|-a /,
      );
    }
  });

  it("keeps at most one node down at a time and spreads nodes over zones and nodes strictly", () => {
    expect((only(objects, "PodDisruptionBudget") as Json).spec).toMatchObject({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "IfHealthyBudget",
    });
    expect(pod.topologySpreadConstraints.map((t: Json) => t.whenUnsatisfiable)).toEqual([
      "DoNotSchedule",
      "DoNotSchedule",
    ]);
  });

  it("sizes the cluster from the settings: 5 shards × 2 replicas", async () => {
    const big = await renderCluster({ shards: 5, replicasPerShard: 2 });
    expect((only(big.objects, "StatefulSet") as Json).spec.replicas).toBe(15);
    expect((only(big.objects, "ConfigMap") as Json).data["bootstrap.sh"]).toContain(
      "--cluster-replicas 2",
    );
    expect(String(big.hubEnv.REDIS_CLUSTER_NODES).split(",")).toHaveLength(15);
  });

  it("creates nothing but the hub's pointer for an external Redis", async () => {
    const external = await renderCluster(undefined, {
      redis: { external: true, url: "rediss://redis.example.com:6380" },
    } as Partial<RedisHaArgs>);
    expect(external.objects).toEqual([]);
  });
});
