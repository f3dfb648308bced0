import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FaultProxy } from "../../../../testkit/fault-proxy.js";
import { waitFor } from "../../../../testkit/poll.js";
import {
  REDIS_PORT,
  RedisContainer,
  type StartedRedisContainer,
} from "../../../../testkit/redis-container.js";
import { PublishOutcomeUnknownError, UnavailableError } from "../../../errors.js";
import { BrokerSet, setPaused } from "../../../test/redis-containers.js";
import type { BrokerStatus } from "../../broker.js";
import { describeBroker, freshChannel, Inbox } from "../../testing/broker-contract.js";
import type { RedisBroker } from "../redis-broker.js";

let redis: StartedRedisContainer;
const brokers = new BrokerSet();
const admins: Redis[] = [];

beforeAll(async () => {
  redis = await new RedisContainer().start();
});
afterAll(async () => {
  await brokers.stopAll();
  for (const a of admins) a.disconnect();
  await redis?.stop();
});

// First, while no other broker runs, so counting the process's sockets and timers is exact.
describe("RedisBroker: stop", () => {
  const openHandles = () =>
    process.getActiveResourcesInfo().filter((r) => r === "TCPSocketWrap" || r === "Timeout").length;

  it("ends both connections and the probe timer, and leaves no socket or timer behind", async () => {
    const before = openHandles();
    const broker = brokers.create({ url: redis.url, nodeId: "stopper" });
    await broker.start();
    await broker.subscribe(freshChannel("stop"));
    expect(openHandles()).toBeGreaterThan(before);
    await broker.stop();
    expect(broker.connectionStates()).toEqual({ cmd: "end", sub: "end", probeTimer: false });
    expect(openHandles()).toBeLessThanOrEqual(before);
    await expect(broker.subscribe("x")).rejects.toBeInstanceOf(UnavailableError);
  });

  it("rejects start with UnavailableError when nothing listens, leaving nothing open", async () => {
    const before = openHandles();
    const broker = brokers.create({
      url: "redis://127.0.0.1:1",
      nodeId: "nobody",
      startTimeoutMs: 800,
    });
    const error = await broker.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(broker.status()).toMatchObject({ up: false });
    expect(broker.connectionStates().probeTimer).toBe(false);
    // ioredis keeps a 200 ms disconnect timer for the closed socket; then nothing is left.
    await waitFor("every handle released", () => openHandles() <= before, 1000);
  });
});

describeBroker("redis", async (opts) =>
  brokers.create({ ...opts, url: redis.url, nodeId: "contract" }),
);

describe("RedisBroker: two nodes on one Redis", () => {
  let a: RedisBroker;
  let b: RedisBroker;
  let inboxB: Inbox;

  beforeAll(async () => {
    a = brokers.create({ url: redis.url, nodeId: "node-a" });
    b = brokers.create({ url: redis.url, nodeId: "node-b" });
    inboxB = new Inbox(b);
    await Promise.all([a.start(), b.start()]);
  });

  it("delivers A's publish to B, B reads A's history, and an id is deduplicated across nodes", async () => {
    const ch = freshChannel("nodes");
    await b.subscribe(ch);
    const first = await a.publish({ ch, data: '{"from":"a"}', id: "x-1", publisher: "p1" });
    const retry = await b.publish({ ch, data: '{"from":"a"}', id: "x-1", publisher: "p1" });
    expect(retry).toEqual({ ...first, duplicate: true });
    const second = await b.publish({ ch, data: '{"from":"b"}' });
    expect(second).toMatchObject({ seq: 2, epoch: first.epoch });
    const got = await inboxB.until(ch, 2);
    expect(got.map((m) => [m.seq, m.data, m.id])).toEqual([
      [1, '{"from":"a"}', "x-1"],
      [2, '{"from":"b"}', undefined],
    ]);
    const h = await b.history(ch, 0);
    expect(h.messages.map((m) => m.data)).toEqual(['{"from":"a"}', '{"from":"b"}']);
    expect(h.epoch).toBe(first.epoch);
  });

  it("skips a malformed bus message and keeps delivering", async () => {
    const ch = freshChannel("junk");
    await b.subscribe(ch);
    const client = await redis.admin();
    admins.push(client);
    await client.publish(`wshub:bus:${ch}`, "not a wshub payload");
    await a.publish({ ch, data: '"good"' });
    const got = await inboxB.until(ch, 1);
    expect(got.map((m) => m.data)).toEqual(['"good"']);
    expect(b.status().up).toBe(true);
  });

  it("starts a new epoch at seq 1 when Redis lost its data (FLUSHALL)", async () => {
    const ch = freshChannel("flush");
    const before = await a.publish({ ch, data: "1" });
    await a.publish({ ch, data: "2" });
    const client = await redis.admin();
    admins.push(client);
    await client.flushall();
    const after = await a.publish({ ch, data: "3" });
    expect(after.seq).toBe(1);
    expect(after.epoch).not.toBe(before.epoch);
    const h = await b.history(ch, 2);
    // A client that saw seq 2 of the old epoch is ahead of the new sequence: not recovered.
    expect(h).toMatchObject({ seq: 1, epoch: after.epoch, complete: false });
    expect((await b.history(ch, 0)).messages.map((m) => m.data)).toEqual(["3"]);
  });
});

