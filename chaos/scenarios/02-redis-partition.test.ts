import { it } from "vitest";
import { DOWN_HOLD_MS } from "../../service/bus/redis/bus-status.js";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { publishOnce } from "../probe.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 20;
const PARTITION_MS = 10_000;

it("2. Redis partitioned from one hub for 10 s: it goes unready, refuses publishes, deliveries resume without gaps", async () => {
  const run = new ScenarioRun({
    id: "02-redis-partition",
    title: "Redis partitioned from one hub (10 s blackhole)",
  });
  const { settings } = run;
  const heartbeatMs = clientHeartbeatMs(settings);
  const boundMs = settings.slo.reconnectWithinMs;
  // hub-1 reaches Redis through a fault proxy; hub-2 directly.
  await using cluster = await Cluster.start({ settings, hubs: 2, redis: "single", proxied: [0] });
  const { topology, balancer } = cluster;
  const cut = topology.hubs[0]!;
  const proxy = topology.proxies.get(cut.name)!;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b"],
    publishers: 6,
    ratePerSecond: 20,
    heartbeatTimeoutMs: heartbeatMs,
    sdk: { connectTimeoutMs: 3000 },
  });
  await hold(3000);

  const end = run.fault(`blackhole Redis <-> ${cut.name} (${PARTITION_MS / 1000} s)`);
  const cutAt = Date.now();
  proxy.addToxic("partition", { type: "timeout", timeout: 0 });
  const unready = await pollUntil(async () => !(await cut.isReady(500)), PARTITION_MS - 2000, 250);
  run.figures["cut hub unready after (ms)"] = Date.now() - cutAt;
  run.check(
    "cut hub turned unready during the partition",
    unready ? [] : [`${cut.name} stayed ready`],
  );
  let refused: string | undefined;
  await pollUntil(
    async () => {
      const outcome = await publishOnce(
        cut.wsUrl,
        topology.token,
        "room:probe",
        `probe-${Date.now()}`,
        // The hub holds a publish up to DOWN_HOLD_MS for the bus to come back before it refuses.
        DOWN_HOLD_MS + 1500,
      );
      refused = outcome.kind === "error" ? outcome.code : outcome.kind;
      return refused === "unavailable";
    },
    Math.max(1000, PARTITION_MS - (Date.now() - cutAt) - 500),
    250,
  );
  run.check(
    "cut hub refuses publishes with `unavailable`",
    refused === "unavailable" ? [] : [`a publish to ${cut.name} got ${refused}`],
  );
  await hold(Math.max(0, PARTITION_MS - (Date.now() - cutAt)));
  proxy.removeToxic("partition");
  end();
  const healedAt = Date.now();
  const ready = await pollUntil(() => cut.isReady(500), 20_000, 250);
  run.figures["cut hub ready again after heal (ms)"] = Date.now() - healedAt;
  run.check("cut hub ready again after the partition", ready ? [] : [`${cut.name} still unready`]);
  await hold(4000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    bound: `the cut hub is unready and answers \`unavailable\` within the ${PARTITION_MS / 1000} s partition; every client back within ${boundMs} ms; no gap, no acknowledged message lost`,
  });
});
