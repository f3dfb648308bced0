import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { SilentPeer } from "../../loadtests/harness/silent-peer.js";
import {
  metricValue,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

const AUTH = { AUTH_JWT_SECRET: TEST_SECRET };

afterEach(releaseAll);

describe("frames on a connection", () => {
  it("delivers a publish to every subscriber of the channel, in seq order, and not after unsub", async () => {
    const node = await startHub();
    const a = await TestClient.connect(wsUrl(node));
    const b = await TestClient.connect(wsUrl(node));
    expect(await a.subscribe("room:1")).toMatchObject({ ch: "room:1", seq: 0 });
    const sub = await b.subscribe("room:1");
    expect(sub.epoch).toEqual(expect.any(String));
    for (let i = 1; i <= 3; i++) a.send({ op: "pub", ch: "room:1", data: { n: i } });
    for (const c of [a, b]) {
      await waitFor("three messages", () => c.where("msg", "room:1").length === 3);
      expect(c.where("msg", "room:1")).toEqual(
        [1, 2, 3].map((n) => ({
          op: "msg",
          ch: "room:1",
          seq: n,
          data: { n },
        })),
      );
    }
    b.send({ op: "unsub", ch: "room:1" });
    // Frames of one connection are handled in order: the second unsub's answer means the first is done.
    b.send({ op: "unsub", ch: "room:1" });
    await b.next((f) => f.op === "error", "not_subscribed for the second unsub");
    a.send({ op: "pub", ch: "room:1", data: "after", id: "p4" });
    await a.next((f) => f.op === "msg" && f.seq === 4, "a's fourth message");
    // b's socket is written in order: a message sent to b before this answer would precede it.
    b.send({ op: "unsub", ch: "room:1" });
    await waitFor("b's second not_subscribed", () => b.where("error").length === 2);
    expect(b.where("msg", "room:1")).toHaveLength(3);
    expect(node.stats().channels).toBe(1);
  });

  it("answers ok only to a publish that carries an id", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("news");
    c.send({ op: "pub", ch: "news", data: 1 });
    c.send({ op: "pub", ch: "news", data: 2, id: "c-2" });
    const ok = await c.next((f) => f.op === "ok", "ok");
    expect(ok).toEqual({ op: "ok", id: "c-2", ch: "news", seq: 2 });
    await waitFor("both messages", () => c.where("msg", "news").length === 2);
    expect(c.where("ok")).toHaveLength(1);
    expect(c.where("msg", "news")[1]).toMatchObject({ seq: 2, id: "c-2", data: 2 });
  });

  it("publishes a retried id once: the retry gets the same seq and no second message", async () => {
    const node = await startHub();
    const pub = await TestClient.connect(wsUrl(node));
    const sub = await TestClient.connect(wsUrl(node));
    await sub.subscribe("orders");
    pub.send({ op: "pub", ch: "orders", data: { total: 5 }, id: "order-1" });
    pub.send({ op: "pub", ch: "orders", data: { total: 5 }, id: "order-1" });
    pub.send({ op: "pub", ch: "orders", data: { total: 7 }, id: "order-2" });
    await waitFor("three oks", () => pub.where("ok").length === 3);
    expect(pub.where("ok").map((f) => [f.id, f.seq])).toEqual([
      ["order-1", 1],
      ["order-1", 1],
      ["order-2", 2],
    ]);
    await waitFor("two messages", () => sub.where("msg").length === 2);
    expect(sub.where("msg").map((f) => f.seq)).toEqual([1, 2]);
    expect(await metricValue(node, "wshub_messages_in_total")).toBe(2);
  });

  it("answers malformed frames with error frames, echoing the id, and stays open", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    const cases: [string | Buffer, boolean, Record<string, unknown>][] = [
      ["{not json", false, { code: "bad_request", message: expect.stringMatching(/JSON/) }],
      [
        Buffer.from([1, 2, 3]),
        true,
        { code: "bad_request", message: expect.stringMatching(/binary/) },
      ],
      ["[1,2]", false, { code: "bad_request", message: expect.stringMatching(/object/) }],
      ['"sub"', false, { code: "bad_request" }],
      ['{"op":"dance","id":"d-1"}', false, { code: "unknown_op", id: "d-1" }],
      ['{"op":"sub"}', false, { code: "bad_request", message: expect.stringMatching(/`ch`/) }],
      ['{"op":"sub","ch":"bad channel!","id":"s-1"}', false, { code: "bad_request", id: "s-1" }],
      ['{"op":"pub","ch":"room:1","id":"p-1"}', false, { code: "bad_request", id: "p-1" }],
      ['{"op":"sub","ch":"a","since":-1,"id":"s-2"}', false, { code: "bad_request", id: "s-2" }],
      ['{"op":"refresh","id":"r-1"}', false, { code: "bad_request", id: "r-1" }],
      ['{"op":"pub","ch":"a","data":1,"id":""}', false, { code: "bad_request" }],
    ];
    for (const [data, binary] of cases) c.sendRaw(data, binary);
    await waitFor("an error per bad frame", () => c.where("error").length === cases.length);
    c.where("error").forEach((f, i) => {
      expect(f).toMatchObject(cases[i]?.[2] ?? {});
      if (!("id" in (cases[i]?.[2] ?? {}))) expect(f).not.toHaveProperty("id");
    });
    expect(c.open).toBe(true);
    expect(await c.subscribe("room:1")).toMatchObject({ op: "subscribed" });
    expect(await metricValue(node, "wshub_errors_total", { code: "unknown_op" })).toBe(1);
  });

  it("closes with 1009 on a frame over MAX_PAYLOAD_BYTES", async () => {
    const node = await startHub({ MAX_PAYLOAD_BYTES: "1024" });
    const c = await TestClient.connect(wsUrl(node));
    c.send({ op: "pub", ch: "a", data: "x".repeat(900), id: "fits" });
    expect(await c.next((f) => f.op === "ok", "ok for a frame under the limit")).toMatchObject({
      id: "fits",
    });
    c.send({ op: "pub", ch: "a", data: "x".repeat(1100) });
    expect((await c.waitClosed()).code).toBe(1009);
    await waitFor("the node to forget it", () => node.stats().connections === 0);
    expect(await metricValue(node, "wshub_disconnects_total", { reason: "too_big" })).toBe(1);
  });

  it("cuts a peer that stays silent after its 1009 within the close grace, not ws's 30 s", async () => {
    const node = await startHub({ MAX_PAYLOAD_BYTES: "1024" });
    const peer = await SilentPeer.connect(node.port);
    onTestFinished(() => peer.destroy());
    await waitFor("the node to count it", () => node.stats().connections === 1);
    peer.announceText(2_000);
    await waitFor("the hub's 1009 close frame", () => peer.closeCodes.includes(1009));
    await waitFor("the node to forget it", () => node.stats().connections === 0);
    await waitFor("the hub's FIN", () => peer.finReceived);
    expect(node.stats().sockets).toBe(1);
    // The peer never answers the close: the hub destroys the socket after its 2 s grace.
    await waitFor("the hub to cut the silent socket", () => node.stats().sockets === 0, 10_000);
    expect(node.stats().timers).toBe(0);
    expect(await metricValue(node, "wshub_disconnects_total", { reason: "too_big" })).toBe(1);
  }, 15_000);
});

