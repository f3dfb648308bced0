import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { BusWatch, SentinelEvents } from "../failover-watch.js";
import { kill, restart } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { SENTINEL_NAME, SENTINEL_PORT } from "../redis.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 24;
// Sentinel's down-after (2 s) + election + the hubs following: the failover must fit this.
const RECOVERY_BOUND_MS = 30_000;
// A failover should cost no more than the election: publishing works again this soon after
// Sentinel announced the new primary.
const FOLLOW_BOUND_MS = 1000;

it("1. Redis primary killed: Sentinel promotes the replica, hubs follow within a second, acknowledged messages survive", async () => {
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
  const network = topology.network.getName();
  const events = await SentinelEvents.watch(
    sentinels.map((s) => ({ host: s.getIpAddress(network), port: SENTINEL_PORT })),
    ["+promoted-slave", "+switch-master"],
  );
  const bus = new BusWatch(topology.hubs);
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
  run.fault("SIGKILL Redis primary (redis-a)");
  await kill({ docker: topology.docker, id: primary.getId() });
  // Taken once the kill returned: a publish sent before it may still have been acknowledged.
  const killedAt = Date.now();

  const switched = await pollUntil(
    () => events.firstAt.has("+switch-master"),
    RECOVERY_BOUND_MS,
    100,
  );
  const switchAt = events.firstAt.get("+switch-master") ?? Date.now();
  const promotedAt = events.firstAt.get("+promoted-slave") ?? switchAt;
  run.figures["Sentinel promoted a replica after (ms)"] = promotedAt - killedAt;
  run.figures["Sentinel announced +switch-master after (ms)"] = switchAt - killedAt;
  const newPrimary = await masterName();
  run.figures["primary after"] = newPrimary ?? "?";
  run.check(
    "Sentinel promoted a replica",
    switched && newPrimary !== "redis-a" ? [] : [`master is still ${newPrimary}`],
  );

  // The killed primary comes back as a pod would: its init script (infra RedisHa) asks Sentinel
  // for the current primary and starts as its replica. With a second replica it is not on the
  // path of any write; the figures say when it rejoined.
  run.fault("restart old primary as replica of the new one");
  await restart({ docker: topology.docker, id: primary.getId() });
  const current = newPrimary ?? "redis-b";
  const rejoined = await pollUntil(
    async () => {
      const r = await primary.exec(["redis-cli", "replicaof", current, "6379"]).catch(() => null);
      return r?.exitCode === 0 && r.output.includes("OK");
    },
    15_000,
    500,
  );
  const rejoinedAt = Date.now();
  run.check("old primary rejoined as a replica", rejoined ? [] : ["REPLICAOF never succeeded"]);

  // Publishes sent after the kill are retried by the SDK: the first of them acknowledged tells
  // when the hubs wrote to the new primary again.
  const firstAckAfterKill = () =>
    run.recorder
      .recording()
      .acks.filter((a) => a.sentAt > killedAt)
      .reduce((min, a) => Math.min(min, a.okAt), Number.POSITIVE_INFINITY);
  const recovered = await pollUntil(
    () => Number.isFinite(firstAckAfterKill()),
    RECOVERY_BOUND_MS,
    100,
  );
  const ackAt = firstAckAfterKill();
  const followMs = ackAt - switchAt;
  run.figures["publishes acknowledged again after the kill (ms)"] = ackAt - killedAt;
  run.figures["+switch-master to first acknowledged publish (ms)"] = followMs;
  run.figures["promotion to first acknowledged publish (ms)"] = ackAt - promotedAt;
  run.figures["old primary rejoined after +switch-master (ms)"] = rejoinedAt - switchAt;
  run.figures["first acknowledged publish before the rejoin"] = ackAt < rejoinedAt;
  run.check(
    `publishes acknowledged again within ${FOLLOW_BOUND_MS} ms of +switch-master`,
    recovered && followMs <= FOLLOW_BOUND_MS
      ? []
      : [recovered ? `first ack ${followMs} ms after +switch-master` : "no publish acknowledged"],
    { followMs, boundMs: FOLLOW_BOUND_MS },
  );
  await hold(5000);
  await bus.stop();
  events.close();

  // Every hub had its bus up again (probe through the new primary) at `back.at`: from then on
  // it must refuse nothing, and no publish sent after that may fail.
  const violations: string[] = [];
  let seenAt = 0;
  for (const [hub, back] of bus.backAfter(killedAt)) {
    if (!back) {
      violations.push(`${hub} never reported its Redis bus up again`);
      continue;
    }
    seenAt = Math.max(seenAt, back.at);
    run.figures[`${hub} followed the new primary after +switch-master (ms)`] = back.at - switchAt;
    const refused = bus.refusedSince(hub, back);
    if (refused > 0) violations.push(`${hub} refused ${refused} requests after its bus was up`);
  }
  const lateFailures = run.recorder.recording().failures.filter((f) => f.sentAt > seenAt);
  for (const f of lateFailures) violations.push(`${f.client} publish ${f.id} refused (${f.code})`);
  run.check("no publish refused after the hubs followed the switch", violations, {
    lateFailures: lateFailures.length,
  });

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    costBounds: { publishesRefusedMs: RECOVERY_BOUND_MS },
    bound: `publishing works again within ${FOLLOW_BOUND_MS} ms of +switch-master and nothing is refused after the hubs followed; every client back within ${boundMs} ms; no acknowledged message lost (REDIS_MIN_REPLICAS on)`,
  });
});
