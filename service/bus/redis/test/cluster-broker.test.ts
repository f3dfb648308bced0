// The Redis Cluster bus on a real cluster of 3 primaries with a replica each, shared by the whole
// file: the behaviour suite every broker passes, then what only a cluster has (sharded pub/sub,
// WAIT on the channel's shard, a slot moving under a subscribed channel).
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockFrom, LOOP_PHASES, runFreely } from "../../../../testkit/event-loop.js";
import { waitFor } from "../../../../testkit/poll.js";
import {
  RedisClusterContainer,
  type StartedRedisCluster,
} from "../../../../testkit/redis-cluster.js";
import { PublishOutcomeUnknownError } from "../../../errors.js";
import { BrokerSet } from "../../../test/redis-containers.js";
import { describeBroker, freshChannel, Inbox } from "../../testing/broker-contract.js";
import { describeControlPlane } from "../../testing/control-contract.js";
import type { RedisClusterBroker } from "../cluster-broker.js";
import { RedisControlPlane } from "../control-redis.js";
import { keySlot } from "../key-slot.js";
import { keys } from "../lua.js";

let cluster: StartedRedisCluster;
const brokers = new BrokerSet();

beforeAll(async () => {
  cluster = await new RedisClusterContainer().withPrimaries(3).withReplicasPerPrimary(1).start();
}, 60_000);
afterAll(async () => {
  await brokers.stopAll();
  await cluster?.stop();
});

describeBroker("redis cluster", async (opts) =>
  brokers.createCluster(cluster.nodes, { ...opts, nodeId: "contract" }),
);

// The node control plane (server API) on the same cluster: classic pub/sub reaches every node.
describeControlPlane(
  "redis cluster",
  (nodeId) =>
    new RedisControlPlane({
      clusterNodes: cluster.nodes
        .split(",")
        .map((k) => ({ host: k.split(":")[0] ?? "", port: Number(k.split(":")[1]) })),
      nodeId,
      nodeTtlMs: 3_000,
    }),
);

/** Channels whose slots sit on three different primaries. */
async function channelsOnEveryShard(): Promise<Map<string, string>> {
  const primaries = await cluster.primaries();
  const byShard = new Map<string, string>();
  for (let i = 0; byShard.size < primaries.length && i < 10_000; i++) {
    const ch = freshChannel(`spread${i}`);
    const slot = keySlot(keys.shardBus(ch));
    const owner = primaries.find((p) => p.slots.some(([a, b]) => slot >= a && slot <= b));
    if (owner && !byShard.has(owner.key)) byShard.set(owner.key, ch);
  }
  return byShard;
}

async function shardChannelsOn(key: string): Promise<string[]> {
  const admin: Redis = await cluster.admin(cluster.node(key));
  try {
    return (await admin.call("PUBSUB", "SHARDCHANNELS", "wshub:bus:*")) as string[];
  } finally {
    admin.disconnect();
  }
}

describe("RedisClusterBroker: sharded pub/sub", () => {
  let a: RedisClusterBroker;
  let b: RedisClusterBroker;
  let inboxB: Inbox;

  beforeAll(async () => {
    a = brokers.createCluster(cluster.nodes, { nodeId: "shard-a" });
    b = brokers.createCluster(cluster.nodes, { nodeId: "shard-b" });
    inboxB = new Inbox(b);
    await Promise.all([a.start(), b.start()]);
  });

  it("subscribes each channel on its own shard only, and delivers across nodes on every shard", async () => {
    const spread = await channelsOnEveryShard();
    expect(spread.size).toBe(3);
    for (const ch of spread.values()) await b.subscribe(ch);
    for (const [shard, ch] of spread) {
      const on = await shardChannelsOn(shard);
      expect(on).toContain(keys.shardBus(ch));
      for (const other of spread.values())
        if (other !== ch) expect(on).not.toContain(keys.shardBus(other));
    }
    for (const ch of spread.values()) await a.publish({ ch, data: `"${ch}"` });
    for (const ch of spread.values())
      expect((await inboxB.until(ch, 1)).map((m) => m.data)).toEqual([`"${ch}"`]);
    // A node that holds no channel of a shard hears nothing of it: a holds none at all.
    for (const ch of spread.values()) await b.unsubscribe(ch);
    for (const [shard] of spread) expect(await shardChannelsOn(shard)).toEqual([]);
  });

  it("holds one subscriber connection per primary, for the probe of every shard", async () => {
    expect(a.status()).toEqual({ up: true });
    const primaries = (await cluster.primaries()).map((p) => p.key).sort();
    expect(primaries).toHaveLength(3);
    expect(a.subscribedShards().sort()).toEqual(primaries);
  });

  it("goes down naming the shard whose subscriber is frozen, and comes back by itself", async () => {
    const statuses: { up: boolean; reason?: string }[] = [];
    a.onStatus((s) => statuses.push(s));
    const [victim] = await cluster.primaries();
    if (!victim) throw new Error("no primary");
    const admin = await cluster.admin(cluster.node(victim.key));
    try {
      // Pauses every client of that primary for a second: its probe cannot come back.
      await admin.call("CLIENT", "PAUSE", "1500", "ALL");
      await waitFor("the bus down on the paused shard", () => !a.status().up, 5000);
      expect(a.status().reason).toContain(`shard ${victim.key}`);
      await waitFor("the bus up again", () => a.status().up, 10_000);
    } finally {
      admin.disconnect();
    }
    expect(statuses.map((s) => s.up)).toEqual([false, true]);
  });
});