describe("RedisBroker: Redis unreachable", () => {
  let own: StartedRedisContainer;
  let a: RedisBroker;
  let b: RedisBroker;
  const statusB: BrokerStatus[] = [];

  beforeAll(async () => {
    own = await new RedisContainer().start();
    a = brokers.create({ url: own.url, nodeId: "out-a" });
    b = brokers.create({ url: own.url, nodeId: "out-b" });
    b.onStatus((s) => statusB.push(s));
    await Promise.all([a.start(), b.start()]);
  });
  afterAll(async () => {
    await own?.stop();
  });

  it("answers a publish sent into a frozen Redis as outcome unknown, goes down, and comes back by itself", async () => {
    const ch = freshChannel("pause");
    await a.publish({ ch, data: "1" });
    await setPaused(own, true);
    try {
      const started = Date.now();
      const error = await a
        .publish({ ch, data: "2", id: "frozen-2", publisher: "p1" })
        .catch((e: unknown) => e);
      // It was sent: Redis runs it once it thaws, so "unavailable, retry later" would be a lie.
      expect(error).toBeInstanceOf(PublishOutcomeUnknownError);
      expect(error).toMatchObject({ code: "publish_outcome_unknown" });
      expect((error as Error).message).toMatch(/retry with the same id/);
      // commandTimeoutMs is 1000 in BrokerSet; 1500 ms is its floor with the WAIT margin.
      expect(Date.now() - started).toBeLessThan(2500);
      await waitFor("status down while Redis is frozen", () => !b.status().up, 5000);
      expect(b.status().reason).toMatch(/probe|connection/);
    } finally {
      await setPaused(own, false);
    }
    await waitFor("status up after Redis is back", () => a.status().up && b.status().up, 15_000);
    // Up after start, down while frozen, up again: changes only, each once.
    expect(statusB.map((s) => s.up)).toEqual([true, false, true]);
    // The retry with the same id finds the frozen publish stored: no duplicate.
    const retry = await a.publish({ ch, data: "2", id: "frozen-2", publisher: "p1" });
    expect(retry).toMatchObject({ seq: 2, duplicate: true });
    expect((await a.publish({ ch, data: "3" })).seq).toBe(3);
  });

  it("finds a message published while B's subscriber was cut off through history", async () => {
    const ch = freshChannel("gap");
    const inboxB = new Inbox(b);
    await b.subscribe(ch);
    await a.publish({ ch, data: '"seen"' });
    await inboxB.until(ch, 1);
    const client = await own.admin();
    admins.push(client);
    const downsBefore = statusB.filter((s) => !s.up).length;
    // A password keeps killed subscribers from reconnecting until it is removed again, so the
    // publish below falls into B's gap for sure; A's command connection stays authenticated.
    await client.config("SET", "requirepass", "gap-pass");
    try {
      await client.call("CLIENT", "KILL", "TYPE", "pubsub");
      await waitFor("B reports the cut", () => !b.status().up, 5000);
      expect((await a.publish({ ch, data: '"missed"' })).seq).toBe(2);
    } finally {
      await client.auth("gap-pass");
      await client.config("SET", "requirepass", "");
    }
    await waitFor("B up again", () => b.status().up, 15_000);
    expect(statusB.filter((s) => !s.up).length).toBe(downsBefore + 1);
    expect(statusB.at(-1)).toEqual({ up: true });
    expect(inboxB.on(ch).map((m) => m.data)).toEqual(['"seen"']);
    const h = await b.history(ch, 1);
    expect(h).toMatchObject({ seq: 2, complete: true });
    expect(h.messages.map((m) => m.data)).toEqual(['"missed"']);
    // And the live bus works again after the reconnect.
    await a.publish({ ch, data: '"live"' });
    expect((await inboxB.until(ch, 2)).map((m) => m.seq)).toEqual([1, 3]);
  });
});

