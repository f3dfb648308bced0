// What a client can make the hub hold is bounded: memory per connection, rate per op, channel
// state per node, publish ids per publisher, and errors that say what happened.
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { BrokerPublishResult, PublishInput } from "../bus/index.js";
import { PublishOutcomeUnknownError } from "../errors.js";
import type { HubNode } from "./node.js";
import {
  httpUrl,
  metricValue,
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

const API_KEY = "unit-api-key-0123456789";

function socketOf(c: TestClient): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket;
}

function postPublish(node: HubNode, body: string): Promise<Response> {
  return fetch(httpUrl(node, "/v1/publish"), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    body,
  });
}

/** JSON nested deeper than JSON.stringify's stack: it parses, but cannot be serialized again. */
const DEEP = `${"[".repeat(40_000)}${"]".repeat(40_000)}`;

describe("memory per connection", () => {
  it("stops reading and closes with 1013 a client that floods frames and never reads its replies", async () => {
    const node = await startHub({
      MAX_CONNECTION_BYTES: String(64 * 1024),
      SLOW_CONSUMER_BYTES: String(32 * 1024),
    });
    const attacker = await TestClient.connect(wsUrl(node));
    socketOf(attacker).pause();
    // Every frame earns an error reply; the kernel's buffers absorb a few MB before the hub's
    // own send buffer grows, so send in rounds until the hub gives up (bounded).
    const frame = JSON.stringify({ op: "unsub", ch: "nothing" });
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < 1_000; i++) attacker.sendRaw(frame);
      await new Promise((r) => setTimeout(r, 5));
      if ((await metricValue(node, "wshub_connection_bytes_closes_total")) > 0) break;
    }
    expect(await metricValue(node, "wshub_connection_bytes_closes_total")).toBe(1);
    // Reading again, the client finds the documented close code after its queued replies.
    socketOf(attacker).resume();
    const closed = await attacker.waitClosed(10_000);
    expect(closed.code).toBe(1013);
    expect(closed.reason).toMatch(/MAX_CONNECTION_BYTES/);
    await waitFor("the node to forget it", () => node.stats().connections === 0);
    // Everybody else is served.
    const other = await TestClient.connect(wsUrl(node));
    await other.subscribe("room:1");
  });
});

describe("rate limits per op", () => {
  it("answers sub and unsub past MAX_SUBSCRIBE_RATE with rate_limited", async () => {
    const node = await startHub({ MAX_SUBSCRIBE_RATE: "5" });
    const c = await TestClient.connect(wsUrl(node));
    for (let i = 0; i < 40; i++) c.send({ op: "sub", ch: `churn:${i}` });
    await c.next((f) => f.code === "rate_limited", "rate_limited");
    await waitFor("every sub answered", () => c.frames.length >= 41);
    expect(c.where("subscribed").length).toBeLessThanOrEqual(6);
    const limited = c.frames.find((f) => f.code === "rate_limited");
    expect(limited?.message).toMatch(/at most 5 sub frames per second/);
    // unsub shares the bucket: churning pairs cannot create and drop channels at will.
    const before = c.where("error").length;
    for (let i = 0; i < 20; i++) c.send({ op: "unsub", ch: `churn:${i}` });
    await waitFor("unsubs answered", () =>
      c.frames
        .slice(before)
        .some((f) => f.code === "rate_limited" && /unsub/.test(String(f.message))),
    );
    expect(await metricValue(node, "wshub_rate_limited_total")).toBeGreaterThan(30);
  });

  it("answers refresh past MAX_REFRESH_RATE with rate_limited", async () => {
    const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET, MAX_REFRESH_RATE: "2" });
    const token = await mintToken({ sub: "r", channels: ["room:*"] });
    const c = await TestClient.connect(wsUrl(node), { token });
    for (let i = 0; i < 10; i++) c.send({ op: "refresh", token });
    const limited = await c.next((f) => f.code === "rate_limited", "rate_limited");
    expect(limited.message).toMatch(/at most 2 refresh frames per second/);
  });
});

describe("a refresh racing a disconnect", () => {
  it("leaves no timer holding a connection whose peer reset it mid-refresh", async () => {
    const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET, MAX_REFRESH_RATE: "1000" });
    const token = await mintToken({ sub: "racer", channels: ["room:*"] }, { expSeconds: 3_600 });
    for (let round = 0; round < 20; round++) {
      const c = await TestClient.connect(wsUrl(node), { token });
      for (let i = 0; i < 50; i++) c.send({ op: "refresh", token });
      socketOf(c).resetAndDestroy();
    }
    await waitFor("every connection gone", () => node.stats().connections === 0);
    // Let every refresh in flight finish, then nothing may be left armed.
    await waitFor("no timer left", () => node.stats().timers === 0, 3_000);
  });
});

