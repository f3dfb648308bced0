import { it } from "vitest";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { latencySummary } from "../report/index.js";
import { hold, ScenarioRun } from "../scenario.js";

const CLIENTS = 20;
const LATENCY_MS = 15_000;
// Each publish costs a few Redis round trips (store, publish, fan-out): at 200 ms ± 50 ms per
// reply that is about a second; anything past this bound means requests queue up behind each other.
const P99_BOUND_MS = 3000;

it("3. Redis latency 200 ms ± 50 ms through the proxy: no loss, p99 reported", async () => {
  const run = new ScenarioRun({ id: "03-redis-latency", title: "Redis latency 200 ms ± 50 ms" });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  await using cluster = await Cluster.start({
    settings,
    hubs: 2,
    redis: "single",
    proxied: [0, 1],
  });
  const { topology, balancer } = cluster;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b"],
    publishers: 6,
    ratePerSecond: 20,
    heartbeatTimeoutMs: clientHeartbeatMs(settings),
  });
  await hold(3000);
  const before = latencySummary(run.recorder.recording());

  const end = run.fault(`Redis replies +200 ms ± 50 ms (${LATENCY_MS / 1000} s)`);
  const startedAt = Date.now();
  for (const proxy of topology.proxies.values()) {
    proxy.addToxic("lag", { type: "latency", latency: 200, jitter: 50 }, "downstream");
  }
  await hold(LATENCY_MS);
  for (const proxy of topology.proxies.values()) proxy.removeToxic("lag");
  end();
  // From 1 s in: messages already on the wire when the toxic went on are not "under latency".
  const during = latencySummary(run.recorder.recording(), {
    from: startedAt + 1000,
    to: startedAt + LATENCY_MS,
  });
  run.figures["p99 before the fault (ms)"] = before.p99Ms;
  run.figures["p50 under latency (ms)"] = during.p50Ms;
  run.figures["p99 under latency (ms)"] = during.p99Ms;
  run.check(
    `p99 under latency below ${P99_BOUND_MS} ms`,
    during.n > 0 && during.p99Ms <= P99_BOUND_MS
      ? []
      : [`p99 ${during.p99Ms} ms over ${during.n} deliveries`],
    { p99Ms: during.p99Ms, deliveries: during.n },
  );
  await hold(3000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    bound: `no acknowledged message lost; p99 under 200 ± 50 ms Redis latency below ${P99_BOUND_MS} ms (reported)`,
  });
});
