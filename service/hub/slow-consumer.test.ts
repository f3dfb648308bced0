// A subscriber that does not read is closed with 1013 once its send buffer passes
// SLOW_CONSUMER_BYTES; the other subscribers of the channel get every message, in order.
import type { Socket } from "node:net";
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

function socketOf(c: TestClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

it("closes a subscriber that does not read with 1013 and keeps the others whole", async () => {
  const node = await startHub({
    SLOW_CONSUMER_BYTES: String(64 * 1024),
    MAX_PUBLISH_RATE: "100000",
  });
  const publisher = await TestClient.connect(wsUrl(node));
  const reader = await TestClient.connect(wsUrl(node));
  const stalled = await TestClient.connect(wsUrl(node));
  await reader.subscribe("feed");
  await stalled.subscribe("feed");
  socketOf(stalled).pause();

  // Publish in rounds until the hub gives up on the stalled subscriber; the kernel's socket
  // buffers absorb a few MB before the hub's own buffer starts to grow.
  const payload = "x".repeat(8 * 1024);
  let sent = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 50; i++)
      publisher.send({ op: "pub", ch: "feed", data: { n: ++sent, payload } });
    const id = `mark-${round}`;
    publisher.send({ op: "pub", ch: "feed", data: { n: ++sent, payload: "" }, id });
    await publisher.next((f) => f.op === "ok" && f.id === id, `ok ${id}`, 10_000);
    if ((await metricValue(node, "wshub_slow_consumer_closes_total")) > 0) break;
  }
  expect(await metricValue(node, "wshub_slow_consumer_closes_total")).toBe(1);
  // The node let go of the stalled subscriber at once: it is no longer in the channel.
  expect(node.stats().channels).toBe(1);

  // Once it reads again, it finds the 1013 close after what was already written.
  socketOf(stalled).resume();
  const closed = await stalled.waitClosed(5_000);
  expect(closed.code).toBe(1013);
  expect(closed.reason).toMatch(/slow consumer/);
  const got = stalled.where("msg").map((f) => f.seq as number);
  expect(got).toEqual(got.map((_, i) => i + 1));
  expect(got.length).toBeLessThan(sent);

  // The reading subscriber got every message, once, in order.
  await waitFor("every message at the reader", () => reader.where("msg").length === sent, 10_000);
  const seqs = reader.where("msg").map((f) => f.seq as number);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  expect(reader.open).toBe(true);
  await waitFor("the node to forget the stalled one", () => node.stats().connections === 2);
  expect(await metricValue(node, "wshub_disconnects_total", { reason: "slow_consumer" })).toBe(1);
});
