// The SDK on protocol 1.1: subscribe() settles on every outcome by the id of its `sub`,
// `recovered` is reported as the hub sent it, application-level pings keep a browser-like socket
// alive, and one channel's publishes are stored in call order across retries.
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HubClient, heartbeatTimeout } from "./client.js";
import type { HubClientError } from "./client-error.js";
import { createNodeClient, type NodeClientOptions } from "./node.js";
import { FakeHub, waitFor } from "./test/fake-hub.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startHub(): Promise<FakeHub> {
  const hub = await FakeHub.start();
  cleanups.push(() => hub.stop());
  return hub;
}

function nodeClient(hub: FakeHub, more: Partial<NodeClientOptions> = {}): HubClient {
  const c = createNodeClient({ urls: hub.url, backoff: { initialMs: 10, maxMs: 50 }, ...more });
  cleanups.push(() => c.close());
  return c;
}

/** Settles within `ms` or reports that it did not: a promise that never settles fails the test. */
function settledWithin<T>(p: Promise<T>, ms = 2_000): Promise<PromiseSettledResult<T> | "pending"> {
  const timeout = new Promise<"pending">((r) => setTimeout(() => r("pending"), ms));
  return Promise.race([
    Promise.allSettled([p]).then(([r]) => r as PromiseSettledResult<T>),
    timeout,
  ]);
}

describe("subscribe() settles on every outcome", () => {
  it("rejects with the hub's code and channel when the hub refuses the sub with unavailable", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    hub.intercept = (conn, f) => {
      if (f.op !== "sub") return false;
      const message = "cannot subscribe while the bus is unreachable: retry later";
      conn.send({ op: "error", code: "unavailable", message, retryable: true, id: f.id, ch: f.ch });
      return true;
    };
    const r = await settledWithin(c.subscribe("room:1"));
    expect(r).toMatchObject({ status: "rejected", reason: { code: "unavailable", ch: "room:1" } });
    expect(((r as PromiseRejectedResult).reason as HubClientError).retryable).toBe(true);
    // Refused means forgotten: a later subscribe sends a new sub.
    hub.intercept = () => false;
    await expect(c.subscribe("room:1")).resolves.toMatchObject({ ch: "room:1" });
    expect(hub.received("sub")).toHaveLength(2);
  });

  it("matches replies by id: each sub frame carries its own", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    await Promise.all([c.subscribe("a"), c.subscribe("b")]);
    const ids = hub.received("sub").map((f) => f.id);
    expect(new Set(ids).size).toBe(2);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
  });

  it("waits through a lost connection (the sub goes out again) and rejects with closed on close()", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    let swallowed = 0;
    hub.intercept = (_conn, f) => f.op === "sub" && ++swallowed === 1;
    const p = c.subscribe("room:1");
    await waitFor("the first sub", () => swallowed === 1);
    hub.last.ws.terminate();
    await expect(p).resolves.toMatchObject({ ch: "room:1", seq: 0 });
    expect(hub.received("sub")).toHaveLength(2);
    hub.intercept = (_conn, f) => f.op === "sub";
    const never = c.subscribe("room:2");
    await waitFor("the sub of room:2", () => hub.received("sub").some((f) => f.ch === "room:2"));
    const rejected = expect(never).rejects.toMatchObject({ code: "closed" });
    await c.close();
    await rejected;
  });

  it("sends a resubscribe refused with a retryable error again, and reports a final refusal", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const errors: HubClientError[] = [];
    c.on("error", (e) => errors.push(e));
    await c.connect();
    await c.subscribe("room:1");
    await c.subscribe("room:2");
    let refusals = 0;
    hub.intercept = (conn, f) => {
      if (f.op !== "sub" || conn === hub.connections[0]) return false;
      if (f.ch === "room:2") {
        conn.send({ op: "error", code: "forbidden", message: "no", retryable: false, id: f.id });
        return true;
      }
      if (++refusals > 2) return false;
      conn.send({ op: "error", code: "unavailable", message: "later", retryable: true, id: f.id });
      return true;
    };
    hub.last.ws.terminate();
    await waitFor(
      "room:1 resubscribed",
      () =>
        hub.connections[1]?.frames.some((f) => f.op === "sub" && f.ch === "room:1") && refusals > 2,
    );
    hub.publish("room:1", "after");
    const got: unknown[] = [];
    c.on("message", (m) => got.push(m.data));
    await waitFor("the message after the resubscribe", () => got.includes("after"));
    expect(errors.map((e) => [e.code, e.ch])).toEqual([["forbidden", undefined]]);
  });
});

describe("recovered is reported as the hub says", () => {
  it("is absent on a first subscribe, the hub's value on a resume, and not invented on a repeat call", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const events: unknown[] = [];
    c.on("subscribed", (e) => events.push(e));
    await c.connect();
    const first = await c.subscribe("room:1");
    expect(first).toEqual({ ch: "room:1", seq: 0, epoch: "e1" });
    expect(await c.subscribe("room:1")).toEqual(first);
    hub.publish("room:1", "a");
    await waitFor("the message", () => c.stats.messages === 1);
    hub.last.ws.terminate();
    await waitFor("the resume", () => events.length === 2);
    expect(events[1]).toEqual({ ch: "room:1", seq: 1, epoch: "e1", recovered: true });
    // History lost while away: the hub says recovered:false and the client reports a gap.
    const gaps: unknown[] = [];
    c.on("gap", (g) => gaps.push(g));
    hub.channel("room:1").epoch = "e2";
    hub.last.ws.terminate();
    await waitFor("the second resume", () => events.length === 3);
    expect(events[2]).toMatchObject({ recovered: false, epoch: "e2" });
    expect(gaps).toHaveLength(1);
  });
});

