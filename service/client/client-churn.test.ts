import { afterEach, describe, expect, it } from "vitest";
import { createNodeClient } from "./node.js";
import { FakeHub, waitFor } from "./test/fake-hub.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe("HubClient under connection churn", () => {
  it("stores every publish once and delivers every seq once, in order, while both sides keep reconnecting", async () => {
    const hub = await FakeHub.start();
    cleanups.push(() => hub.stop());
    const opts = { urls: hub.url, backoff: { initialMs: 5, maxMs: 20 } };
    const publisher = createNodeClient({ ...opts, token: "pub" });
    const subscriber = createNodeClient({ ...opts, token: "sub" });
    cleanups.push(
      () => publisher.close(),
      () => subscriber.close(),
    );
    const seqs: number[] = [];
    subscriber.on("message", (m) => seqs.push(m.seq));
    const live = (who: string) =>
      hub.connections.filter((c) => c.open && c.req.headers.authorization === `Bearer ${who}`);

    let frames = 0;
    // Faults stop after 200 frames: a fault on every seventh frame forever could starve a batch.
    hub.intercept = (conn, f) => {
      if (f.op !== "pub" || ++frames > 200) return false;
      if (frames % 7 === 0) {
        // Stored, but the ok is lost with the connection.
        hub.accept(f);
        conn.ws.terminate();
        return true;
      }
      if (frames % 11 === 0) {
        conn.ws.terminate(); // lost before it was stored
        return true;
      }
      if (frames % 13 === 0) for (const s of live("sub")) s.ws.terminate();
      return false;
    };

    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe("room:1");
    const count = 100;
    const results = await Promise.all(
      Array.from({ length: count }, (_, i) => publisher.publish("room:1", i)),
    );

    expect(hub.channel("room:1").seq).toBe(count);
    expect(new Set(results.map((r) => r.seq)).size).toBe(count);
    await waitFor("every message at the subscriber", () => seqs.length >= count);
    expect(seqs).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(publisher.stats.reconnects).toBeGreaterThan(5);
    expect(subscriber.stats.reconnects).toBeGreaterThan(2);
  });
});
