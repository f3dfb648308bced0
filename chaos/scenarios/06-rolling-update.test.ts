import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { latencySummary } from "../report/index.js";
import { rollout } from "../rollout/driver.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 30;

it("6. rolling update v1 -> v2 under load: clients move before the old node closes; no loss, no gap, p99 kept, all on v2", async () => {
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
  // The baseline the rollout is measured against: the same load, nothing moving.
  const baselineFrom = Date.now();
  await hold(5000);
  const rolloutFrom = Date.now();
  // Make-before-break: each moving client holds two connections for a moment, never more.
  let peakConnections = 0;
  const sampler = setInterval(() => {
    peakConnections = Math.max(peakConnections, balancer.openConnections);
  }, 50);
  const result = await rollout({
    topology,
    balancer,
    settings,
    pods: [...topology.hubs],
    from: { version: "v1" },
    to: { version: "v2" },
    onAction: (what) => run.fault(what),
  }).finally(() => clearInterval(sampler));
  const rolloutTo = Date.now();
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
  const recording = run.recorder.recording();
  const before = latencySummary(recording, { from: baselineFrom, to: rolloutFrom });
  const during = latencySummary(recording, { from: rolloutFrom, to: rolloutTo });
  run.figures["delivery p99 before the rollout (ms)"] = before.p99Ms;
  run.figures["delivery p99 during the rollout (ms)"] = during.p99Ms;
  run.check(
    "delivery p99 during the rollout within 2x the p99 before it",
    before.n > 0 && during.n > 0 && during.p99Ms <= 2 * before.p99Ms
      ? []
      : [
          `p99 ${during.p99Ms} ms over ${during.n} during, ${before.p99Ms} ms over ${before.n} before`,
        ],
    { beforeP99Ms: before.p99Ms, duringP99Ms: during.p99Ms },
  );
  const during06 = (t: number) => t >= rolloutFrom && t <= rolloutTo;
  const closes = recording.clients.flatMap((c) =>
    c.events.filter((e) => e.type === "close" && during06(e.t)).map(() => c.id),
  );
  const gaps = recording.clients.flatMap((c) =>
    c.events.filter((e) => e.type === "gap").map(() => c.id),
  );
  const moves = fleet.clients.reduce((n, c) => n + c.stats.moves, 0);
  run.figures["moves (make-before-break)"] = moves;
  run.check(
    "no client saw a disconnection or a gap: every client moved before its node closed",
    [...closes.map((id) => `${id} closed`), ...gaps.map((id) => `${id} gap`)],
    { closes: closes.length, gaps: gaps.length, moves },
  );
  run.figures["most connections through the balancer"] = peakConnections;
  run.check(
    `connections never above twice the clients (${2 * CLIENTS})`,
    peakConnections <= 2 * CLIENTS ? [] : [`peak ${peakConnections}`],
    { peakConnections },
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
    bound: `delivery p99 during the rollout within 2x the p99 before; no disconnection, no gap; at most ${2 * CLIENTS} connections; maxSurge ${settings.rollout.maxSurge}, maxUnavailable ${settings.rollout.maxUnavailable}, minReadySeconds ${settings.rollout.minReadySeconds}; drained nodes exit within ${settings.shutdown.terminationGracePeriodSeconds} s; every client back within ${boundMs} ms; zero acknowledged messages lost`,
  });
});
