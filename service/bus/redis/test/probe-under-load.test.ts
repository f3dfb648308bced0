// The delivery probe under CPU starvation: a hub whose own event loop is blocked for seconds must
// not take a delivering bus for a silent one (that refuses subscribes and drops the subscriber for
// nothing), while a Redis that really stops answering is still reported down within the bound.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockFrom, LOOP_PHASES, runFreely } from "../../../../testkit/event-loop.js";
import { waitFor } from "../../../../testkit/poll.js";
import { RedisContainer, type StartedRedisContainer } from "../../../../testkit/redis-container.js";
import { BrokerSet, setPaused } from "../../../test/redis-containers.js";
import type { BrokerStatus } from "../../broker.js";
import { freshChannel, Inbox } from "../../testing/broker-contract.js";

let redis: StartedRedisContainer;
const brokers = new BrokerSet();

beforeAll(async () => {
  redis = await new RedisContainer().start();
});
afterAll(async () => {
  await brokers.stopAll();
  await redis?.stop();
});

describe("RedisBroker: delivery probe under a blocked event loop", () => {
  it("stays up through 1.5 s blocks of its own loop, yet reports a frozen Redis down in time", async () => {
    // probeIntervalMs 200 (BrokerSet): a probe is missed after 400 ms; each block is almost four
    // times that, as a hub held for 7.5 s is to the default 2 s limit.
    const broker = brokers.create({ url: redis.url, nodeId: "starved" });
    const inbox = new Inbox(broker);
    const statuses: BrokerStatus[] = [];
    broker.onStatus((s) => statuses.push(s));
    await broker.start();
    const ch = freshChannel("starved");
    await broker.subscribe(ch);
    statuses.length = 0;
    // Blocks started from each phase a hub does work in; the check phase is where the probe runs.
    for (const phase of LOOP_PHASES) {
      await runFreely(250);
      await blockFrom(phase, 1500, () => broker.publish({ ch, data: '"io"' }));
      await runFreely(600);
    }
    expect(statuses).toEqual([]);
    expect(broker.status()).toEqual({ up: true });
    // The subscriber was not dropped: what was published before and after the blocks arrived.
    await broker.publish({ ch, data: '"after"' });
    expect((await inbox.until(ch, 2)).map((m) => m.data)).toEqual(['"io"', '"after"']);

    await setPaused(redis, true);
    try {
      // The same bound as for a hub whose loop was never blocked.
      await waitFor("down while Redis is frozen", () => !broker.status().up, 5000);
      expect(broker.status().reason).toMatch(/probe|connection/);
    } finally {
      await setPaused(redis, false);
    }
    await waitFor("up after Redis is back", () => broker.status().up, 15_000);
  });
});