describe("channel permissions from the token", () => {
  it("allows the token's channel globs and the user's own channel, and nothing else", async () => {
    const node = await startHub(AUTH);
    const token = await mintToken({ sub: "alice", channels: ["room:*", "news"] });
    const c = await TestClient.connect(wsUrl(node), { token });
    expect(await c.subscribe("room:42")).toMatchObject({ op: "subscribed" });
    expect(await c.subscribe("news")).toMatchObject({ op: "subscribed" });
    expect(await c.subscribe("user:alice")).toMatchObject({ op: "subscribed" });
    for (const ch of ["newsroom", "lobby", "user:bob", "rooms"]) c.send({ op: "sub", ch });
    c.send({ op: "pub", ch: "user:bob", data: "hi", id: "dm-1" });
    c.send({ op: "pub", ch: "room:7", data: "ok", id: "r-1" });
    await waitFor("five refusals", () => c.where("error").length === 5);
    expect(c.where("error").map((f) => f.code)).toEqual(Array(5).fill("forbidden"));
    expect(c.where("error")[4]).toMatchObject({ id: "dm-1" });
    expect(await c.next((f) => f.op === "ok", "ok r-1")).toMatchObject({ id: "r-1", ch: "room:7" });
  });

  it("gives a token without `channels` only its own user channel", async () => {
    const node = await startHub(AUTH);
    const bob = await TestClient.connect(wsUrl(node), { token: await mintToken({ sub: "bob" }) });
    expect(await bob.subscribe("user:bob")).toMatchObject({ op: "subscribed" });
    bob.send({ op: "sub", ch: "room:1" });
    bob.send({ op: "sub", ch: "user:alice" });
    await waitFor("two refusals", () => bob.where("error").length === 2);
    expect(bob.where("error").map((f) => f.code)).toEqual(["forbidden", "forbidden"]);
    // The backend (or bob himself) reaches bob on his channel.
    bob.send({ op: "pub", ch: "user:bob", data: "note to self" });
    expect(await bob.next((f) => f.op === "msg", "msg")).toMatchObject({ ch: "user:bob", seq: 1 });
  });
});