describe("RedisClusterBroker: a publish that meets the bus down", () => {
  it("waits for the cluster to come back and then goes through, instead of being refused", async () => {
    const broker = brokers.createCluster(cluster.nodes, { nodeId: "held", downHoldMs: 15_000 });
    await broker.start();
    const ch = freshChannel("held");
    await broker.publish({ ch, data: "1" });
    const admins = await Promise.all(
      cluster.nodes.split(",").map((k) => cluster.admin(cluster.node(k))),
    );
    // Every node cut and closed to the broker (a password it does not have) until put back.
    const back = () =>
      Promise.all(
        admins.map(async (admin) => {
          await admin.auth("held-pass").catch(() => undefined);
          await admin.config("SET", "requirepass", "");
        }),
      );
    try {
      for (const admin of admins) await admin.config("SET", "requirepass", "held-pass");
      for (const admin of admins) {
        await admin.auth("held-pass");
        await admin.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
      }
      await waitFor("the bus down with every node closed", () => !broker.status().up, 5000);
      let settled = false;
      const held = broker.publish({ ch, data: "2", id: "held-2", publisher: "p" });
      const done = () => {
        settled = true;
      };
      void held.then(done, done);
      await new Promise((r) => setTimeout(r, 300));
      expect(settled).toBe(false);
      await back();
      expect(await held).toMatchObject({ seq: 2, duplicate: false });
      expect(broker.waitingRequests()).toBe(0);
    } finally {
      await back();
      for (const admin of admins) admin.disconnect();
    }
  });
});

describe("RedisClusterBroker: per-namespace history (NAMESPACES)", () => {
  it("keeps as many messages as the channel's namespace says, none for a namespace without history", async () => {
    const broker = brokers.createCluster(cluster.nodes, {
      nodeId: "hist-ns",
      historyOf: (ch) => ({ size: ch.startsWith("none:") ? 0 : 2, ttlSeconds: 60 }),
    });
    await broker.start();
    const none = `none:${freshChannel("h")}`;
    const two = `two:${freshChannel("h")}`;
    for (const ch of [none, two])
      for (const data of ["1", "2", "3"]) await broker.publish({ ch, data });
    expect((await broker.history(none, 0)).messages).toEqual([]);
    expect((await broker.history(two, 0)).messages.map((m) => m.data)).toEqual(["2", "3"]);
  });
});

