import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { rollout } from "../rollout/driver.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 20;

it("7. bad release: v2 never becomes ready, the driver rolls back to v1 and clients keep service", async () => {
  const run = new ScenarioRun({ id: "07-bad-release", title: "Bad release rolled back" });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({ settings, hubs: settings.replicas, redis: "single" });
  const { topology, balancer } = cluster;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b"],
    publishers: 4,
    ratePerSecond: 10,
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(2000);

  // The bad config: a Redis address that does not exist, so v2 starts but never gets ready.
  const result = await rollout({
    topology,
    balancer,
    settings,
    pods: [...topology.hubs],
    from: { version: "v1" },
    to: { version: "v2", env: { REDIS_URL: "redis://no-such-redis:6379" } },
    onAction: (what) => run.fault(what),
  });
  run.figures.outcome = result.outcome;
  run.figures["fewest ready nodes seen"] = result.minReadySeen;
  run.check(
    "the driver rolled back",
    result.outcome === "rolled back" ? [] : [`outcome: ${result.outcome}`],
  );
  run.check(
    `never fewer than ${result.budget.minAvailable} ready nor more than ${result.budget.maxTotal} nodes`,
    result.violations,
    { ...result.budget },
  );
  // Drained clients come back after their retry hints: wait for all of them (bounded) first.
  await pollUntil(() => fleet.connectedCount() === CLIENTS, boundMs);
  const versions = new Map(topology.hubs.map((h) => [h.name, h.version]));
  const live = topology.hubs.filter((h) => h.version === "v1").length;
  run.check(
    `${settings.replicas} v1 nodes serving after the rollback`,
    live === settings.replicas ? [] : [`${live} v1 nodes`],
  );
  const stray = [...fleet.nodesInUse()].filter(([node]) => versions.get(node) !== "v1");
  run.check("every client on v1 at the end", [
    ...stray.map(([node, n]) => `${n} clients on ${node}`),
    ...(fleet.connectedCount() < CLIENTS
      ? [`${CLIENTS - fleet.connectedCount()} not connected`]
      : []),
  ]);
  await hold(2000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    bound: `rolled back within progressDeadlineSeconds (${settings.rollout.progressDeadlineSeconds} s); never fewer than replicas - maxUnavailable ready; every client back within ${boundMs} ms`,
  });
});
