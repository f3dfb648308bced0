import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { HubClient } from "./client.js";
import type { CloseEvent, MessageEvent } from "./client-events.js";
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

function track<T extends HubClient>(c: T): T {
  cleanups.push(() => c.close());
  return c;
}

function nodeClient(hub: FakeHub, more: Partial<NodeClientOptions> = {}): HubClient {
  return track(createNodeClient({ urls: hub.url, backoff: { initialMs: 10, maxMs: 50 }, ...more }));
}

function record(c: HubClient) {
  const messages: MessageEvent[] = [];
  const closes: (CloseEvent & { at: number })[] = [];
  const errors: string[] = [];
  c.on("message", (m) => messages.push(m));
  c.on("close", (e) => closes.push({ ...e, at: Date.now() }));
  c.on("error", (e) => errors.push(e.code));
  return { messages, closes, errors, seqs: () => messages.map((m) => m.seq) };
}

describe("HubClient reconnect and resume", () => {
  it("resumes with since+epoch after a dropped connection and delivers what it missed in order", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    await c.connect();
    await expect(c.subscribe("room:1")).resolves.toMatchObject({ seq: 0, epoch: "e1" });
    hub.publish("room:1", "a");
    hub.publish("room:1", "b");
    await waitFor("two messages", () => r.messages.length === 2);
    hub.last.ws.terminate();
    hub.publish("room:1", "c");
    hub.publish("room:1", "d");
    await waitFor("four messages", () => r.messages.length === 4);
    expect(r.messages.map((m) => m.data)).toEqual(["a", "b", "c", "d"]);
    expect(hub.received("sub").at(-1)).toEqual({
      op: "sub",
      ch: "room:1",
      since: 2,
      epoch: "e1",
      id: expect.any(String),
    });
    expect(c.stats.reconnects).toBe(1);
  });

  it("drops and counts duplicates", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    await c.connect();
    await c.subscribe("room:1");
    hub.publish("room:1", 1);
    hub.publish("room:1", 2);
    hub.last.send({ op: "msg", ch: "room:1", seq: 2, data: 2 });
    hub.last.send({ op: "msg", ch: "room:1", seq: 1, data: 1 });
    hub.publish("room:1", 3);
    await waitFor("seq 3", () => r.seqs().includes(3));
    expect(r.seqs()).toEqual([1, 2, 3]);
    expect(c.stats.duplicatesDropped).toBe(2);
  });

  it("never delivers past a skipped seq: it reconnects and resumes from the last one delivered", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    const resyncs: unknown[] = [];
    c.on("resync", (e) => resyncs.push(e));
    await c.connect();
    await c.subscribe("room:1");
    hub.publish("room:1", 1);
    hub.last.send({ op: "msg", ch: "room:1", seq: 5, data: 5 });
    await waitFor(
      "a resumed sub",
      () => hub.connections.length === 2 && hub.last.frames.length > 0,
    );
    expect(resyncs).toEqual([{ ch: "room:1", last: 1, got: 5 }]);
    expect(hub.last.frames[0]).toMatchObject({ op: "sub", ch: "room:1", since: 1, epoch: "e1" });
    hub.publish("room:1", 2);
    await waitFor("seq 2", () => r.seqs().includes(2));
    expect(r.seqs()).toEqual([1, 2]);
  });

  it("emits gap and restarts at the new head when the resume cannot recover", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    const gaps: unknown[] = [];
    c.on("gap", (e) => gaps.push(e));
    await c.connect();
    await c.subscribe("room:1");
    hub.publish("room:1", "old");
    await waitFor("old", () => r.messages.length === 1);
    hub.last.ws.terminate();
    // The hub lost its history (a Redis that restarted empty): a new epoch.
    hub.channels.set("room:1", { seq: 0, epoch: "e2", history: [], subs: new Set() });
    hub.publish("room:1", "lost");
    await waitFor("gap", () => gaps.length === 1);
    expect(gaps[0]).toEqual({ ch: "room:1", recovered: false, seq: 1, epoch: "e2" });
    hub.publish("room:1", "new");
    await waitFor("new", () => r.messages.length === 2);
    expect(r.messages.map((m) => m.data)).toEqual(["old", "new"]);
  });

  it("rotates to the next URL on reconnect", async () => {
    const a = await startHub();
    const b = await startHub();
    const c = track(
      createNodeClient({ urls: [a.url, b.url], backoff: { initialMs: 10, maxMs: 20 } }),
    );
    const opened: string[] = [];
    c.on("open", (e) => opened.push(e.url));
    await c.connect();
    a.last.ws.close(1013, "overloaded");
    await waitFor("a connection to b", () => opened.length === 2);
    expect(opened).toEqual([a.url, b.url]);
  });

  it("replaces a connection that delivers no hello within connectTimeoutMs", async () => {
    const hub = await startHub();
    hub.sendHello = false;
    const c = nodeClient(hub, { connectTimeoutMs: 100 });
    const connected = c.connect();
    await waitFor("a second attempt", () => hub.connections.length >= 2);
    hub.sendHello = true;
    hub.last.send({ op: "hello", node: "fake", conn: hub.last.id });
    await expect(connected).resolves.toMatchObject({ node: "fake" });
  });
});

