// The prod stack rendered on a Redis Cluster (docs/infra.md's example): what the hub is told,
// which flows the NetworkPolicies allow, and what is alerted.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isHubEnvName } from "../contract/index.js";
import { loadConfig } from "../service/config.js";
import { labelsFor, selectorFor } from "./components/pod.js";
import { BOOTSTRAP_COMPONENT } from "./components/redis-cluster-bootstrap.js";
import { renderStackReport } from "./render.js";
import { type Json, only } from "./testing/components.js";
import { allows, type Endpoint } from "./testing/network-flows.js";
import { REDIS_CLUSTER } from "./testing/stack-variants.js";

const ns = "wshub";
const hub: Endpoint = { pod: labelsFor("hub", "prod"), namespace: ns };
const redis: Endpoint = { pod: labelsFor("redis", "prod"), namespace: ns };
const bootstrap: Endpoint = {
  pod: { ...labelsFor("redis", "prod"), "app.kubernetes.io/component": BOOTSTRAP_COMPONENT },
  namespace: ns,
};
const other: Endpoint = { pod: { app: "debug" }, namespace: ns };
const vault: Endpoint = { pod: { app: "vault" }, namespace: "vault" };
const prometheus: Endpoint = { pod: { app: "prometheus" }, namespace: "monitoring" };

describe("render prod on a Redis Cluster", async () => {
  const { objects } = await renderStackReport("prod", REDIS_CLUSTER);
  const hubEnv = Object.fromEntries(
    (
      (only(objects, "Deployment") as Json).spec.template.spec.containers[0].env as {
        name: string;
        value?: string;
      }[]
    ).map((e) => [e.name, e.value]),
  );

  it("tells the hub the six nodes and REDIS_MIN_REPLICAS, and no other Redis topology", () => {
    expect(hubEnv.REDIS_CLUSTER_NODES?.split(",")).toEqual(
      [0, 1, 2, 3, 4, 5].map(
        (i) => `wshub-redis-${i}.wshub-redis-headless.wshub.svc.cluster.local:6379`,
      ),
    );
    expect(hubEnv.REDIS_MIN_REPLICAS).toBe("1");
    for (const name of ["REDIS_URL", "REDIS_SENTINELS", "REDIS_SENTINEL_NAME"])
      expect(Object.keys(hubEnv)).not.toContain(name);
    for (const name of Object.keys(hubEnv)) expect(isHubEnvName(name), name).toBe(true);
  });

  it("is a cluster topology to the hub's own config parser", () => {
    const config = loadConfig({
      ...Object.fromEntries(Object.entries(hubEnv).filter(([k]) => !k.endsWith("_FILE"))),
      NODE_ENV: "development",
      AUTH_DISABLED: "true",
    } as NodeJS.ProcessEnv);
    expect(config.redis).toMatchObject({ mode: "cluster" });
    expect(config.redis.mode === "cluster" && config.redis.nodes).toHaveLength(6);
    expect(config.redisMinReplicas).toBe(1);
  });

  it.each([
    ["hub → redis:6379", hub, redis, 6379],
    ["redis → redis:6379 (replication)", redis, redis, 6379],
    ["redis → redis:16379 (cluster bus)", redis, redis, 16379],
    ["bootstrap Job → redis:6379", bootstrap, redis, 6379],
    ["bootstrap Job → vault:8200 (its agent)", bootstrap, vault, 8200],
    ["prometheus → redis exporter:9121", prometheus, redis, 9121],
  ] as const)("allows %s", (_name, from, to, port) => {
    expect(allows(objects, from, to, port)).toBe(true);
  });

  it.each([
    ["hub → redis:16379 (the bus is for nodes only)", hub, redis, 16379],
    ["bootstrap Job → redis:16379", bootstrap, redis, 16379],
    ["hub → redis:26379 (no Sentinel)", hub, redis, 26379],
    ["another pod → redis:6379", other, redis, 6379],
    ["another pod → redis:16379", other, redis, 16379],
    ["redis → bootstrap Job", redis, bootstrap, 6379],
    ["bootstrap Job → hub", bootstrap, hub, 8080],
  ] as const)("denies %s", (_name, from, to, port) => {
    expect(allows(objects, from, to, port)).toBe(false);
  });

  it("opens the bus port in Redis' own ingress to Redis pods only, whatever the others' egress", () => {
    const policy = only(objects, "NetworkPolicy", "wshub-redis-from-hub") as Json;
    const busPeers = policy.spec.ingress
      .filter((r: Json) => r.ports.some((p: Json) => p.port === 16379))
      .flatMap((r: Json) => r.from);
    expect(busPeers).toEqual([{ podSelector: { matchLabels: selectorFor("redis", "prod") } }]);
  });

  it("alerts on the cluster's state, its slots and its replicas, not on Sentinel", () => {
    const rule = only(objects, "PrometheusRule") as Json;
    const alerts = rule.spec.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        "WshubRedisClusterStateNotOk",
        "WshubRedisClusterSlotsNotServed",
        "WshubRedisClusterReplicasMissing",
      ]),
    );
    expect(alerts).not.toContain("WshubSentinelQuorumAtRisk");
    expect(alerts).not.toContain("WshubRedisNoPrimary");
    const sm = only(objects, "ServiceMonitor", "wshub-redis") as Json;
    expect(sm.spec.endpoints.map((e: Json) => e.port)).toEqual(["redis-metrics"]);
  });

  it("is the example docs/infra.md gives", async () => {
    const doc = await readFile(new URL("../docs/infra.md", import.meta.url), "utf8");
    const block = /<!-- redis-cluster-example -->\s*```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block, "docs/infra.md has no redis-cluster-example block").toBeDefined();
    const config = (parse(block ?? "") as Json).config;
    expect(config["wshub:settings"]).toEqual(REDIS_CLUSTER.settings);
  });
});
