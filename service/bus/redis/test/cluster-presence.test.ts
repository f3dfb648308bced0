// Presence on a real Redis Cluster of 3 primaries with a replica each: the store contract across
// two nodes, each channel's members and events on its own shard (sharded pub/sub), and what
// becomes of the members of a node that is killed, taken for dead, or stopped.
import { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../testkit/poll.js";
import {
  RedisClusterContainer,
  type StartedRedisCluster,
} from "../../../../testkit/redis-cluster.js";
import type { PresenceEvent } from "../../presence.js";
import { describePresence } from "../../testing/presence-contract.js";
import { keySlot } from "../key-slot.js";
import { presenceKeys } from "../presence-lua.js";
import { RedisPresence } from "../redis-presence.js";
import { describePresenceNodeLoss } from "./presence-node-loss.js";

let cluster: StartedRedisCluster;
let admin: Cluster;
const stores: RedisPresence[] = [];

function nodes(): { host: string; port: number }[] {
  return cluster.nodes.split(",").map((k) => {
    const i = k.lastIndexOf(":");
    return { host: k.slice(0, i), port: Number(k.slice(i + 1)) };
  });
}

function store(nodeId: string, heartbeatMs: number): RedisPresence {
  const s = new RedisPresence({
    clusterNodes: nodes(),
    nodeId,
    heartbeatMs,
    commandTimeoutMs: 1000,
  });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  cluster = await new RedisClusterContainer().withPrimaries(3).withReplicasPerPrimary(1).start();
  admin = new Cluster(nodes(), { lazyConnect: true });
  await admin.connect();
}, 60_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.stop()));
  admin?.disconnect();
  await cluster?.stop();
});

describePresence("redis cluster", async () => ({
  a: store("contract-a", 2_000),
  b: store("contract-b", 2_000),
  nodeA: "contract-a",
  nodeB: "contract-b",
}));

describePresenceNodeLoss("redis cluster", () => ({
  store,
  options: (nodeId, heartbeatMs) => ({ clusterNodes: nodes(), nodeId, heartbeatMs }),
  admin,
}));

describe("RedisPresence on a cluster: sharded", () => {
  it("keeps each channel's members and events on the shard of its slot, for channels on every shard", async () => {
    const primaries = await cluster.primaries();
    const ownerOf = (key: string) => {
      const slot = keySlot(key);
      return primaries.find((p) => p.slots.some(([a, b]) => slot >= a && slot <= b))?.key;
    };
    // One channel per shard.
    const byShard = new Map<string, string>();
    for (let i = 0; byShard.size < primaries.length && i < 10_000; i++) {
      const ch = `chat:spread-${i}`;
      const owner = ownerOf(presenceKeys.members(ch));
      if (owner && !byShard.has(owner)) byShard.set(owner, ch);
    }
    expect(byShard.size).toBe(3);
    const a = store("spread-a", 2_000);
    const b = store("spread-b", 2_000);
    await Promise.all([a.start(), b.start()]);
    const events: PresenceEvent[] = [];
    b.onEvent((e) => events.push(e));
    for (const [owner, ch] of byShard) {
      expect(ownerOf(presenceKeys.shardEvents(ch))).toBe(owner);
      await b.watch(ch);
      const primary = cluster.node(owner);
      const direct = await cluster.admin(primary);
      expect(await direct.call("PUBSUB", "SHARDCHANNELS", "wshub:presence-events:*")).toContain(
        presenceKeys.shardEvents(ch),
      );
      await a.join(ch, { client: `c-${ch}`, user: "u", node: "spread-a" }, 10);
      expect(await direct.hlen(presenceKeys.members(ch))).toBe(1);
    }
    await waitFor("a join per shard", () => (events.length >= 3 ? true : undefined), 5_000);
    expect(events.map((e) => e.ch).sort()).toEqual([...byShard.values()].sort());
    await Promise.all([a.stop(), b.stop()]);
  });
});
