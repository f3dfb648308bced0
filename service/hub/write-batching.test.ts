// The write path batches: frames fanned out in one turn leave each socket in a few writes, not
// one per frame, while order, the slow-consumer bound and fast readers stay as they were.
import { Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { MemoryBroker } from "../bus/index.js";
import {
  metricValue,
  releaseAll,
  startHub,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

type WriteFn = (this: Socket, ...args: unknown[]) => void;

/**
 * Counts write requests (each one write or writev syscall) on the hub's side of its sockets,
 * i.e. sockets whose local port is the hub's; restored by the returned function.
 */
function countHubWrites(hubPort: () => number): {
  byRemotePort: Map<number, number>;
  restore(): void;
} {
  const proto = Socket.prototype as unknown as Record<"_write" | "_writev", WriteFn>;
  const original = { _write: proto._write, _writev: proto._writev };
  const byRemotePort = new Map<number, number>();
  for (const name of ["_write", "_writev"] as const) {
    const write = original[name];
    proto[name] = function (this: Socket, ...args: unknown[]) {
      if (this.localPort === hubPort() && this.remotePort !== undefined)
        byRemotePort.set(this.remotePort, (byRemotePort.get(this.remotePort) ?? 0) + 1);
      write.apply(this, args);
    };
  }
  return {
    byRemotePort,
    restore() {
      proto._write = original._write;
      proto._writev = original._writev;
    },
  };
}

function broker(): MemoryBroker {
  return new MemoryBroker({ historySize: 1_000, historyTtlSeconds: 3_600, dedupeSeconds: 120 });
}

function localPort(c: TestClient): number {
  return (c.ws as unknown as { _socket: Socket })._socket.localPort as number;
}

/** Publishes `count` messages per channel, interleaved, all in this turn (no await between). */
function burst(bus: MemoryBroker, channels: string[], count: number, pad = ""): Promise<unknown> {
  const all: Promise<unknown>[] = [];
  for (let i = 1; i <= count; i++)
    for (const ch of channels) all.push(bus.publish({ ch, data: JSON.stringify({ i, pad }) }));
  return Promise.all(all);
}

it("writes a burst of one turn to each subscriber's socket in a few writes, not one per message", async () => {
  const bus = broker();
  const node = await startHub({}, { broker: bus });
  const subscribers = await Promise.all([1, 2, 3].map(() => TestClient.connect(wsUrl(node))));
  for (const c of subscribers) await c.subscribe("feed");
  const counter = countHubWrites(() => node.port);
  const messages = 200;
  try {
    await burst(bus, ["feed"], messages);
    for (const c of subscribers)
      await waitFor("the whole burst", () => c.where("msg", "feed").length === messages);
  } finally {
    counter.restore();
  }
  for (const c of subscribers) {
    // ~130-byte frames: 200 of them fill two early flushes of the batch at most.
    const writes = counter.byRemotePort.get(localPort(c)) ?? 0;
    expect(writes).toBeGreaterThan(0);
    expect(writes).toBeLessThanOrEqual(4);
    const seqs = c.where("msg", "feed").map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  }
});

it("keeps the order of a turn's frames across channels, as they were published", async () => {
  const bus = broker();
  const node = await startHub({}, { broker: bus });
  const c = await TestClient.connect(wsUrl(node));
  await c.subscribe("a");
  await c.subscribe("b");
  await burst(bus, ["a", "b"], 100);
  await burst(bus, ["b", "a"], 100);
  await waitFor("every message", () => c.where("msg").length === 400);
  const got = c.where("msg").map((f) => `${f.ch}${f.seq}`);
  const want: string[] = [];
  for (let i = 1; i <= 100; i++) want.push(`a${i}`, `b${i}`);
  for (let i = 101; i <= 200; i++) want.push(`b${i}`, `a${i}`);
  expect(got).toEqual(want);
});

it("does not take a reader for a slow consumer when one turn's burst passes SLOW_CONSUMER_BYTES", async () => {
  const bus = broker();
  const node = await startHub({ SLOW_CONSUMER_BYTES: String(16 * 1024) }, { broker: bus });
  const reader = await TestClient.connect(wsUrl(node));
  await reader.subscribe("feed");
  const counter = countHubWrites(() => node.port);
  try {
    // 100 frames of ~1 KB in one turn: six times the bound, all of it readable at once.
    await burst(bus, ["feed"], 100, "x".repeat(1_000));
    await waitFor("the whole burst", () => reader.where("msg", "feed").length === 100);
  } finally {
    counter.restore();
  }
  expect(reader.open).toBe(true);
  expect(await metricValue(node, "wshub_slow_consumer_closes_total")).toBe(0);
  // The batch held at most a quarter of the bound (4 KB) and a frame: ~100 KB left in 20+ writes.
  expect(counter.byRemotePort.get(localPort(reader)) ?? 0).toBeGreaterThanOrEqual(20);
});

it("still closes a subscriber that does not read when messages come in bursts", async () => {
  const bus = broker();
  const node = await startHub({ SLOW_CONSUMER_BYTES: String(64 * 1024) }, { broker: bus });
  const reader = await TestClient.connect(wsUrl(node));
  const stalled = await TestClient.connect(wsUrl(node));
  await reader.subscribe("feed");
  await stalled.subscribe("feed");
  (stalled.ws as unknown as { _socket: Socket })._socket.pause();
  const pad = "x".repeat(8 * 1024);
  let sent = 0;
  // The kernel's buffers take a few MB first; each round is one turn of 50 frames of 8 KB.
  for (let round = 0; round < 200; round++) {
    await burst(bus, ["feed"], 50, pad);
    sent += 50;
    await waitFor("the reader to catch up", () => reader.where("msg").length === sent, 10_000);
    if ((await metricValue(node, "wshub_slow_consumer_closes_total")) > 0) break;
  }
  expect(await metricValue(node, "wshub_slow_consumer_closes_total")).toBe(1);
  (stalled.ws as unknown as { _socket: Socket })._socket.resume();
  const closed = await stalled.waitClosed(5_000);
  expect(closed.code).toBe(1013);
  const got = stalled.where("msg").map((f) => f.seq as number);
  expect(got).toEqual(got.map((_, i) => i + 1));
  expect(got.length).toBeLessThan(sent);
  const seqs = reader.where("msg").map((f) => f.seq as number);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  expect(reader.open).toBe(true);
});

/** Sends `count` publishes with ids from `c` in one write of its socket. */
function publishBurst(c: TestClient, ch: string, count: number): void {
  const socket = (c.ws as unknown as { _socket: Socket })._socket;
  socket.cork();
  for (let i = 1; i <= count; i++) c.send({ op: "pub", ch, id: `p-${i}`, data: { i } });
  socket.uncork();
}

it("answers a burst of publishes, acks and rate_limited refusals alike, in a few writes", async () => {
  const node = await startHub({ MAX_PUBLISH_RATE: "20" }, { broker: broker() });
  const c = await TestClient.connect(wsUrl(node));
  const counter = countHubWrites(() => node.port);
  const count = 100;
  try {
    publishBurst(c, "room", count);
    await waitFor(
      "an answer to every publish",
      () => c.where("ok").length + c.where("error").length === count,
    );
  } finally {
    counter.restore();
  }
  // The bucket holds one second's worth (20, plus a token per 50 ms the burst's reads took): the
  // rest refused, every answer in arrival order.
  expect(c.where("ok").length).toBeGreaterThanOrEqual(20);
  expect(c.where("error").length).toBeGreaterThanOrEqual(count / 2);
  expect(c.where("error").every((f) => f.code === "rate_limited")).toBe(true);
  const answered = c.frames.filter((f) => f.op === "ok" || f.op === "error").map((f) => f.id);
  expect(answered).toEqual(Array.from({ length: count }, (_, i) => `p-${i + 1}`));
  // One write per answer before replies joined the batch; a read of the burst or two now.
  expect(counter.byRemotePort.get(localPort(c)) ?? 0).toBeLessThanOrEqual(10);
});
