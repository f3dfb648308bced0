// Presence on a real Redis: the store contract across two nodes, and what becomes of the members
// of a node that is killed, taken for dead, or stopped.
import { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { RedisContainer, type StartedRedisContainer } from "../../../../testkit/redis-container.js";
import { describePresence } from "../../testing/presence-contract.js";
import { RedisPresence } from "../redis-presence.js";
import { describePresenceNodeLoss } from "./presence-node-loss.js";

let redis: StartedRedisContainer;
let admin: Redis;
const stores: RedisPresence[] = [];

function store(nodeId: string, heartbeatMs: number): RedisPresence {
  const s = new RedisPresence({ url: redis.url, nodeId, heartbeatMs, commandTimeoutMs: 1000 });
  stores.push(s);
  return s;
}

beforeAll(async () => {
  redis = await new RedisContainer().start();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  await Promise.all(stores.map((s) => s.stop()));
  admin?.disconnect();
  await redis?.stop();
});

describePresence("redis", async () => ({
  a: store("contract-a", 2_000),
  b: store("contract-b", 2_000),
  nodeA: "contract-a",
  nodeB: "contract-b",
}));

describePresenceNodeLoss("redis", () => ({
  store,
  options: (nodeId, heartbeatMs) => ({ url: redis.url, nodeId, heartbeatMs }),
  admin,
}));
