// Protocol 1.1 on a real node: ids echoed by every reply and error, frames applied in arrival
// order, `retryable` on errors, and the application-level ping a browser can see.
import { afterEach, describe, expect, it } from "vitest";
import { PROTOCOL_FEATURES, PROTOCOL_VERSION } from "../protocol/index.js";
import {
  mintToken,
  releaseAll,
  SwitchableBroker,
  startHub,
  TEST_SECRET,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

describe("protocol 1.1", () => {
  it("says its version and features in hello", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    expect(c.frames[0]).toEqual({
      op: "hello",
      node: "unit-node",
      conn: expect.any(String),
      version: PROTOCOL_VERSION,
      features: [...PROTOCOL_FEATURES],
    });
  });

  it("echoes the id of every op in its reply", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    c.send({ op: "sub", ch: "room:1", id: "s1" });
    c.send({ op: "pub", ch: "room:1", data: 1, id: "p1" });
    c.send({ op: "unsub", ch: "room:1", id: "u1" });
    c.send({ op: "refresh", token: "x", id: "r1" });
    await c.next((f) => f.op === "refreshed", "refreshed");
    expect(c.frames.slice(1)).toEqual([
      { op: "subscribed", ch: "room:1", seq: 0, epoch: expect.any(String), id: "s1" },
      { op: "msg", ch: "room:1", seq: 1, data: 1, id: "p1" },
      { op: "ok", id: "p1", ch: "room:1", seq: 1 },
      { op: "unsubscribed", ch: "room:1", id: "u1" },
      { op: "refreshed", id: "r1" },
    ]);
  });

  it("puts the op's id, its channel and retryable on every error", async () => {
    const broker = new SwitchableBroker();
    const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET }, { broker });
    const token = await mintToken({ sub: "u", channels: ["room:*"] });
    const c = await TestClient.connect(wsUrl(node), { token });
    c.send({ op: "sub", ch: "secret", id: "s1" });
    c.send({ op: "unsub", ch: "room:9", id: "u1" });
    c.send({ op: "pub", ch: "room:1", id: "p1" });
    c.send({ op: "nope", id: "n1" });
    await waitFor("four errors", () => c.where("error").length === 4);
    broker.setDown("test");
    c.send({ op: "pub", ch: "room:1", data: 1, id: "p2" });
    await waitFor("five errors", () => c.where("error").length === 5);
    const errors = c.where("error").map(({ message, ...rest }) => rest);
    expect(errors).toEqual([
      { op: "error", code: "forbidden", retryable: false, id: "s1", ch: "secret" },
      { op: "error", code: "not_subscribed", retryable: false, id: "u1", ch: "room:9" },
      { op: "error", code: "bad_request", retryable: false, id: "p1", ch: "room:1" },
      { op: "error", code: "unknown_op", retryable: false, id: "n1" },
      { op: "error", code: "unavailable", retryable: true, id: "p2", ch: "room:1" },
    ]);
  });

  it("applies a connection's frames in arrival order: a pub right after a sub reaches its own socket", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    // Twenty channels, each `sub` immediately followed by a `pub`, all written at once.
    for (let i = 0; i < 20; i++) {
      c.send({ op: "sub", ch: `own:${i}`, id: `s${i}` });
      c.send({ op: "pub", ch: `own:${i}`, data: i, id: `p${i}` });
    }
    await waitFor("twenty oks", () => c.where("ok").length === 20);
    await waitFor("twenty messages", () => c.where("msg").length === 20, 2_000).catch(() => 0);
    const missed = [...Array(20).keys()].filter((i) => c.where("msg", `own:${i}`).length !== 1);
    expect(missed).toEqual([]);
    // And each channel's replies come in the order of the frames that caused them.
    for (let i = 0; i < 20; i++) {
      const mine = c.frames.filter((f) => f.id === `s${i}` || f.id === `p${i}`);
      expect(mine.map((f) => f.op)).toEqual(["subscribed", "msg", "ok"]);
    }
  });
});

describe("application-level ping", () => {
  it("sends no ping frame to a client that did not ask", async () => {
    const node = await startHub({ HEARTBEAT_SECONDS: "0.05" });
    const c = await TestClient.connect(wsUrl(node));
    let wsPings = 0;
    c.ws.on("ping", () => wsPings++);
    await waitFor("three ws pings", () => wsPings >= 3, 3_000);
    expect(c.where("ping")).toEqual([]);
    expect(c.frames[0]?.pingMs).toBeUndefined();
  });

  it("pings a client that asked with ?ping=1 and keeps it alive on pong frames alone", async () => {
    const intervalMs = 50;
    const node = await startHub({ HEARTBEAT_SECONDS: String(intervalMs / 1000) });
    // A browser: it never answers ws pings (autoPong off here), only frames it can see.
    const c = await TestClient.connect(wsUrl(node, { ping: "1" }), { autoPong: false });
    expect(c.frames[0]).toMatchObject({ op: "hello", pingMs: intervalMs });
    let answered = 0;
    c.ws.on("message", (d) => {
      if (String(d) === '{"op":"ping"}') {
        answered++;
        c.send({ op: "pong" });
      }
    });
    await waitFor("eight ping frames answered", () => answered >= 8, 3_000);
    expect(c.open).toBe(true);
    // pong gets no reply of its own.
    expect(c.frames.filter((f) => f.op !== "ping" && f.op !== "hello")).toEqual([]);
  });

  it("terminates a client that asked for pings and answers none", async () => {
    const node = await startHub({ HEARTBEAT_SECONDS: "0.05" });
    const c = await TestClient.connect(wsUrl(node, { ping: "1" }), { autoPong: false });
    expect((await c.waitClosed(3_000)).code).toBe(1006);
    expect(c.where("ping").length).toBeGreaterThanOrEqual(2);
  });
});
