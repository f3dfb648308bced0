import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { kill, restart } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { SENTINEL_NAME, SENTINEL_PORT } from "../redis.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 24;
// Sentinel's down-after (2 s) + election + the hubs following: the failover must fit this.
const RECOVERY_BOUND_MS = 30_000;

it("1. Redis primary killed: Sentinel promotes the replica, hubs follow, acknowledged messages survive", async () => {
  const run = new ScenarioRun({
    id: "01-redis-failover",
    title: "Redis primary killed (Sentinel failover)",
  });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({ settings, hubs: 2, redis: "sentinel" });
  const { topology, balancer } = cluster;
  const { servers, sentinels } = topology.redis;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b", "room:c"],
    publishers: 6,
    ratePerSecond: 20,
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(3000);

  const primary = servers[0]!;
  const masterName = async () => {
    const r = await sentinels[0]!.exec([
      "redis-cli",
      "-p",
      String(SENTINEL_PORT),
      "sentinel",
      "get-master-addr-by-name",
      SENTINEL_NAME,
    ]);
    return r.output.split("\n")[0]?.trim();
  };
  run.figures["primary before"] = (await masterName()) ?? "?";
  const acksBefore = run.recorder.ackCount;
  run.fault("SIGKILL Redis primary (redis-a)");
  const killedAt = Date.now();
  await kill({ docker: topology.docker, id: primary.getId() });

  const promoted = await pollUntil(
    async () => (await masterName()) === "redis-b",
    RECOVERY_BOUND_MS,
    500,
  );
  run.figures["Sentinel promoted the replica after (ms)"] = Date.now() - killedAt;
  run.check(
    "Sentinel promoted the replica",
    promoted ? [] : [`master is still ${await masterName()}`],
  );
  // The killed primary comes back as a pod would: its init script (infra RedisHa) asks Sentinel
  // for the current primary and starts as its replica, so REDIS_MIN_REPLICAS can be met again.
  run.fault("restart old primary as replica of the new one");
  await restart({ docker: topology.docker, id: primary.getId() });
  const current = (await masterName()) ?? "redis-b";
  const rejoined = await pollUntil(
    async () => {
      const r = await primary.exec(["redis-cli", "replicaof", current, "6379"]).catch(() => null);
      return r?.exitCode === 0 && r.output.includes("OK");
    },
    15_000,
    500,
  );
  run.check("old primary rejoined as a replica", rejoined ? [] : ["REPLICAOF never succeeded"]);

  const recovered = await pollUntil(
    () => {
      const acks = run.recorder.recording().acks.slice(acksBefore);
      return acks.some((a) => a.sentAt > killedAt + 1000);
    },
    RECOVERY_BOUND_MS,
    250,
  );
  const recoveredMs = Date.now() - killedAt;
  run.figures["publishes acknowledged again after (ms)"] = recoveredMs;
  run.check(
    `publishes acknowledged again within ${RECOVERY_BOUND_MS} ms`,
    recovered ? [] : ["no publish sent after the kill was acknowledged"],
    { recoveredMs },
  );
  await hold(5000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    bound: `publishing recovers within ${RECOVERY_BOUND_MS} ms of the kill; every client back within ${boundMs} ms; no acknowledged message lost (REDIS_MIN_REPLICAS on)`,
  });
});
