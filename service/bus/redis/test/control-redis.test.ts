// The control plane contract on a real Redis (a container), plus what only Redis has: the node
// registry's TTL, which drops a node that stopped heartbeating without leaving.
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../testkit/poll.js";
import { RedisContainer, type StartedRedisContainer } from "../../../../testkit/redis-container.js";
import { describeControlPlane } from "../../testing/control-contract.js";
import { NODE_REGISTRY_KEY, RedisControlPlane } from "../control-redis.js";

let redis: StartedRedisContainer;
let admin: Redis;

beforeAll(async () => {
  redis = await new RedisContainer().start();
  admin = await redis.admin();
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

describeControlPlane(
  "redis",
  (nodeId) => new RedisControlPlane({ url: redis.url, nodeId, nodeTtlMs: 3_000 }),
);

describe("RedisControlPlane: node registry", () => {
  it("drops a node that stopped heartbeating once its TTL passed: answers are whole again", async () => {
    const a = new RedisControlPlane({ url: redis.url, nodeId: "reg-a", nodeTtlMs: 3_000 });
    await a.start(async () => ({}));
    try {
      // A node that registered, then died without leaving (a crash, a cut connection).
      await admin.zadd(NODE_REGISTRY_KEY, String(Date.now() + 1_500), "reg-dead");
      const first = await a.gather({ kind: "x", body: {} }, 300);
      expect(first).toMatchObject({ partial: true, missing: ["reg-dead"] });
      await waitFor(
        "the dead node to leave the registry",
        async () => {
          const g = await a.gather({ kind: "x", body: {} }, 300);
          return g.missing.includes("reg-dead") ? undefined : g;
        },
        10_000,
      );
      const g = await a.gather({ kind: "x", body: {} }, 300);
      expect(g.missing).not.toContain("reg-dead");
    } finally {
      await a.stop();
    }
  });
});
