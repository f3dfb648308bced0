import { it } from "vitest";
import { keySlot } from "../../service/bus/redis/index.js";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { kill, restart } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 18;
const CHANNELS_PER_SHARD = 2;
// cluster-node-timeout (2 s) + the replica's election + the hubs' slot refresh.
const PROMOTION_BOUND_MS = 20_000;

/** Channel names, CHANNELS_PER_SHARD on each primary, by the slot ranges the cluster reports. */
function channelsByShard(primaries: { key: string; slots: [number, number][] }[]) {
  const byShard = new Map<string, string[]>(primaries.map((p) => [p.key, []]));
  for (let i = 0; i < 10_000; i++) {
    const ch = `room:${i}`;
    const slot = keySlot(ch);
    const owner = primaries.find((p) => p.slots.some(([a, b]) => slot >= a && slot <= b));
    const list = owner ? byShard.get(owner.key) : undefined;
    if (list && list.length < CHANNELS_PER_SHARD) list.push(ch);
    if ([...byShard.values()].every((l) => l.length === CHANNELS_PER_SHARD)) break;
  }
  return byShard;
}

it("12. Redis Cluster: one shard's primary SIGKILLed, then its slots resharded under load; other shards unaffected, nothing lost or doubled", async () => {
  const run = new ScenarioRun({
    id: "12-cluster-shard-failover",
    title: "Redis Cluster shard failover and resharding under load",
  });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({ settings, hubs: 2, redis: "cluster" });
  const { topology, balancer } = cluster;
  const redis = topology.redis.cluster!;
  const primaries = await redis.primaries();
  const byShard = channelsByShard(primaries);
  const shards = [...byShard.keys()];
  const victimKey = shards[0]!;
  const shardOf = new Map<string, string>();
  for (const [shard, list] of byShard) for (const ch of list) shardOf.set(ch, shard);
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: [...shardOf.keys()],
    publishers: 6,
    ratePerSecond: 30,
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(2000);

  // Fault 1: the primary of the first shard dies; its replica must take over its slots.
  const victim = redis.node(victimKey);
  const victimSlot = primaries.find((p) => p.key === victimKey)!.slots[0]![0];
  const endKill = run.fault(`SIGKILL the primary of shard 1 (${victimKey})`);
  await kill({ docker: topology.docker, id: victim.container.getId() });
  const killedAt = Date.now();
  let promotedTo = victimKey;
  const promoted = await pollUntil(
    async () => {
      promotedTo = (await redis.ownerOf(victimSlot).catch(() => undefined))?.key ?? victimKey;
      return promotedTo !== victimKey;
    },
    PROMOTION_BOUND_MS,
    200,
  );
  const promotedAt = Date.now();
  run.figures["replica promoted after (ms)"] = promotedAt - killedAt;
  run.check("the cluster promoted the shard's replica", promoted ? [] : ["no new primary"]);
  // The killed node comes back as a pod would and rejoins as the new primary's replica, so that
  // REDIS_MIN_REPLICAS can be met on that shard again.
  await restart({ docker: topology.docker, id: victim.container.getId() });
  const firstAck = (shard: string) =>
    run.recorder
      .recording()
      .acks.filter((a) => a.sentAt > killedAt && shardOf.get(a.ch) === shard)
      .reduce((min, a) => Math.min(min, a.okAt), Number.POSITIVE_INFINITY);
  const back = await pollUntil(() => Number.isFinite(firstAck(victimKey)), 30_000, 200);
  const shardBackAt = back ? firstAck(victimKey) : Date.now();
  endKill();
  run.figures["publishes on the failed shard acknowledged again after (ms)"] =
    shardBackAt - killedAt;
  await hold(1000);

  // What each shard's channels saw from the kill until the failed shard acknowledged again.
  const during = run.recorder.recording();
  const otherViolations: string[] = [];
  for (const [i, shard] of shards.entries()) {
    const inWindow = (t: number) => t >= killedAt && t <= shardBackAt;
    const acks = during.acks.filter((a) => shardOf.get(a.ch) === shard && inWindow(a.okAt));
    const failures = during.failures.filter((f) => shardOf.get(f.ch) === shard && inWindow(f.at));
    const latencies: number[] = [];
    for (const c of during.clients)
      for (const e of c.events)
        if (
          e.type === "msg" &&
          shardOf.get(e.ch) === shard &&
          inWindow(e.t) &&
          e.latencyMs !== undefined
        )
          latencies.push(e.latencyMs);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? 0;
    const label = `shard ${i + 1}${shard === victimKey ? " (killed)" : ""}`;
    run.figures[`${label}: acknowledged during the failover`] = acks.length;
    run.figures[`${label}: publishes refused during the failover`] = failures.length;
    run.figures[`${label}: deliveries during the failover`] = latencies.length;
    run.figures[`${label}: delivery p99 during the failover (ms)`] = Math.round(p99);
    if (shard !== victimKey) {
      if (failures.length > 0)
        otherViolations.push(`${label}: ${failures.length} publishes refused`);
      if (acks.length === 0) otherViolations.push(`${label}: nothing acknowledged`);
    }
  }
  run.check(
    "the other shards kept acknowledging and refused nothing during the failover",
    otherViolations,
  );

  // Fault 2: resharding under load: the slots of the second shard's channels move to the third.
  const [, from, to] = shards as [string, string, string];
  const moving = byShard.get(from)!;
  const endMove = run.fault(
    `reshard: the slots of ${moving.join(", ")} move from shard 2 to shard 3`,
  );
  const movedAt = Date.now();
  for (const ch of moving) await redis.moveSlot(keySlot(ch), to);
  endMove();
  run.figures["slots moved in (ms)"] = Date.now() - movedAt;
  const owners = await Promise.all(
    moving.map(async (ch) => (await redis.ownerOf(keySlot(ch))).key),
  );
  run.check(
    "the moved channels now live on shard 3",
    owners.every((o) => o === to) ? [] : [`owners after the move: ${owners.join(", ")}`],
  );
  const movedAfter = () =>
    run.recorder
      .recording()
      .acks.filter((a) => a.sentAt > Date.now() - 1000 && moving.includes(a.ch)).length;
  await hold(2000);
  run.figures["acknowledged on the moved channels in the last second"] = movedAfter();

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    costBounds: { publishesRefusedMs: PROMOTION_BOUND_MS },
    bound: `the killed shard's replica is promoted within ${PROMOTION_BOUND_MS} ms, the other shards refuse nothing meanwhile; resharding under load loses and doubles nothing; no acknowledged message lost (REDIS_MIN_REPLICAS=1 on each shard)`,
  });
});
