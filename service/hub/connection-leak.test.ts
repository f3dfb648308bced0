// Every exit path releases a connection: 10,000 connections opened and ended every way a
// connection can end leave the registry, the channel index, the timers and the gauge at zero.
import type { IncomingMessage } from "node:http";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import {
  metricValue,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

const TOTAL = 10_000;
const BATCH = 500;
const CHANNELS = 5;

/** How each connection ends; the index picks one, so every way is exercised in every batch. */
const ENDINGS = ["client_close", "client_destroy", "too_big", "heartbeat", "unsub_then_close"];

it("returns to zero connections, channels, timers and addresses after 10,000 connections", {
  timeout: 90_000,
}, async () => {
  const node = await startHub({
    AUTH_JWT_SECRET: TEST_SECRET,
    MAX_CONNECTIONS_PER_IP: "100000",
    MAX_PAYLOAD_BYTES: "512",
    HEARTBEAT_SECONDS: "0.5",
  });
  const token = await mintToken({ sub: "leaky", channels: ["room:*"] }, { expSeconds: 600 });
  // Tokens that expire while their connections are open: the server closes those with 1008.
  const expiring = await mintToken({ sub: "brief", channels: ["room:*"] }, { expSeconds: 4 });
  const expiringClients: TestClient[] = [];
  let opened = 0;

  const openOne = async (i: number, t: string, autoPong = true): Promise<TestClient> => {
    const c = await TestClient.connect(wsUrl(node), { token: t, autoPong });
    await c.subscribe(`room:${i % CHANNELS}`);
    opened++;
    return c;
  };

  // The token-expiry group first, so it expires while the other batches run.
  expiringClients.push(
    ...(await Promise.all(Array.from({ length: BATCH }, (_, i) => openOne(i, expiring)))),
  );

  // Connections the server must end itself (heartbeat) close in the background, bounded.
  let lingering: TestClient[] = [];
  const codes = new Map<string, Set<number>>(ENDINGS.map((e) => [e, new Set<number>()]));
  while (opened < TOTAL) {
    await waitFor(
      "the lingering connections to thin out",
      () => {
        lingering = lingering.filter((c) => c.closed === undefined);
        return lingering.length < BATCH;
      },
      10_000,
    );
    const base = opened;
    const n = Math.min(BATCH, TOTAL - opened);
    const batch = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        openOne(base + k, token, ENDINGS[(base + k) % ENDINGS.length] !== "heartbeat"),
      ),
    );
    batch[0]?.send({ op: "pub", ch: "room:0", data: { batch: base } });
    batch.forEach((c, k) => {
      switch (ENDINGS[(base + k) % ENDINGS.length]) {
        case "client_close":
          c.ws.close(1000, "bye");
          break;
        case "client_destroy":
          (c.ws as unknown as { _socket: { destroy(): void } })._socket.destroy();
          break;
        case "too_big":
          c.sendRaw("x".repeat(1_000));
          break;
        case "unsub_then_close":
          c.send({ op: "unsub", ch: `room:${(base + k) % CHANNELS}` });
          c.ws.close();
          break;
        // "heartbeat": the client never answers pings; the server terminates it.
      }
    });
    const ending = (k: number) => ENDINGS[(base + k) % ENDINGS.length] as string;
    lingering.push(...batch.filter((_, k) => ending(k) === "heartbeat"));
    await waitFor(
      `batch at ${base} to close (${node.stats().connections} open)`,
      () => batch.every((c, k) => c.closed !== undefined || ending(k) === "heartbeat"),
      10_000,
    );
    batch.forEach((c, k) => {
      if (c.closed) codes.get(ending(k))?.add(c.closed.code);
    });
  }
  await waitFor("the silent peers to be cut", () => lingering.every((c) => c.closed), 10_000);
  for (const c of lingering) codes.get("heartbeat")?.add(c.closed?.code ?? 0);
  expect(Object.fromEntries([...codes].map(([e, s]) => [e, [...s].sort()]))).toEqual({
    client_close: [1000],
    client_destroy: [1006],
    too_big: [1009],
    heartbeat: [1006],
    unsub_then_close: [1005],
  });

  const expired = await Promise.all(expiringClients.map((c) => c.waitClosed(5_000)));
  expect(new Set(expired.map((c) => c.code))).toEqual(new Set([1008]));
  await waitFor(
    `the node to be empty (${JSON.stringify(node.stats())})`,
    () => node.stats().connections === 0 && node.stats().channels === 0,
    10_000,
  );
  expect(opened).toBe(TOTAL);
  expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
  expect(await metricValue(node, "wshub_connections")).toBe(0);
  expect(await metricValue(node, "wshub_connects_total")).toBe(TOTAL);
  // Every way out was taken and counted under its own reason.
  const { values } = await node.metrics.disconnects.get();
  const reasons: Record<string, number> = Object.fromEntries(
    values.map((v) => [String(v.labels.reason), v.value]),
  );
  expect(reasons).toEqual({
    closed: expect.any(Number),
    too_big: (TOTAL - BATCH) / ENDINGS.length,
    heartbeat_timeout: (TOTAL - BATCH) / ENDINGS.length,
    token_expired: BATCH,
  });
  expect(Object.values(reasons).reduce((a, b) => a + b, 0)).toBe(TOTAL);
});

it("does not keep the upgrade request alive for the life of the connection", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const requests: WeakRef<IncomingMessage>[] = [];
  const original = WebSocketServer.prototype.handleUpgrade;
  // Wrapped by hand: a vitest spy would itself hold every request it saw.
  WebSocketServer.prototype.handleUpgrade = function (this: WebSocketServer, req, ...rest) {
    requests.push(new WeakRef(req));
    return original.call(this, req, ...rest);
  };
  try {
    const node = await startHub();
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => TestClient.connect(wsUrl(node))),
    );
    expect(requests).toHaveLength(20);
    // WeakRefs made in a job stay alive until it ends: let it end, then collect.
    for (let i = 0; i < 5 && requests.some((r) => r.deref() !== undefined); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    expect(requests.filter((r) => r.deref() !== undefined)).toHaveLength(0);
    // The connections are alive and well all the same.
    expect(node.stats().connections).toBe(20);
    await clients[0]?.subscribe("room:still-here");
  } finally {
    WebSocketServer.prototype.handleUpgrade = original;
  }
});