describe("RedisClusterBroker: REDIS_MIN_REPLICAS waits on the channel's shard", () => {
  it("confirms with the shard's one replica and refuses to confirm two", async () => {
    const one = brokers.createCluster(cluster.nodes, { nodeId: "wait-1", minReplicas: 1 });
    const two = brokers.createCluster(cluster.nodes, {
      nodeId: "wait-2",
      minReplicas: 2,
      waitTimeoutMs: 300,
    });
    await Promise.all([one.start(), two.start()]);
    for (const ch of (await channelsOnEveryShard()).values()) {
      expect(await one.publish({ ch, data: "1", id: "w", publisher: "p" })).toMatchObject({
        seq: 1,
        duplicate: false,
      });
      const error = await two.publish({ ch, data: "2" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PublishOutcomeUnknownError);
      expect((error as Error).message).toMatch(/1 of 2 Redis replicas of the channel's shard/);
    }
  });
});

describe("RedisClusterBroker: a slot moves to another shard under a subscribed channel", () => {
  it("keeps publishing through the move, subscribes again on the new shard and reports the gap", async () => {
    const a = brokers.createCluster(cluster.nodes, { nodeId: "move-a" });
    const b = brokers.createCluster(cluster.nodes, { nodeId: "move-b" });
    const inbox = new Inbox(b);
    const gaps: string[] = [];
    b.onGap((ch) => gaps.push(ch));
    await Promise.all([a.start(), b.start()]);
    const ch = freshChannel("move");
    const slot = keySlot(keys.shardBus(ch));
    await b.subscribe(ch);
    for (let i = 1; i <= 3; i++) await a.publish({ ch, data: String(i) });
    await inbox.until(ch, 3);
    const from = await cluster.ownerOf(slot);
    const to = (await cluster.primaries()).find((p) => p.key !== from.key);
    if (!to) throw new Error("no other primary");
    let during: Promise<number> | undefined;
    await cluster.moveSlot(slot, to.key, async () => {
      // Half moved: Redis answers TRYAGAIN/ASK until the slot is finalized; the publish is sent
      // again meanwhile and lands exactly once.
      during = a.publish({ ch, data: "4", id: "during", publisher: "p" }).then((r) => r.seq);
    });
    expect(await during).toBe(4);
    await waitFor("the channel's gap reported after the move", () => gaps.includes(ch), 10_000);
    expect(await shardChannelsOn(to.key)).toContain(keys.shardBus(ch));
    for (let i = 5; i <= 6; i++) await a.publish({ ch, data: String(i) });
    await inbox.until(ch, 5);
    const h = await b.history(ch, 0);
    expect(h.messages.map((m) => m.data)).toEqual(["1", "2", "3", "4", "5", "6"]);
    expect(h.complete).toBe(true);
    // Live delivery after the move: 5 and 6 came over the new shard.
    expect(inbox.on(ch).map((m) => m.seq)).toEqual(expect.arrayContaining([1, 2, 3, 5, 6]));
    expect(b.status().up).toBe(true);
  });
});

describe("RedisClusterBroker: overlapping publishes while their slot moves", () => {
  it("stores them in the order they were sent, none lost, none refused", async () => {
    const a = brokers.createCluster(cluster.nodes, { nodeId: "order-a" });
    await a.start();
    const ch = freshChannel("order");
    const slot = keySlot(keys.shardBus(ch));
    await a.publish({ ch, data: "-1" });
    const from = await cluster.ownerOf(slot);
    const to = (await cluster.primaries()).find((p) => p.key !== from.key);
    if (!to) throw new Error("no other primary");
    // As a connection's queue sends them: each publish goes out at once, up to 32 in flight.
    const seqs: number[] = [];
    const failures: string[] = [];
    let inFlight = 0;
    const send = (): void => {
      const i = seqs.length;
      seqs.push(0);
      inFlight++;
      a.publish({ ch, data: String(i), id: `o-${i}`, publisher: "one-connection" })
        .then(
          (r) => {
            seqs[i] = r.seq;
          },
          (err: unknown) => {
            failures.push(`#${i}: ${String(err)}`);
          },
        )
        .finally(() => inFlight--);
    };
    const pump = setInterval(() => {
      while (inFlight < 32 && seqs.length < 20_000) send();
    }, 1);
    try {
      await new Promise((r) => setTimeout(r, 200));
      // Half moved for a while: TRYAGAIN and ASK for some publishes, MOVED for later ones.
      await cluster.moveSlot(slot, to.key, () => new Promise((r) => setTimeout(r, 300)));
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      clearInterval(pump);
    }
    await waitFor("every publish answered", () => inFlight === 0, 10_000);
    expect(failures).toEqual([]);
    expect(seqs.length).toBeGreaterThan(100);
    // seq 1 is the publish before the move: the rest follow in the order they were sent.
    const outOfOrder = seqs.filter((s, i) => s !== i + 2).slice(0, 5);
    expect(outOfOrder, `seqs in send order: ${seqs.slice(0, 40).join(",")}…`).toEqual([]);
    await a.stop();
  });
});

describe("RedisClusterBroker: delivery probe under a blocked event loop", () => {
  it("stays up on every shard through 1.5 s blocks of its own loop (3.75 probe limits)", async () => {
    const broker = brokers.createCluster(cluster.nodes, { nodeId: "starved" });
    const inbox = new Inbox(broker);
    const statuses: { up: boolean; reason?: string }[] = [];
    await broker.start();
    const spread = await channelsOnEveryShard();
    for (const ch of spread.values()) await broker.subscribe(ch);
    await waitFor("the bus up on every shard", () => broker.status().up, 5000);
    broker.onStatus((s) => statuses.push(s));
    const [first] = spread.values();
    if (!first) throw new Error("no channel");
    for (const phase of LOOP_PHASES) {
      await runFreely(250);
      await blockFrom(phase, 1500, () => broker.publish({ ch: first, data: '"io"' }));
      await runFreely(600);
    }
    expect(statuses).toEqual([]);
    expect(broker.status()).toEqual({ up: true });
    // No shard subscriber was dropped: every shard still delivers.
    for (const ch of spread.values()) await broker.publish({ ch, data: '"after"' });
    for (const ch of spread.values())
      expect((await inbox.until(ch, 1)).at(-1)?.data).toBe('"after"');
  });
});
