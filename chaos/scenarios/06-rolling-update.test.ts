import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { rollout } from "../rollout/driver.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 30;

it("6. rolling update v1 -> v2 under load with the infra's numbers: no loss, all on v2, budget kept", async () => {
  const run = new ScenarioRun({
    id: "06-rolling-update",
    title: "Rolling update v1 -> v2 under load",
  });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({ settings, hubs: settings.replicas, redis: "single" });
  const { topology, balancer } = cluster;
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

  const result = await rollout({
    topology,
    balancer,
    settings,
    pods: [...topology.hubs],
    from: { version: "v1" },
    to: { version: "v2" },
    onAction: (what) => run.fault(what),
  });
  run.figures.outcome = result.outcome;
  run.figures["fewest ready nodes seen"] = result.minReadySeen;
  run.figures["most nodes seen"] = result.maxTotalSeen;
  run.check("rollout completed", result.outcome === "complete" ? [] : [result.outcome]);
  run.check(
    `never fewer than ${result.budget.minAvailable} ready nor more than ${result.budget.maxTotal} nodes`,
    result.violations,
    { ...result.budget },
  );
  const grace = settings.shutdown.terminationGracePeriodSeconds;
  run.check(
    `every old node drained and exited by itself within terminationGracePeriodSeconds (${grace} s)`,
    result.terminations
      .filter((t) => t.killed || t.exitCode !== 0)
      .map(
        (t) =>
          `${t.node} exit ${t.exitCode}${t.killed ? " (SIGKILL after the grace period)" : ""} after ${t.tookMs} ms`,
      ),
    {
      terminated: result.terminations.length,
      slowestMs: Math.max(0, ...result.terminations.map((t) => t.tookMs)),
    },
  );
  await hold(3000);
  // Drained clients come back after their retry hints: wait for all of them (bounded) first.
  await pollUntil(() => fleet.connectedCount() === CLIENTS, boundMs);
  const versions = new Map(topology.hubs.map((h) => [h.name, h.version]));
  const stray = [...fleet.nodesInUse()].filter(([node]) => versions.get(node) !== "v2");
  run.check(
    "every client on v2 at the end",
    [
      ...stray.map(([node, n]) => `${n} clients on ${node}`),
      ...(fleet.connectedCount() < CLIENTS
        ? [`${CLIENTS - fleet.connectedCount()} not connected`]
        : []),
    ],
    { connected: fleet.connectedCount() },
  );

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    expectRecovery: true,
    bound: `maxSurge ${settings.rollout.maxSurge}, maxUnavailable ${settings.rollout.maxUnavailable}, minReadySeconds ${settings.rollout.minReadySeconds}; drained nodes exit within ${settings.shutdown.terminationGracePeriodSeconds} s; every client back within ${boundMs} ms; zero acknowledged messages lost`,
  });
});
