// Presence on a real Redis: the store contract across two nodes, and what happens when a node is
// taken for dead (its liveness key gone): the survivors remove its members and announce each
// leave, and the node, still alive, adds them back with a join.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../testkit/poll.js";
import { RedisContainer, type StartedRedisContainer } from "../../../../testkit/redis-container.js";
import type { PresenceEvent } from "../../presence.js";
import { describePresence } from "../../testing/presence-contract.js";
import { presenceKeys } from "../presence-lua.js";
import { RedisPresence } from "../redis-presence.js";

let redis: StartedRedisContainer;
const stores: RedisPresence[] = [];

function store(nodeId: string, heartbeatMs: number): RedisPresence {
  const s = new RedisPresence({ url: redis.url, nodeId, heartbeatMs, commandTimeoutMs: 1000 });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await new RedisContainer().start();
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.stop()));
  await redis?.stop();
});

describePresence("redis", async () => ({
  a: store("contract-a", 2_000),
  b: store("contract-b", 2_000),
  nodeA: "contract-a",
  nodeB: "contract-b",
}));

describe("RedisPresence: a node taken for dead", () => {
  it("has its members removed with a leave by a survivor within two heartbeats, then re-added with a join", async () => {
    const admin = new Redis(redis.url);
    try {
      // The survivor sweeps every 100 ms; the paused node beats only every 4 s.
      const survivor = store("survivor", 200);
      const paused = store("paused", 8_000);
      await survivor.start();
      await paused.start();
      const events: PresenceEvent[] = [];
      survivor.onEvent((e) => events.push(e));
      const ch = "chat:expiry";
      await survivor.watch(ch);
      const m = { client: "c-paused", user: "u", node: "paused" };
      const kept = { client: "c-survivor", user: "v", node: "survivor" };
      await paused.join(ch, m, 10);
      await survivor.join(ch, kept, 10);
      // What a node's death looks like from Redis: its liveness key expired.
      const goneAt = Date.now();
      await admin.del(presenceKeys.live("paused"));
      await waitFor(
        "the paused node's member removed",
        async () => (await survivor.count(ch)) === 1,
        2_000,
      );
      expect(Date.now() - goneAt).toBeLessThanOrEqual(2 * 200 + 200);
      expect((await survivor.members(ch, 10)).members).toEqual([kept]);
      expect(await admin.sismember(presenceKeys.nodes, "paused")).toBe(0);
      // The node was alive after all: on its next beat it registers again and re-adds its member.
      await waitFor("the member re-added", async () => (await survivor.count(ch)) === 2, 6_000);
      const about = () => events.filter((e) => e.who.client === m.client).map((e) => e.kind);
      await waitFor("the second join", () => (about().length >= 3 ? true : undefined), 2_000);
      expect(about()).toEqual(["join", "leave", "join"]);
      expect(await admin.exists(presenceKeys.live("paused"))).toBe(1);
    } finally {
      admin.disconnect();
    }
  });

  it("leaves its members, announced, when it stops", async () => {
    const watcher = store("watcher", 1_000);
    const leaving = store("leaving", 1_000);
    await watcher.start();
    await leaving.start();
    const events: PresenceEvent[] = [];
    watcher.onEvent((e) => events.push(e));
    const ch = "chat:stop";
    await watcher.watch(ch);
    await leaving.join(ch, { client: "c1", user: "u", node: "leaving" }, 10);
    await leaving.stop();
    expect(await watcher.count(ch)).toBe(0);
    await waitFor("the leave", () => events.find((e) => e.kind === "leave"), 2_000);
    expect(events.map((e) => `${e.kind} ${e.who.client}`)).toEqual(["join c1", "leave c1"]);
  });
});
