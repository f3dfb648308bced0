import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { kill } from "../faults/container.js";
import { Fleet } from "../fleet.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 30;

it("4. hub node SIGKILL under load: its clients reconnect elsewhere and resume with no loss", async () => {
  const run = new ScenarioRun({ id: "04-hub-sigkill", title: "Hub node SIGKILL under load" });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
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
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(3000);

  const victim = topology.hubs[0]!;
  run.fault(`SIGKILL ${victim.name}`);
  const killedAt = Date.now();
  balancer.crashed(victim);
  await kill({ docker: topology.docker, id: victim.id });
  balancer.remove(victim);
  const back = await pollUntil(() => fleet.connectedCount() === CLIENTS, boundMs + 5000);
  run.figures["all clients connected again after (ms)"] = Date.now() - killedAt;
  run.check("fleet whole again", back ? [] : [`${fleet.connectedCount()}/${CLIENTS} connected`]);
  await hold(4000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    expectRecovery: true,
    bound: `every client reconnected within ${boundMs} ms (SLO reconnectWithinMs), resumed with recovered:true, no acknowledged message lost`,
  });
});