describe("application-level ping", () => {
  it("asks for ping frames, answers each with pong, and counts them as liveness on a browser-like socket", async () => {
    const hub = await startHub();
    // Announced above the bound's two thirds, so the bound (200 ms) is the timeout; pings come
    // every 40 ms.
    hub.pingMs = 150;
    // The browser path: the `ws` constructor through the WebSocket option, whose ws pings the
    // client never sees, as a page never sees them.
    const c = new HubClient({ urls: hub.url, WebSocket, heartbeatTimeoutMs: 200 });
    cleanups.push(() => c.close());
    const closes: unknown[] = [];
    c.on("close", (e) => closes.push(e));
    await c.connect();
    const conn = hub.last;
    expect(new URL(conn.req.url ?? "", "http://x").searchParams.get("ping")).toBe("1");
    const pinger = setInterval(() => conn.send({ op: "ping" }), 40);
    try {
      await waitFor("twenty pongs", () => conn.frames.filter((f) => f.op === "pong").length >= 20);
    } finally {
      clearInterval(pinger);
    }
    expect(closes).toEqual([]);
    // Pings stop: the client notices within its bound and reconnects.
    await waitFor("a reconnect", () => hub.connections.length >= 2, 2_000);
    expect(closes[0]).toMatchObject({ code: 1006, willReconnect: true });
  });
});

describe("heartbeat", () => {
  it("calls a hub that pings more often than the bound dead after one ping interval and a half", async () => {
    const hub = await startHub();
    hub.pingMs = 100;
    const c = new HubClient({ urls: hub.url, WebSocket, heartbeatTimeoutMs: 5_000 });
    cleanups.push(() => c.close());
    const closes: { reason: string }[] = [];
    c.on("close", (e) => closes.push(e));
    await c.connect();
    // No ping ever comes: the hub froze right after its hello.
    await waitFor("the frozen hub left", () => closes.length > 0, 3_000);
    expect(closes[0]?.reason).toBe("no frame or ping for 150 ms (heartbeatTimeoutMs)");
  });

  it("after a silence, gives up on a node that says no hello within the ping interval", async () => {
    const hub = await startHub();
    hub.pingMs = 100;
    const c = new HubClient({
      urls: hub.url,
      WebSocket,
      heartbeatTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    cleanups.push(() => c.close());
    const closes: { reason: string }[] = [];
    c.on("close", (e) => closes.push(e));
    await c.connect();
    // Frozen: no ping, and the next attempt lands on it again and never gets a hello.
    hub.sendHello = false;
    await waitFor("the silent attempt abandoned", () => closes.length >= 2, 3_000);
    expect(closes[1]?.reason).toMatch(/^no hello within 100 ms/);
  });

  it("after a silence, races two attempts and keeps the one that says hello", async () => {
    const frozen = await startHub();
    frozen.pingMs = 100;
    const live = await startHub();
    live.pingMs = 100;
    const c = new HubClient({
      urls: [frozen.url, frozen.url, live.url],
      WebSocket,
      heartbeatTimeoutMs: 5_000,
      connectTimeoutMs: 5_000,
      backoff: { initialMs: 10, maxMs: 20 },
    });
    cleanups.push(() => c.close());
    const opens: string[] = [];
    c.on("open", (e) => opens.push(e.url));
    await c.connect();
    // Frozen: no ping; the next URL is the frozen node again, the one after it is alive.
    frozen.sendHello = false;
    await waitFor("open on the live node", () => opens.length === 2, 3_000);
    expect(opens[1]).toBe(live.url);
    // One attempt went to the frozen node, one (the racer) to the live one; the loser was cut.
    expect(frozen.connections.length).toBe(2);
    expect(live.connections.length).toBe(1);
  });

  it("derives the timeout from the bound and the hub's ping interval", () => {
    expect(heartbeatTimeout(5_000, undefined)).toBe(5_000);
    expect(heartbeatTimeout(5_000, 2_000)).toBe(3_000);
    expect(heartbeatTimeout(5_000, 25_000)).toBe(50_000);
    expect(heartbeatTimeout(2_500, 2_000)).toBe(2_500);
  });
});

describe("per-publisher order", () => {
  it("stores one channel's publishes in call order when the first one is refused retryably", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    let refused = false;
    hub.intercept = (conn, f) => {
      if (f.op !== "pub" || refused) return false;
      refused = true;
      conn.send({ op: "error", code: "unavailable", message: "later", retryable: true, id: f.id });
      return true;
    };
    const results = await Promise.all([1, 2, 3, 4].map((n) => c.publish("room:1", n)));
    const stored = hub.channel("room:1").history.map((m) => m.data);
    expect(stored).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });
});
