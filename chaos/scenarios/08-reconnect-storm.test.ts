import { monitorEventLoopDelay } from "node:perf_hooks";
import { it } from "vitest";
import { Cluster, clientHeartbeatMs, deployedHeartbeatEnv } from "../cluster.js";
import { kill } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { percentile } from "../recording.js";
import { rehoming, spreadFigure } from "../rehoming.js";
import { latencySummary } from "../report/index.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 3000;
const STORM_WINDOW_MS = 20_000;
// The storm's promise: every displaced client is back on a survivor within 5 s of its node's
// death, and delivery p99 over the run (the displaced clients' catch-up included) stays under 2 s.
const REHOME_WITHIN_MS = 5000;
// On the 2-core CI machine (two survivors, Redis, and one test process running the 3,000 clients
// and the balancer) it measured 1.06 to 1.74 s in 9 quiet runs with the deployed heartbeat, 4 of
// them with a dead node's address answering with a reset; 1.2 to 2.6 s before either.
const DELIVERY_P99_MS = 2000;

it("8. reconnect storm: one node of three dies holding a third of 3,000 clients; the others absorb them", async () => {
  const run = new ScenarioRun({
    id: "08-reconnect-storm",
    title: "Reconnect storm (3,000 clients, one node of three dies)",
  });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  // A liveness probe fails past its timeout: a lag above that gets the pod restarted.
  const lagBoundMs = settings.probes.liveness.timeoutSeconds * 1000;
  const limit = settings.hub.maxConnections;
  // The deployed heartbeat, not the suite's short one: a SIGKILLed node's sockets are reset, so
  // nothing here waits for a missed ping, while 3,000 clients pinged every 2 s through the
  // balancer (which shares this process with every client) would add twelve times production's
  // ping traffic to the storm.
  await using cluster = await Cluster.start({
    settings,
    hubs: 3,
    redis: "single",
    env: deployedHeartbeatEnv(run.config.deployed),
  });
  const { topology, balancer } = cluster;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: Array.from({ length: 30 }, (_, i) => `room:${i}`),
    channelsPerClient: 1,
    publishers: 3,
    ratePerSecond: 10,
    connectConcurrency: 100,
    heartbeatTimeoutMs: clientHeartbeatMs(run.config.deployed),
    sdk: { connectTimeoutMs: 5000 },
  });
  run.figures["clients per node before"] = JSON.stringify(Object.fromEntries(fleet.nodesInUse()));
  await hold(2000);

  const [victim, ...survivors] = topology.hubs as [
    (typeof topology.hubs)[0],
    ...typeof topology.hubs,
  ];
  const displaced = new Set(fleet.idsOn(victim.name));
  run.figures["clients on the killed node"] = displaced.size;
  let peakConnections = 0;
  let peakLagMs = 0;
  const sample = async () => {
    for (const hub of survivors) {
      const [connections, lag] = await Promise.all([
        hub.metric("wshub_connections", 1500),
        hub.metric("wshub_event_loop_lag_seconds", 1500),
      ]);
      peakConnections = Math.max(peakConnections, connections ?? 0);
      peakLagMs = Math.max(peakLagMs, (lag ?? 0) * 1000);
    }
  };
  run.fault(`SIGKILL ${victim.name} (${displaced.size} clients)`);
  // This process runs every client and the balancer: when its loop lags, a slow re-home is the
  // harness's, not the hubs'.
  const ownLag = monitorEventLoopDelay({ resolution: 10 });
  ownLag.enable();
  const ownCpu = process.cpuUsage();
  const killedAt = Date.now();
  balancer.crashed(victim);
  await kill({ docker: topology.docker, id: victim.id });
  balancer.remove(victim);
  const whole = await pollUntil(
    async () => {
      await sample();
      return fleet.connectedCount() === CLIENTS;
    },
    STORM_WINDOW_MS,
    500,
  );
  run.figures["all clients connected again after (ms)"] = Date.now() - killedAt;
  ownLag.disable();
  const cpu = process.cpuUsage(ownCpu);
  run.figures["test process during the storm: loop delay p50/p99/max (ms), CPU (%)"] =
    `${(ownLag.percentile(50) / 1e6).toFixed(0)}/${(ownLag.percentile(99) / 1e6).toFixed(0)}/${(ownLag.max / 1e6).toFixed(0)}, ${Math.round((100 * (cpu.user + cpu.system)) / 1000 / (Date.now() - killedAt))}`;
  await sample();
  run.check(
    `survivors stay under their connection limit (${limit})`,
    peakConnections <= limit && whole
      ? []
      : [`peak ${peakConnections}, ${fleet.connectedCount()}/${CLIENTS} connected`],
    { peakConnections, limit },
  );
  run.check(
    `survivors' event-loop lag under ${lagBoundMs} ms (liveness timeout)`,
    peakLagMs <= lagBoundMs ? [] : [`peak lag ${peakLagMs.toFixed(0)} ms`],
    { peakLagMs: Math.round(peakLagMs) },
  );

  const recording = run.recorder.recording();
  // Jitter: the displaced clients' first retry delays must be spread, not one thundering herd.
  const firstDelays: number[] = [];
  for (const c of recording.clients) {
    if (!displaced.has(c.id)) continue;
    const retry = c.events.find((e) => e.type === "retry" && e.t >= killedAt);
    if (retry?.type === "retry") firstDelays.push(retry.delayMs);
  }
  const p10 = percentile(firstDelays, 10);
  const p90 = percentile(firstDelays, 90);
  const max = firstDelays.length ? Math.max(...firstDelays) : 0;
  run.figures["first retry delay p10/p50/p90/max (ms)"] =
    `${p10.toFixed(0)}/${percentile(firstDelays, 50).toFixed(0)}/${p90.toFixed(0)}/${max.toFixed(0)}`;
  run.check(
    "retries are jittered (p90 - p10 of first delays >= 25% of the largest)",
    firstDelays.length >= displaced.size * 0.9 && p90 - p10 >= 0.25 * max
      ? []
      : [`${firstDelays.length} first retries, p10 ${p10} p90 ${p90} max ${max}`],
    { retries: firstDelays.length },
  );
  await hold(2000);
  // After the hold, so the last resubscribes are in. Timed from the node's death as its clients
  // saw it: Docker's kill call takes 0.5 s to seconds on a busy machine, before any can react.
  const back = rehoming(run.recorder.recording(), displaced, killedAt);
  const rehomedMs = back.diedAt === undefined ? Number.NaN : back.resubscribed.max;
  run.figures["node died after the kill call (ms)"] = (back.diedAt ?? Number.NaN) - killedAt;
  run.figures["after the death: close seen p50/p99/max (ms)"] = spreadFigure(back.closeSeen);
  run.figures["after the death: hello from a survivor p50/p99/max (ms)"] = spreadFigure(back.open);
  run.figures["after the death: resubscribed p50/p99/max (ms)"] = spreadFigure(back.resubscribed);
  run.figures["connection attempts per displaced client p50/p99/max"] = spreadFigure(back.attempts);
  run.check(
    `every displaced client resubscribed on a survivor within ${REHOME_WITHIN_MS} ms of the death`,
    whole && back.resumed === displaced.size && rehomedMs <= REHOME_WITHIN_MS
      ? []
      : [`${back.resumed}/${displaced.size} resubscribed, the last after ${rehomedMs} ms`],
    { rehomedMs, resumed: back.resumed },
  );

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    expectRecovery: true,
    bound: `every displaced client resubscribed within ${REHOME_WITHIN_MS} ms of the death; delivery p99 under ${DELIVERY_P99_MS} ms; survivors under ${limit} connections and ${lagBoundMs} ms event-loop lag; retries jittered`,
    // Every delivery is in by now, the displaced clients' catch-up included.
    afterQuiesce: () => {
      const { p99Ms, n } = latencySummary(run.recorder.recording());
      run.check(
        `delivery p99 under ${DELIVERY_P99_MS} ms over the run, catch-up included`,
        n > 0 && p99Ms < DELIVERY_P99_MS ? [] : [`p99 ${p99Ms} ms over ${n} deliveries`],
        { p99Ms, deliveries: n },
      );
    },
  });
});
