import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { it } from "vitest";
import WebSocket from "ws";
import { memoryBoundBytes } from "../../contract/index.js";
import { HUB_PORT, settingsFor } from "../chaos-settings.js";
import { Cluster, clientHeartbeatMs } from "../cluster.js";
import { Fleet } from "../fleet.js";
import { latencySummary } from "../report/index.js";
import { hold, pollUntil, ScenarioRun } from "../scenario.js";
import { teardown } from "../teardown.js";

const MiB = 1024 * 1024;
/** The hub's bounds in this scenario: small enough that the attacks reach them within seconds. */
const BOUNDS = {
  maxConnections: 200,
  maxConnectionBytes: 1 * MiB,
  maxHttpSockets: 64,
  maxPayloadBytes: 65_536,
};
const HUB_ENV = {
  MAX_CONNECTIONS: String(BOUNDS.maxConnections),
  MAX_CONNECTION_BYTES: String(BOUNDS.maxConnectionBytes),
  SLOW_CONSUMER_BYTES: String(MiB / 2),
  MAX_HTTP_SOCKETS: String(BOUNDS.maxHttpSockets),
  MAX_PAYLOAD_BYTES: String(BOUNDS.maxPayloadBytes),
  MAX_CHANNELS: "2000",
  MAX_SUBSCRIBE_RATE: "20",
  HTTP_HEADERS_TIMEOUT_SECONDS: "2",
  HTTP_REQUEST_TIMEOUT_SECONDS: "4",
};

type Raw = { ws: WebSocket; frames: { op: string; code?: string; seq?: number; id?: string }[] };

/** A raw client straight to one hub: no SDK, so it can misbehave. */
async function rawClient(url: string, token: string): Promise<Raw> {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  ws.on("error", () => {});
  const frames: Raw["frames"] = [];
  ws.on("message", (raw) => frames.push(JSON.parse(String(raw))));
  await once(ws, "open");
  return { ws, frames };
}

function socketOf(ws: WebSocket): Socket {
  return (ws as unknown as { _socket: Socket })._socket;
}

