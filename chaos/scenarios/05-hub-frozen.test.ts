import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { pause, unpause } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 30;
const PAUSE_MS = 15_000;

it("5. hub node frozen for 15 s: clients detect it, move, resume; the thawed node holds no stale state", async () => {
  const run = new ScenarioRun({ id: "05-hub-frozen", title: "Hub node frozen (paused 15 s)" });
  const { settings } = run;
  const heartbeatMs = clientHeartbeatMs(settings);
  // Detect (heartbeat timeout) + one reconnect within the SLO.
  const boundMs = heartbeatMs + settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({ settings, hubs: 3, redis: "single" });
  const { topology, balancer } = cluster;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b", "room:c"],
    publishers: 6,
    ratePerSecond: 30,
    heartbeatTimeoutMs: heartbeatMs,
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(3000);

  const victim = topology.hubs[0]!;
  const ref = { docker: topology.docker, id: victim.id };
  const onVictim = () => fleet.connectedTo(victim.name);
  const end = run.fault(`pause ${victim.name} (${PAUSE_MS / 1000} s)`);
  const pausedAt = Date.now();
  await pause(ref);
  const moved = await pollUntil(
    () => onVictim() === 0 && fleet.connectedCount() === CLIENTS,
    PAUSE_MS - 1000,
  );
  const movedAfterMs = Date.now() - pausedAt;
  run.figures["clients moved off the frozen node after (ms)"] = movedAfterMs;
  // The application-level ping says how often the hub speaks: twice that is the promise.
  const leaveBoundMs = 2 * settings.hub.heartbeatSeconds * 1000;
  run.check(
    `clients left the frozen node within twice the heartbeat (${leaveBoundMs} ms)`,
    moved && movedAfterMs <= leaveBoundMs
      ? []
      : [
          `${onVictim()} still on ${victim.name}, ${fleet.connectedCount()}/${CLIENTS} connected after ${movedAfterMs} ms`,
        ],
    { movedAfterMs, leaveBoundMs },
  );
  await hold(Math.max(0, PAUSE_MS - (Date.now() - pausedAt)));
  await unpause(ref);
  end();

  // After the thaw the node must drop the sockets its clients abandoned: its connection count
  // must match the clients that really are on it (the balancer may send it new ones).
  let counted: number | undefined;
  const clean = await pollUntil(
    async () => {
      counted = await victim.metric("wshub_connections");
      return counted === onVictim();
    },
    3 * heartbeatMs,
    500,
  );
  run.check(
    "thawed node holds no stale connections",
    clean ? [] : [`${victim.name} reports ${counted} connections, fleet has ${onVictim()} there`],
    { reported: counted ?? -1 },
  );
  await hold(4000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    expectRecovery: true,
    bound: `every client reconnected within ${boundMs} ms (heartbeat timeout + SLO reconnectWithinMs), no acknowledged message lost, no stale delivery`,
    afterQuiesce: () => {
      const dropped = fleet.clients.reduce((n, c) => n + c.stats.duplicatesDropped, 0);
      run.figures["duplicates dropped by the SDK"] = dropped;
    },
  });
});