describe("RedisBroker: a request that meets the bus down", () => {
  let own: StartedRedisContainer;
  let admin: Redis;

  beforeAll(async () => {
    own = await new RedisContainer().start();
    admin = await own.admin();
    admins.push(admin);
  });
  afterAll(async () => {
    await own?.stop();
  });

  /** Cuts the broker's connections and keeps them out (a password) until `back()` is called. */
  async function cut(broker: RedisBroker): Promise<{ back: () => Promise<void> }> {
    await admin.config("SET", "requirepass", "held-pass");
    await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
    await waitFor("bus down after the cut", () => !broker.status().up, 5000);
    return {
      back: async () => {
        await admin.auth("held-pass");
        await admin.config("SET", "requirepass", "");
      },
    };
  }

  it("waits for the bus to come back and then goes through, instead of being refused", async () => {
    const broker = brokers.create({ url: own.url, nodeId: "held", downHoldMs: 8000 });
    await broker.start();
    const ch = freshChannel("held");
    await broker.publish({ ch, data: "1" });
    const { back } = await cut(broker);
    let settled = false;
    const held = broker.publish({ ch, data: "2", id: "held-2", publisher: "p" });
    const read = broker.history(ch, 0);
    void Promise.allSettled([held, read]).then(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    await back();
    expect(await held).toMatchObject({ seq: 2, duplicate: false });
    expect((await read).seq).toBeGreaterThanOrEqual(1);
  });

  it("is refused as unavailable once the hold passes with the bus still down", async () => {
    const broker = brokers.create({ url: own.url, nodeId: "held-out", downHoldMs: 400 });
    await broker.start();
    const { back } = await cut(broker);
    try {
      const started = Date.now();
      const error = await broker.publish({ ch: freshChannel("out"), data: "1" }).catch((e) => e);
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/Redis is unavailable.*retry later/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    } finally {
      await back();
    }
  });

  it("ends a wait at once when the broker stops, leaving no timer", async () => {
    const broker = brokers.create({ url: own.url, nodeId: "held-stop", downHoldMs: 60_000 });
    await broker.start();
    const { back } = await cut(broker);
    try {
      const pending = broker.publish({ ch: freshChannel("stop"), data: "1" }).catch((e) => e);
      await new Promise((r) => setTimeout(r, 100));
      const started = Date.now();
      await broker.stop();
      const error = await pending;
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as Error).message).toMatch(/broker is stopped/);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(broker.waitingRequests()).toBe(0);
    } finally {
      await back();
    }
  });
});

describe("RedisBroker: password", () => {
  let own: StartedRedisContainer;
  let secret = "first-secret";

  beforeAll(async () => {
    own = await new RedisContainer().withServerArgs("--requirepass", secret).start();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it("connects with password(), and reads it again on reconnect after a rotation", async () => {
    const broker = brokers.create({ url: own.url, nodeId: "pw", password: () => secret });
    await broker.start();
    const ch = freshChannel("pw");
    expect((await broker.publish({ ch, data: "1" })).seq).toBe(1);
    const client = await own.admin({ password: secret });
    admins.push(client);
    secret = "second-secret";
    await client.config("SET", "requirepass", secret);
    await client.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
    await client.call("CLIENT", "KILL", "TYPE", "pubsub");
    await waitFor("down after the connections were killed", () => !broker.status().up, 5000);
    await waitFor("up with the rotated password", () => broker.status().up, 15_000);
    expect((await broker.publish({ ch, data: "2" })).seq).toBe(2);
  });

  it("reports a wrong password as a clear reason instead of crashing", async () => {
    const broker = brokers.create({
      url: own.url,
      nodeId: "bad-pw",
      password: () => "wrong",
      startTimeoutMs: 1500,
    });
    const error = await broker.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/WRONGPASS|invalid password|NOAUTH/);
    expect((error as Error).message).not.toContain("wrong@");
    expect(broker.status()).toMatchObject({ up: false });
    expect(broker.status().reason).toMatch(/WRONGPASS|invalid password|NOAUTH/);
  });
});

describe("RedisBroker: silent half-open connections", () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await FaultProxy.start({
      upstream: { host: redis.getHost(), port: redis.getMappedPort(REDIS_PORT) },
    });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it("notices frozen connections through the probe and replaces them by itself", async () => {
    const broker = brokers.create({
      url: `redis://127.0.0.1:${proxy.address.port}`,
      nodeId: "half-open",
    });
    const inbox = new Inbox(broker);
    const statuses: BrokerStatus[] = [];
    broker.onStatus((s) => statuses.push(s));
    await broker.start();
    const ch = freshChannel("half-open");
    await broker.subscribe(ch);
    expect(proxy.freezeOpen()).toBe(2);
    await waitFor("down once the probe stops coming back", () => !broker.status().up, 5000);
    expect(statuses.at(-1)?.reason).toMatch(/probe/);
    // The frozen sockets stay open and frozen: only new connections can bring it back.
    await waitFor("up on new connections", () => broker.status().up, 15_000);
    await broker.publish({ ch, data: '"after"' });
    expect((await inbox.until(ch, 1)).map((m) => m.data)).toEqual(['"after"']);
  });
});