it("10. hostile clients are contained (1013, rate_limited, 401, bad_request, cut sockets); the hub stays within its memory bound and everybody else keeps p99", async () => {
  const run = new ScenarioRun({ id: "10-hostile-clients", title: "Hostile clients" });
  const { settings } = run;
  const boundMs = settings.slo.reconnectWithinMs;
  const p99Bound = settings.slo.deliveryP99Ms;
  // The hub runs under the production pod's memory limit, not the CI stack's.
  const prodLimits = settingsFor("prod").resources.limits;
  const hubSettings = {
    ...settings,
    resources: {
      ...settings.resources,
      limits: { ...settings.resources.limits, memoryMiB: prodLimits.memoryMiB },
    },
  };
  const boundBytes = memoryBoundBytes(BOUNDS);
  run.figures["documented memory bound (MiB)"] = Math.round(boundBytes / MiB);
  run.figures["container memory limit (MiB)"] = prodLimits.memoryMiB;
  await using cluster = await Cluster.start({
    settings: hubSettings,
    hubs: 1,
    redis: "single",
    env: { ...HUB_ENV, HEARTBEAT_SECONDS: String(run.config.deployed.hub.heartbeatSeconds) },
  });
  const { topology, balancer } = cluster;
  const hub = topology.hubs[0]!;
  const direct = topology.directUrl(hub);
  const host = hub.container.getIpAddress(topology.network.getName());
  await using fleet = await Fleet.start({
    recorder: run.recorder,
    token: topology.token,
    urls: () => [balancer.url],
    clients: 20,
    channels: ["room:a", "room:b"],
    publishers: 4,
    ratePerSecond: 20,
    heartbeatTimeoutMs: clientHeartbeatMs(run.config.deployed),
  });

  // RSS every second, for the report and the bound.
  const rss: number[] = [];
  const sampler = setInterval(() => {
    void hub.metric("process_resident_memory_bytes").then((v) => {
      if (v !== undefined) rss.push(v);
    });
  }, 1000);
  const restartsBefore = (await topology.docker.getContainer(hub.id).inspect()).State.StartedAt;
  const raws: WebSocket[] = [];
  const sockets: Socket[] = [];
  const attackStart = Date.now();
  try {
    await hold(2000);

    // 1. A client that floods frames and never reads its replies: reading paused, then 1013.
    const phase1 = Date.now();
    const end1 = run.fault("1: flood of tiny frames, replies never read");
    const flooder = await rawClient(direct, topology.token);
    raws.push(flooder.ws);
    socketOf(flooder.ws).pause();
    const flooderClosed = once(flooder.ws, "close");
    const frame = JSON.stringify({ op: "unsub", ch: "nothing" });
    const closes = async () => (await hub.metric("wshub_connection_bytes_closes_total")) ?? 0;
    // Small batches: the honest fleet shares this process's event loop with the attacker.
    for (let round = 0; round < 3000 && (await closes()) < 1; round++) {
      for (let i = 0; i < 200; i++) flooder.ws.send(frame);
      await hold(10);
    }
    socketOf(flooder.ws).resume();
    const floodCode = await Promise.race([
      flooderClosed.then(([c]) => c as number),
      hold(15_000).then(() => -1),
    ]);
    end1();
    run.figures["everybody else p99 during the flood (ms)"] = latencySummary(
      run.recorder.recording(),
      { from: phase1 },
    ).p99Ms;
    run.check(
      "1: flooding non-reader closed with 1013",
      floodCode === 1013 ? [] : [`close code ${floodCode}`],
      {
        code: floodCode,
      },
    );

    // 2. Another user pre-publishes the victim's next ids: the victim's publishes stay its own.
    const end2 = run.fault("2: pre-published dedupe ids");
    const eve = await rawClient(direct, await topology.tokenFor("eve", ["room:*"]));
    const bob = await rawClient(direct, await topology.tokenFor("bob", ["room:*"]));
    raws.push(eve.ws, bob.ws);
    for (let i = 0; i < 10; i++)
      eve.ws.send(JSON.stringify({ op: "pub", ch: "room:dd", id: `sdk-${i}`, data: "x" }));
    await pollUntil(() => eve.frames.filter((f) => f.op === "ok").length === 10, 5000);
    for (let i = 0; i < 10; i++)
      bob.ws.send(JSON.stringify({ op: "pub", ch: "room:dd", id: `sdk-${i}`, data: "v" }));
    await pollUntil(() => bob.frames.filter((f) => f.op === "ok").length === 10, 5000);
    const eveSeqs = new Set(eve.frames.filter((f) => f.op === "ok").map((f) => f.seq));
    const taken = bob.frames.filter((f) => f.op === "ok" && eveSeqs.has(f.seq));
    end2();
    run.check(
      "2: no publish of bob's answered with eve's seq",
      taken.length === 0 && bob.frames.filter((f) => f.op === "ok").length === 10
        ? []
        : [`${taken.length} of bob's publishes took eve's seq`],
    );

    // 3. Subscribe churn: rate_limited, and the node's channel state stays within MAX_CHANNELS.
    const end3 = run.fault("3: subscribe churn over fresh channel names");
    const churner = await rawClient(direct, topology.token);
    raws.push(churner.ws);
    for (let i = 0; i < 3000; i++) churner.ws.send(JSON.stringify({ op: "sub", ch: `churn:${i}` }));
    await pollUntil(() => churner.frames.length >= 3000, 10_000);
    const churnLimited = churner.frames.filter((f) => f.code === "rate_limited").length;
    end3();
    run.check(
      "3: subscribe churn answered with rate_limited",
      churnLimited > 2500 ? [] : [`${churnLimited} rate_limited of 3000`],
      { rateLimited: churnLimited },
    );

    // 4. Refreshes racing a TCP reset: the connections go away for good.
    const end4 = run.fault("4: refreshes racing a reset, 50 connections");
    for (let k = 0; k < 50; k++) {
      const r = await rawClient(direct, topology.token);
      for (let i = 0; i < 20; i++)
        r.ws.send(JSON.stringify({ op: "refresh", token: topology.token }));
      socketOf(r.ws).resetAndDestroy();
    }
    end4();

    // 6. Pattern bombs: over the cap → 401; at the cap → answered at once.
    const end6 = run.fault("6: channel-pattern bombs in tokens");
    const bomb = await topology.tokenFor("bomb", ["*a*a*a*a*a*a*a*a*"]);
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(direct, { headers: { authorization: `Bearer ${bomb}` } });
      ws.on("unexpected-response", (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on("open", () => {
        resolve(101);
        ws.terminate();
      });
      ws.on("error", () => resolve(0));
    });
    const atCap = await rawClient(direct, await topology.tokenFor("cap", ["*a*a*a*a*a*a*a*ab"]));
    raws.push(atCap.ws);
    const askedAt = Date.now();
    atCap.ws.send(JSON.stringify({ op: "sub", ch: "a".repeat(128) }));
    await pollUntil(() => atCap.frames.some((f) => f.code === "forbidden"), 5000);
    const answeredMs = Date.now() - askedAt;
    end6();
    run.check(
      "6: a token over the pattern cap gets 401; one at the cap is answered at once",
      refused === 401 && answeredMs < 1000
        ? []
        : [`upgrade ${refused}, answer after ${answeredMs} ms`],
      { status: refused, answeredMs },
    );

    // 7. Data nested too deeply to store: bad_request, not a bus error.
    const end7 = run.fault("7: data nested 30,000 levels deep");
    const deep = await rawClient(direct, topology.token);
    raws.push(deep.ws);
    deep.ws.send(
      `{"op":"pub","ch":"room:deep","id":"deep-1","data":${"[".repeat(30_000)}${"]".repeat(30_000)}}`,
    );
    await pollUntil(() => deep.frames.some((f) => f.op === "error"), 5000);
    const deepCode = deep.frames.find((f) => f.op === "error")?.code;
    end7();
    run.check(
      "7: unstorable data answered bad_request",
      deepCode === "bad_request" ? [] : [`answered ${deepCode}`],
    );

    // 8. Slow-header sockets: cut at the headers timeout; past MAX_HTTP_SOCKETS refused at once.
    const end8 = run.fault("8: 100 slow-header sockets");
    let cut = 0;
    for (let i = 0; i < 100; i++) {
      const s = connect(HUB_PORT, host);
      sockets.push(s);
      s.on("error", () => {});
      s.on("close", () => cut++);
      // Read what the hub answers (its 408), so its close reaches this socket.
      s.resume();
      s.write("GET /livez HTTP/1.1\r\nHost: hub\r\nX-Slow: ");
    }
    const allCut = await pollUntil(() => cut === 100, 6000, 100);
    const refusedSockets = (await hub.metric("wshub_http_sockets_refused_total")) ?? 0;
    end8();
    run.check(
      "8: slow-header sockets cut within the headers timeout, the excess refused",
      allCut && refusedSockets >= 100 - BOUNDS.maxHttpSockets
        ? []
        : [`${cut} of 100 cut, ${refusedSockets} refused at accept`],
      { cut, refusedSockets },
    );

    run.checkP99Since(attackStart, p99Bound, "everybody else p99 during the attacks (ms)");
  } finally {
    clearInterval(sampler);
    for (const ws of raws) ws.terminate();
    for (const s of sockets) s.destroy();
  }
  const state = (await topology.docker.getContainer(hub.id).inspect()).State;
  run.check(
    "the hub never restarted",
    state.Running && !state.OOMKilled && state.StartedAt === restartsBefore
      ? []
      : [`running ${state.Running}, OOM-killed ${state.OOMKilled}`],
  );
  const peak = Math.max(...rss);
  run.figures["RSS over time (MiB, 1 s apart)"] = rss.map((b) => Math.round(b / MiB)).join(" ");
  run.figures["peak RSS (MiB)"] = Math.round(peak / MiB);
  run.check(
    "RSS stays under the documented bound",
    rss.length > 5 && peak < boundBytes
      ? []
      : [`peak ${Math.round(peak / MiB)} MiB over ${rss.length} samples`],
    { peakMiB: Math.round(peak / MiB) },
  );

  await fleet.stopPublishing();
  await fleet.quiesce();
  const { recording, leaks } = await teardown({
    recorder: run.recorder,
    fleets: [fleet],
    settleMs: boundMs,
    balancer,
    topology,
  });
  await run.finish({
    recording,
    leaks,
    reconnectBoundMs: boundMs,
    bound: `each attacker gets its documented answer, the hub stays up under ${Math.round(boundBytes / MiB)} MiB RSS, everybody else p99 <= ${p99Bound} ms and no acknowledged message lost`,
  });
});