describe("HubClient publish", () => {
  it("retries a publish whose ok was lost with the same id, and the hub stores it once", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    hub.intercept = (conn, f) => {
      if (f.op !== "pub" || hub.received("pub").length > 1) return false;
      // Stored and published, but the connection dies before the ok leaves.
      hub.accept(f);
      conn.ws.terminate();
      return true;
    };
    const res = await c.publish("room:1", { n: 1 });
    const pubs = hub.received("pub");
    expect(pubs).toHaveLength(2);
    expect(pubs[1]?.id).toBe(pubs[0]?.id);
    expect(res).toEqual({ id: pubs[0]?.id, ch: "room:1", seq: 1 });
    expect(hub.channel("room:1").history).toHaveLength(1);
  });

  it("queues publishes issued before the connection and sends them with distinct ids", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const p1 = c.publish("room:1", 1);
    const p2 = c.publish("room:1", 2, { id: "mine-2" });
    await c.connect();
    const [r1, r2] = await Promise.all([p1, p2]);
    expect([r1.seq, r2.seq]).toEqual([1, 2]);
    expect(r2.id).toBe("mine-2");
    expect(r1.id).not.toBe(r2.id);
  });

  it("rejects a forbidden publish with a typed error and refuses a bad channel before sending", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    hub.intercept = (conn, f) => {
      if (f.op !== "pub") return false;
      conn.send({ op: "error", code: "forbidden", message: "not your channel", id: f.id });
      return true;
    };
    await expect(c.publish("room:1", 1)).rejects.toMatchObject({
      name: "HubClientError",
      code: "forbidden",
    });
    await expect(c.publish("no spaces", 1)).rejects.toMatchObject({ code: "bad_request" });
    expect(hub.received("pub")).toHaveLength(1);
  });

  it("rejects a forbidden subscribe with the hub's code", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    await c.connect();
    hub.intercept = (conn, f) => {
      if (f.op !== "sub" || f.ch !== "secret") return false;
      conn.send({ op: "error", code: "forbidden", message: "may not subscribe to secret" });
      return true;
    };
    const [ok, denied] = await Promise.allSettled([c.subscribe("room:1"), c.subscribe("secret")]);
    expect(ok.status).toBe("fulfilled");
    expect(denied).toMatchObject({ status: "rejected", reason: { code: "forbidden" } });
  });
});

