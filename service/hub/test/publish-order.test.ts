// On a real Redis, one connection's overlapping publishes are stored in the order it sent them,
// per channel, and answered in that order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisContainer, type StartedRedisContainer } from "../../../testkit/redis-container.js";
import { MAX_IN_FLIGHT } from "../op-queue.js";
import { releaseAll, startHub, TestClient, waitFor, wsUrl } from "../testing/hub-harness.js";

let redis: StartedRedisContainer;

beforeAll(async () => {
  redis = await new RedisContainer().start();
});
afterAll(async () => {
  await releaseAll();
  await redis?.stop();
});

describe("overlapping publishes on Redis", () => {
  it("stores each channel's publishes in the order sent and answers them in that order", async () => {
    const node = await startHub({ REDIS_URL: redis.url, MAX_PUBLISH_RATE: "10000" });
    const c = await TestClient.connect(wsUrl(node));
    const channels = ["order:a", "order:b", "order:c"];
    const total = 20 * MAX_IN_FLIGHT;
    for (let i = 0; i < total; i++) {
      const ch = channels[i % channels.length] as string;
      c.send({ op: "pub", ch, data: { i }, id: `p${i}` });
    }
    await waitFor("every publish answered", () => c.where("ok").length === total, 30_000);
    expect(c.where("error")).toEqual([]);
    expect(c.where("ok").map((f) => f.id)).toEqual([...Array(total).keys()].map((i) => `p${i}`));
    const reader = await TestClient.connect(wsUrl(node));
    for (const [k, ch] of channels.entries()) {
      const sent = [...Array(total).keys()].filter((i) => i % channels.length === k);
      // The oks say seq 1..n in send order, and a replay from the start reads the same order back.
      expect(c.where("ok", ch).map((f) => f.seq)).toEqual(sent.map((_, n) => n + 1));
      // A resume needs the channel's epoch: the first sub tells it.
      const { epoch } = await reader.subscribe(ch);
      reader.send({ op: "unsub", ch });
      await reader.subscribe(ch, { since: 0, epoch });
      await waitFor(`${ch} replayed`, () => reader.where("msg", ch).length === sent.length);
      expect(reader.where("msg", ch).map((f) => (f.data as { i: number }).i)).toEqual(sent);
    }
  });
});
