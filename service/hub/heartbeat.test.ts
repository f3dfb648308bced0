// A peer that stops answering pings is terminated after two heartbeat intervals; others stay.
import { afterEach, expect, it } from "vitest";
import {
  metricValue,
  releaseAll,
  startHub,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

it("terminates a peer silent for two heartbeat intervals and keeps one that answers", async () => {
  const intervalMs = 100;
  const node = await startHub({ HEARTBEAT_SECONDS: String(intervalMs / 1000) });
  const alive = await TestClient.connect(wsUrl(node));
  const silent = await TestClient.connect(wsUrl(node), { autoPong: false });
  await alive.subscribe("room:1");
  await silent.subscribe("room:1");
  const pings = { alive: 0, silent: 0 };
  alive.ws.on("ping", () => pings.alive++);
  silent.ws.on("ping", () => pings.silent++);
  const since = Date.now();
  const closed = await silent.waitClosed(3_000);
  const after = Date.now() - since;
  // Terminated (no close frame), after at least two unanswered pings, well before many more.
  expect(closed.code).toBe(1006);
  expect(pings.silent).toBeGreaterThanOrEqual(2);
  expect(after).toBeGreaterThanOrEqual(intervalMs);
  expect(after).toBeLessThan(intervalMs * 10);
  await waitFor("the node to forget the silent peer", () => node.stats().connections === 1);
  expect(await metricValue(node, "wshub_disconnects_total", { reason: "heartbeat_timeout" })).toBe(
    1,
  );
  // The answering client lives through several more sweeps and still gets messages.
  const pingsThen = pings.alive;
  await waitFor("five more pings to the live client", () => pings.alive >= pingsThen + 5, 3_000);
  expect(alive.open).toBe(true);
  alive.send({ op: "pub", ch: "room:1", data: "still here" });
  expect(await alive.next((f) => f.op === "msg", "msg")).toMatchObject({ data: "still here" });
  expect(node.stats()).toEqual({ connections: 1, channels: 1, timers: 0, ips: 1, sockets: 1 });
});

it("counts any frame from the client as a sign of life", async () => {
  const intervalMs = 100;
  const node = await startHub({ HEARTBEAT_SECONDS: String(intervalMs / 1000) });
  const chatty = await TestClient.connect(wsUrl(node), { autoPong: false });
  let pings = 0;
  chatty.ws.on("ping", () => {
    pings++;
    chatty.send({ op: "unsub", ch: "nothing" });
  });
  await waitFor("six sweeps", () => pings >= 6, 3_000);
  expect(chatty.open).toBe(true);
});