describe("per-connection limits", () => {
  it("refuses a subscription past MAX_SUBSCRIPTIONS and allows it after an unsub", async () => {
    const node = await startHub({ MAX_SUBSCRIPTIONS: "2" });
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("a");
    await c.subscribe("b");
    c.send({ op: "sub", ch: "c" });
    const err = await c.next((f) => f.op === "error", "refusal");
    expect(err).toMatchObject({
      code: "too_many_subscriptions",
      message: expect.stringMatching(/2/),
    });
    c.send({ op: "unsub", ch: "a" });
    expect(await c.subscribe("c")).toMatchObject({ op: "subscribed" });
    expect(node.stats().channels).toBe(2);
  });

  it("answers not_subscribed to an unsub of a channel it is not in", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    c.send({ op: "unsub", ch: "room:9" });
    expect(await c.next((f) => f.op === "error", "refusal")).toMatchObject({
      code: "not_subscribed",
      message: expect.stringMatching(/room:9/),
    });
    expect(c.open).toBe(true);
  });

  it("rate-limits publishes past MAX_PUBLISH_RATE with a burst of one second's worth", async () => {
    const node = await startHub({ MAX_PUBLISH_RATE: "5" });
    const c = await TestClient.connect(wsUrl(node));
    for (let i = 0; i < 12; i++) c.send({ op: "pub", ch: "flood", data: i, id: `f-${i}` });
    await waitFor("an answer to each", () => c.where("ok").length + c.where("error").length === 12);
    const oks = c.where("ok").map((f) => f.id);
    // Five from the burst, at most one more refilled while the frames were read.
    expect(oks.slice(0, 5)).toEqual(["f-0", "f-1", "f-2", "f-3", "f-4"]);
    expect(oks.length).toBeLessThanOrEqual(6);
    const limited = c.where("error");
    expect(limited.every((f) => f.code === "rate_limited")).toBe(true);
    expect(limited[0]?.id).toBe(`f-${oks.length}`);
    expect(await metricValue(node, "wshub_rate_limited_total")).toBe(limited.length);
    // The bucket refills: a second later the connection may publish again.
    await waitFor(
      "the bucket to refill",
      async () => {
        c.send({ op: "pub", ch: "flood", data: "again", id: `again-${Date.now()}` });
        await new Promise((r) => setTimeout(r, 50));
        return c.where("ok").some((f) => String(f.id).startsWith("again-"));
      },
      3_000,
    );
  });
});