describe("channel state per node", () => {
  it("refuses a subscribe that would create a channel past MAX_CHANNELS with too_many_channels", async () => {
    const node = await startHub({ MAX_CHANNELS: "2" });
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("a");
    await c.subscribe("b");
    c.send({ op: "sub", ch: "c" });
    const e = await c.next((f) => f.op === "error", "too_many_channels");
    expect(e).toMatchObject({ code: "too_many_channels" });
    expect(e.message).toMatch(/MAX_CHANNELS/);
    // A channel that exists still works, for the same client and for others.
    const other = await TestClient.connect(wsUrl(node));
    await other.subscribe("a");
    expect(node.stats().channels).toBe(2);
  });
});

describe("publish ids belong to their publisher", () => {
  it("never lets another user's pre-published id take over your publish; your own retry dedupes", async () => {
    const node = await startHub({ AUTH_JWT_SECRET: TEST_SECRET });
    const mint = (sub: string) => mintToken({ sub, channels: ["room:*"] });
    const reader = await TestClient.connect(wsUrl(node), { token: await mint("reader") });
    await reader.subscribe("room:1");
    const eve = await TestClient.connect(wsUrl(node), { token: await mint("eve") });
    eve.send({ op: "pub", ch: "room:1", id: "sdk-1", data: "forged" });
    const eveOk = await eve.next((f) => f.op === "ok", "eve's ok");
    const bob = await TestClient.connect(wsUrl(node), { token: await mint("bob") });
    bob.send({ op: "pub", ch: "room:1", id: "sdk-1", data: "real" });
    const bobOk = await bob.next((f) => f.op === "ok", "bob's ok");
    expect(bobOk.seq).not.toBe(eveOk.seq);
    await waitFor("both delivered", () => reader.where("msg", "room:1").length === 2);
    expect(reader.where("msg", "room:1").map((m) => m.data)).toEqual(["forged", "real"]);
    // Bob retries from a new connection: the same identity, so the same seq and no new msg.
    const bobAgain = await TestClient.connect(wsUrl(node), { token: await mint("bob") });
    bobAgain.send({ op: "pub", ch: "room:1", id: "sdk-1", data: "real" });
    const retry = await bobAgain.next((f) => f.op === "ok", "bob's retried ok");
    expect(retry.seq).toBe(bobOk.seq);
    await reader.subscribe("room:sync");
    expect(reader.where("msg", "room:1")).toHaveLength(2);
  });
});

describe("errors say what happened", () => {
  it("answers data that cannot be stored with bad_request on ws and 400 on HTTP, not a bus error", async () => {
    const node = await startHub({ MAX_PAYLOAD_BYTES: "200000", API_KEY });
    const c = await TestClient.connect(wsUrl(node));
    c.sendRaw(`{"op":"pub","ch":"room:1","id":"deep-1","data":${DEEP}}`);
    const e = await c.next((f) => f.op === "error", "error");
    expect(e).toMatchObject({ code: "bad_request", id: "deep-1" });
    expect(e.message).toMatch(/cannot be stored/);
    const res = await postPublish(node, `{"ch":"room:1","data":${DEEP}}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "bad_request" });
    expect(await metricValue(node, "wshub_errors_total", { code: "unavailable" })).toBe(0);
  });

  it("answers a publish whose outcome is unknown with publish_outcome_unknown (ws) and 504 (HTTP)", async () => {
    class UnconfirmedBroker extends SwitchableBroker {
      override async publish(input: PublishInput): Promise<BrokerPublishResult> {
        await super.publish(input);
        throw new PublishOutcomeUnknownError("sent but not confirmed: retry with the same id");
      }
    }
    const node = await startHub({ API_KEY }, { broker: new UnconfirmedBroker() });
    const c = await TestClient.connect(wsUrl(node));
    c.send({ op: "pub", ch: "room:1", id: "u-1", data: 1 });
    const e = await c.next((f) => f.op === "error", "error");
    expect(e).toMatchObject({ code: "publish_outcome_unknown", id: "u-1" });
    const res = await postPublish(node, JSON.stringify({ ch: "room:1", id: "u-2", data: 1 }));
    expect(res.status).toBe(504);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toMatchObject({
      code: "publish_outcome_unknown",
      error: expect.stringMatching(/retry with the same id/),
    });
  });
});
