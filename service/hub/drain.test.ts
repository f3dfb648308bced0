// Graceful shutdown: readiness off at once, upgrades until the delay ends, then every client
// closed with 1001 and a jittered retry hint, all released within the drain window.
import { afterEach, expect, it, onTestFinished } from "vitest";
import { SilentPeer } from "../../loadtests/harness/silent-peer.js";
import { parseGoingAway } from "../protocol/index.js";
import {
  internalUrl,
  metricValue,
  releaseAll,
  startHub,
  TestClient,
  tryUpgrade,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

it("drains: readyz 503 at once, upgrades until the delay ends, then 1001 with retryAfterMs", async () => {
  // Wide enough windows that a loaded CI machine still sees each phase.
  const delayMs = 500;
  const drainMs = 2_000;
  const node = await startHub({
    SHUTDOWN_DELAY_SECONDS: String(delayMs / 1000),
    DRAIN_SECONDS: String(drainMs / 1000),
  });
  const clients = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const c = await TestClient.connect(wsUrl(node));
      await c.subscribe(`room:${i % 2}`);
      return c;
    }),
  );
  expect((await fetch(internalUrl(node, "/readyz"))).status).toBe(200);

  const started = Date.now();
  const stopped = node.stop();
  const ready = await fetch(internalUrl(node, "/readyz"));
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ status: "not_ready", reason: "draining" });
  // Endpoints may still route here during the delay: those upgrades are served.
  const late = await TestClient.connect(wsUrl(node));
  expect(Date.now() - started).toBeLessThan(delayMs);
  clients.push(late);

  // After the delay new upgrades get 503 (while the old clients are still being closed).
  const refused = await waitFor(
    "an upgrade refused for draining",
    async () => {
      const r = await tryUpgrade(node, "/v1/ws");
      return r.upgraded ? undefined : r;
    },
    drainMs,
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(delayMs);
  expect(refused.status).toBe(503);
  expect(refused.headers["retry-after"]).toBeDefined();

  await stopped;
  const elapsed = Date.now() - started;
  expect(elapsed).toBeLessThan(delayMs + drainMs + 2_000);
  for (const c of clients) {
    const closed = await c.waitClosed(1_000);
    expect(closed.code).toBe(1001);
    const hint = parseGoingAway(closed.reason);
    expect(hint, `reason ${closed.reason}`).toBeDefined();
    expect(hint?.retryAfterMs).toBeGreaterThanOrEqual(0);
    expect(hint?.retryAfterMs).toBeLessThanOrEqual(drainMs);
  }
  // The hints are jittered, not one instant for everybody.
  const hints = new Set(clients.map((c) => parseGoingAway(c.closed?.reason ?? "")?.retryAfterMs));
  expect(hints.size).toBeGreaterThan(1);
  expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
  expect(await metricValue(node, "wshub_connections")).toBe(0);
  // Every accepted connection (the probes that got through included) was counted out again.
  const { values } = await node.metrics.disconnects.get();
  const out = values.reduce((n, v) => n + v.value, 0);
  expect(out).toBe(await metricValue(node, "wshub_connects_total"));
  expect(out).toBeGreaterThanOrEqual(clients.length);
  expect(
    await metricValue(node, "wshub_disconnects_total", { reason: "shutdown" }),
  ).toBeGreaterThanOrEqual(clients.length);
  await expect(fetch(internalUrl(node, "/livez"))).rejects.toThrow();
});

it("stops promptly with nobody connected, and a second stop() is the same drain", async () => {
  const node = await startHub({ SHUTDOWN_DELAY_SECONDS: "0.1", DRAIN_SECONDS: "5" });
  const started = Date.now();
  const first = node.stop();
  expect(node.stop()).toBe(first);
  await first;
  expect(Date.now() - started).toBeLessThan(1_000);
});

it("cuts a client that ignores the close once the drain window is over", async () => {
  const node = await startHub({ DRAIN_SECONDS: "0.3" });
  const deaf = await TestClient.connect(wsUrl(node));
  // A peer that never reads never answers the close handshake.
  (deaf.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  const started = Date.now();
  await node.stop();
  expect(Date.now() - started).toBeLessThan(300 + 2_000);
  expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
});

it("cuts, at the end of the drain, a socket already forgotten but still waiting for its peer's close", async () => {
  const node = await startHub({ DRAIN_SECONDS: "0.2", MAX_PAYLOAD_BYTES: "1024" });
  const peer = await SilentPeer.connect(node.port);
  onTestFinished(() => peer.destroy());
  peer.announceText(2_000);
  // Refused with 1009 and forgotten, but ws still holds the socket for the peer's answer.
  await waitFor("the hub's FIN", () => peer.finReceived);
  expect(node.stats()).toMatchObject({ connections: 0, sockets: 1 });
  // Its 2 s close grace has not run out: the drain must not wait for it.
  const started = Date.now();
  await node.stop();
  expect(Date.now() - started).toBeLessThan(200 + 1_000);
  expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
});

it("leaves no timer behind for a client that left on its own while the drain was spreading closes", async () => {
  const node = await startHub({ DRAIN_SECONDS: "1" });
  const clients = await Promise.all(
    Array.from({ length: 3 }, () => TestClient.connect(wsUrl(node))),
  );
  const stopped = node.stop();
  // The last client's turn comes about a third of a second in; it hangs up before that.
  clients[2]?.ws.terminate();
  await stopped;
  expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
});
