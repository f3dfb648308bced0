import { once } from "node:events";
import { it } from "vitest";
import WebSocket from "ws";
import { Cluster, clientHeartbeatMs, deployedHeartbeatEnv } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";

const CLIENTS = 20;
const FLOOD_MS = 5000;

/** A raw client straight to one hub: no SDK, so it can misbehave. */
async function rawClient(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  ws.on("error", () => {});
  const [raw] = (await once(ws, "message")) as [Buffer];
  if (JSON.parse(String(raw)).op !== "hello") throw new Error("expected hello first");
  return ws;
}

it("9. slow consumer and flooding client are contained (1013 / rate_limited); everybody else keeps p99", async () => {
  const run = new ScenarioRun({
    id: "09-slow-and-flood",
    title: "Slow consumer and flooding client",
  });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  const p99Bound = settings.slo.deliveryP99Ms;
  // A client that stops reading cannot answer pings either: with the suite's short heartbeat it
  // would be dropped as dead before its buffer fills. Here the hubs run the DEPLOYED heartbeat, so
  // what closes it is the slow-consumer bound, as in production.
  await using cluster = await Cluster.start({
    settings,
    hubs: 2,
    redis: "single",
    env: deployedHeartbeatEnv(run.config.deployed),
  });
  const { topology, balancer } = cluster;
  const target = topology.hubs[0]!;
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: CLIENTS,
    channels: ["room:a", "room:b"],
    publishers: 4,
    ratePerSecond: 20,
    heartbeatTimeoutMs: clientHeartbeatMs(run.config.deployed),
  });
  const raws: WebSocket[] = [];
  try {
    // The slow consumer subscribes to a bulk channel, then stops reading its socket.
    // Straight to the container address: docker-proxy would buffer megabytes more in between.
    const slow = await rawClient(topology.directUrl(target), topology.token);
    raws.push(slow);
    slow.send(JSON.stringify({ op: "sub", ch: "bulk" }));
    await once(slow, "message");
    const closed = once(slow, "close");
    slow.pause();
    const bulkPublishers = await Promise.all(
      [1, 2, 3, 4].map(() => rawClient(target.wsUrl, topology.token)),
    );
    raws.push(...bulkPublishers);
    const flooder = await rawClient(target.wsUrl, topology.token);
    raws.push(flooder);
    let rateLimited = 0;
    flooder.on("message", (raw) => {
      if (JSON.parse(String(raw)).code === "rate_limited") rateLimited += 1;
    });
    await hold(2000);

    // Each bulk publisher stays under its own publish rate limit.
    const rate = Math.floor(settings.hub.maxPublishRate * 0.4);
    const endSlow = run.fault(`slow consumer stops reading; 4 publishers x ${rate}/s x 48 KB`);
    const pad = "b".repeat(48 * 1024);
    let n = 0;
    const bulkTimer = setInterval(
      () => {
        for (const p of bulkPublishers)
          p.send(JSON.stringify({ op: "pub", ch: "bulk", id: `bulk-${n++}`, data: { pad } }));
      },
      Math.round(1000 / rate),
    );
    const floodStart = Date.now();
    const endFlood = run.fault(
      `flooder publishes ${settings.hub.maxPublishRate * 10}/s for ${FLOOD_MS / 1000} s`,
    );
    const floodTimer = setInterval(() => {
      for (let k = 0; k < settings.hub.maxPublishRate; k += 1) {
        flooder.send(JSON.stringify({ op: "pub", ch: "flood", id: `flood-${n++}`, data: { k } }));
      }
    }, 100);
    let slowClosed = false;
    try {
      await hold(FLOOD_MS);
      clearInterval(floodTimer);
      endFlood();
      slowClosed = await pollUntil(
        async () => ((await target.metric("wshub_slow_consumer_closes_total")) ?? 0) >= 1,
        40_000,
        500,
      );
    } finally {
      clearInterval(bulkTimer);
      clearInterval(floodTimer);
    }
    endSlow();
    slow.resume();
    const code = await Promise.race([
      closed.then(([c]) => c as number),
      hold(10_000).then(() => -1),
    ]);
    run.check(
      "slow consumer closed with 1013",
      slowClosed && code === 1013
        ? []
        : [`slow-consumer closes counted: ${slowClosed}; close code seen by the client: ${code}`],
      { code },
    );
    const limited = (await target.metric("wshub_rate_limited_total")) ?? 0;
    run.check(
      "flooder answered with rate_limited",
      rateLimited > 0 ? [] : ["no rate_limited error"],
      { rateLimitedErrors: rateLimited, hubCounter: limited },
    );
    run.checkP99Since(floodStart, p99Bound, "everybody else p99 during the faults (ms)");
  } finally {
    for (const ws of raws) ws.terminate();
  }
  await hold(2000);

  await run.end({
    fleet,
    balancer,
    topology,
    reconnectBoundMs: boundMs,
    bound: `slow consumer closed 1013, flooder rate_limited, everybody else p99 <= ${p99Bound} ms and no acknowledged message lost`,
  });
});