describe("HubClient close codes and tokens", () => {
  it("waits at least retryAfterMs after a 1001 before reconnecting", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    await c.connect();
    hub.last.ws.close(1001, JSON.stringify({ retryAfterMs: 300 }));
    await waitFor("a second connection", () => hub.connections.length === 2);
    const closedAt = r.closes[0]?.at ?? Number.NaN;
    expect(r.closes[0]).toMatchObject({ code: 1001, willReconnect: true });
    expect((hub.connections[1]?.at ?? 0) - closedAt).toBeGreaterThanOrEqual(300);
  });

  it("calls refreshToken after a 1008 and reconnects with the new token in the header", async () => {
    const hub = await startHub();
    let refreshed = 0;
    const c = nodeClient(hub, { token: "t1", refreshToken: async () => `t${++refreshed + 1}` });
    const r = record(c);
    await c.connect();
    expect(hub.last.req.headers.authorization).toBe("Bearer t1");
    hub.last.ws.close(1008, "token expired");
    await waitFor("a second connection", () => hub.connections.length === 2);
    expect(refreshed).toBe(1);
    expect(hub.last.req.headers.authorization).toBe("Bearer t2");
    expect(r.errors).toContain("token_expired");
  });

  it("refreshes on an HTTP 401 upgrade and stops on 1008 when there is no refreshToken", async () => {
    const hub = await startHub();
    hub.refuseStatus = 401;
    const refreshing = nodeClient(hub, {
      token: "old",
      refreshToken: async () => {
        hub.refuseStatus = undefined;
        return "new";
      },
    });
    await refreshing.connect();
    expect(hub.last.req.headers.authorization).toBe("Bearer new");

    const plain = nodeClient(hub, { token: "t" });
    const r = record(plain);
    await plain.connect();
    hub.last.ws.close(1008, "token expired");
    await waitFor("the close", () => r.closes.length === 1);
    expect(r.closes[0]).toMatchObject({ code: 1008, willReconnect: false });
    expect(r.errors).toEqual(["token_expired"]);
    await expect(plain.subscribe("room:1")).rejects.toMatchObject({ code: "closed" });
  });

  it("retries when the token function fails, reporting refresh_failed", async () => {
    const hub = await startHub();
    let calls = 0;
    const token = async () => {
      if (++calls === 1) throw new Error("vault down");
      return "t";
    };
    const c = nodeClient(hub, { token });
    const r = record(c);
    await c.connect();
    expect(r.errors).toEqual(["refresh_failed"]);
    expect(hub.last.req.headers.authorization).toBe("Bearer t");
  });

  it("stops after 1009", async () => {
    const hub = await startHub();
    const c = nodeClient(hub);
    const r = record(c);
    await c.connect();
    hub.last.ws.close(1009, "too big");
    await waitFor("the close", () => r.closes.length === 1);
    expect(r.closes[0]?.willReconnect).toBe(false);
    expect(r.errors).toEqual(["frame_too_big"]);
    expect(c.connected).toBe(false);
  });

  it("sends the token as ?token= on the browser path", async () => {
    const hub = await startHub();
    const c = track(new HubClient({ urls: hub.url, WebSocket, token: () => "browser-jwt" }));
    await c.connect();
    expect(new URL(hub.last.req.url ?? "", "http://x").searchParams.get("token")).toBe(
      "browser-jwt",
    );
    expect(hub.last.req.headers.authorization).toBeUndefined();
  });
});

describe("HubClient liveness and close", () => {
  it("reconnects when nothing arrives for heartbeatTimeoutMs", async () => {
    const hub = await startHub();
    const c = nodeClient(hub, { heartbeatTimeoutMs: 150 });
    const r = record(c);
    await c.connect();
    await waitFor("a reconnect", () => hub.connections.length === 2);
    expect(r.closes[0]).toMatchObject({ code: 1006, willReconnect: true });
    expect(r.closes[0]?.reason).toContain("heartbeatTimeoutMs");
  });

  it("counts the hub's pings as liveness", async () => {
    const hub = await startHub();
    const c = nodeClient(hub, { heartbeatTimeoutMs: 250 });
    await c.connect();
    let pongs = 0;
    hub.last.ws.on("pong", () => pongs++);
    const pinger = setInterval(() => hub.last.ws.ping(), 30);
    try {
      // Twenty pongs span more than two heartbeat timeouts.
      await waitFor("twenty pongs", () => pongs >= 20);
    } finally {
      clearInterval(pinger);
    }
    expect(hub.connections).toHaveLength(1);
    expect(c.connected).toBe(true);
  });

  it("close() ends the socket with 1000, rejects pending work and never reconnects", async () => {
    const hub = await startHub();
    hub.intercept = (_conn, f) => f.op === "pub"; // never acknowledged
    const c = nodeClient(hub);
    await c.connect();
    const pending = c.publish("room:1", 1).catch((e: unknown) => e);
    await waitFor("the pub", () => hub.received("pub").length === 1);
    let serverCode = 0;
    hub.last.ws.on("close", (code) => {
      serverCode = code;
    });
    await c.close();
    await expect(pending).resolves.toMatchObject({ code: "closed" });
    await waitFor("the server-side close", () => serverCode === 1000);
    await expect(c.connect()).rejects.toMatchObject({ code: "closed" });
    expect(hub.connections).toHaveLength(1);
  });
});
