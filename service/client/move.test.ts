// Make-before-break: a draining node asks SDK clients to move; each opens its new connection,
// resumes there, and only then closes the old one. Two real nodes on one shared bus.
import { afterEach, describe, expect, it } from "vitest";
import { releaseAll, startHub, TestClient, waitFor, wsUrl } from "../hub/testing/hub-harness.js";
import { SharedBus } from "../hub/testing/shared-bus.js";
import type { HubClient } from "./client.js";
import type { CloseEvent, MessageEvent } from "./client-events.js";
import { createNodeClient } from "./node.js";

const clients: HubClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await releaseAll();
});

async function twoNodes(drainSeconds = "2") {
  const shared = new SharedBus();
  const env = { SHUTDOWN_DELAY_SECONDS: "0", DRAIN_SECONDS: drainSeconds };
  const a = await startHub({ ...env, NODE_ID: "node-a" }, { broker: shared.view() });
  const b = await startHub({ ...env, NODE_ID: "node-b" }, { broker: shared.view() });
  return { a, b };
}

function client(urls: string[], move = true): HubClient {
  const c = createNodeClient({ urls, move, backoff: { initialMs: 10, maxMs: 50 } });
  clients.push(c);
  return c;
}

describe("move (protocol 1.2)", () => {
  it("moves to the next node before closing the old one: no close, no gap, no duplicate", async () => {
    const { a, b } = await twoNodes("4");
    const c = client([wsUrl(a), wsUrl(b)]);
    const got: MessageEvent[] = [];
    const closes: CloseEvent[] = [];
    const nodes: string[] = [];
    c.on("message", (m) => got.push(m));
    c.on("close", (e) => closes.push(e));
    c.on("open", (e) => nodes.push(e.node));
    await c.connect();
    await c.subscribe("room:1");
    const publisher = await TestClient.connect(wsUrl(b));
    let n = 0;
    const publish = setInterval(() => {
      n += 1;
      publisher.send({ op: "pub", ch: "room:1", data: n, id: `p${n}` });
    }, 10);
    try {
      await waitFor("messages on node-a", () => got.length >= 5);
      const stopped = a.stop({ endpointDelay: false });
      await waitFor("moved to node-b", () => nodes.at(-1) === "node-b", 5_000);
      const atMove = got.length;
      await waitFor("messages after the move", () => got.length >= atMove + 10, 5_000);
      await stopped;
    } finally {
      clearInterval(publish);
    }
    // What the hub stored (a publish over its rate limit is refused, not stored).
    const acked = () => publisher.frames.filter((f) => f.op === "ok").length;
    await waitFor("every acknowledged message", () => got.length === acked() && acked() > 0, 3_000);
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: acked() }, (_, i) => i + 1));
    expect(closes).toEqual([]);
    expect(c.stats.moves).toBe(1);
    expect(c.stats.reconnects).toBe(0);
    expect(c.connected).toBe(true);
    // The old node was left by the client itself, before the node's own 1001 closes.
    expect(await metricReason(a, "shutdown")).toBe(0);
  });

  it("a client that does not speak move still gets 1001 with retryAfterMs", async () => {
    const { a, b } = await twoNodes("1");
    const c = client([wsUrl(a), wsUrl(b)], false);
    const closes: CloseEvent[] = [];
    c.on("close", (e) => closes.push(e));
    await c.connect();
    await c.subscribe("room:1");
    await a.stop({ endpointDelay: false });
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ code: 1001, willReconnect: true });
    expect(JSON.parse(closes[0]?.reason ?? "{}")).toHaveProperty("retryAfterMs");
    await waitFor("reconnected to node-b", () => c.connected, 3_000);
    expect(c.stats.moves).toBe(0);
  });

  it("tells the raw client that asked with ?move=1 to move, then closes it with 1001 after the grace", async () => {
    const { a } = await twoNodes("1");
    const raw = await TestClient.connect(wsUrl(a, { move: "1" }));
    const plain = await TestClient.connect(wsUrl(a));
    const started = Date.now();
    await a.stop({ endpointDelay: false });
    const move = raw.frames.find((f) => f.op === "move");
    expect(move).toMatchObject({ op: "move", retryAfterMs: expect.any(Number) });
    expect(plain.frames.some((f) => f.op === "move")).toBe(false);
    expect((await raw.waitClosed(1_000)).code).toBe(1001);
    expect((await plain.waitClosed(1_000)).code).toBe(1001);
    expect(Date.now() - started).toBeLessThan(1_000 + 2_000);
  });
});

async function metricReason(
  node: {
    metrics: {
      disconnects: {
        get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }>;
      };
    };
  },
  reason: string,
): Promise<number> {
  const { values } = await node.metrics.disconnects.get();
  return values.filter((v) => v.labels.reason === reason).reduce((s, v) => s + v.value, 0);
}
