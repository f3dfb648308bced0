// A connection lives as long as its token: expiry closes with 1008, a refresh extends it.
import { afterEach, describe, expect, it } from "vitest";
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

/** JWT exp has second resolution: the first whole second at least `ms` from now. */
function expIn(ms: number): number {
  return Math.ceil((Date.now() + ms) / 1000);
}

async function tokenExpiringAt(sub: string, exp: number, channels?: string[]): Promise<string> {
  return mintToken(channels ? { sub, channels } : { sub }, { exp });
}

describe("token lifetime on a live connection", () => {
  it("closes with 1008 when the token expires and frees its subscriptions and timer", async () => {
    const node = await startHub(AUTH);
    const exp = expIn(600);
    const c = await TestClient.connect(wsUrl(node), {
      token: await tokenExpiringAt("alice", exp, ["room:*"]),
    });
    await c.subscribe("room:1");
    expect(node.stats()).toMatchObject({ connections: 1, channels: 1, timers: 1 });
    const closed = await c.waitClosed(3_000);
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/expired/);
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    await waitFor("the node to forget it", () => node.stats().connections === 0);
    expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
    expect(await metricValue(node, "wshub_disconnects_total", { reason: "token_expired" })).toBe(1);
  });

  it("stays open past the first expiry after a refresh with a later exp", async () => {
    const node = await startHub(AUTH);
    const exp = expIn(600);
    const c = await TestClient.connect(wsUrl(node), { token: await tokenExpiringAt("alice", exp) });
    c.send({ op: "refresh", token: await mintToken({ sub: "alice" }, { expSeconds: 60 }) });
    await waitFor("the first expiry to pass", () => Date.now() > exp * 1000 + 300, 3_000);
    expect(c.closed).toBeUndefined();
    expect(c.where("error")).toEqual([]);
    // Still a working connection, not just an unclosed socket.
    expect(await c.subscribe("user:alice")).toMatchObject({ op: "subscribed" });
  });

  it("refuses a refresh with another user's token and keeps the old expiry", async () => {
    const node = await startHub(AUTH);
    const exp = expIn(600);
    const c = await TestClient.connect(wsUrl(node), { token: await tokenExpiringAt("alice", exp) });
    c.send({ op: "refresh", token: await mintToken({ sub: "mallory" }, { expSeconds: 60 }) });
    expect(await c.next((f) => f.op === "error", "refusal")).toMatchObject({
      code: "unauthorized",
      message: expect.stringMatching(/another user/),
    });
    expect((await c.waitClosed(3_000)).code).toBe(1008);
    expect(
      await metricValue(node, "wshub_auth_failures_total", { reason: "refresh_other_user" }),
    ).toBe(1);
  });

  it("refuses an invalid or expired refresh token with unauthorized and stays open", async () => {
    const node = await startHub(AUTH);
    const c = await TestClient.connect(wsUrl(node), {
      token: await mintToken({ sub: "alice" }, { expSeconds: 60 }),
    });
    c.send({ op: "refresh", token: await mintToken({ sub: "alice" }, { expSeconds: -5 }) });
    c.send({ op: "refresh", token: "not.a.jwt" });
    await waitFor("two refusals", () => c.where("error").length === 2);
    expect(c.where("error").map((f) => f.code)).toEqual(["unauthorized", "unauthorized"]);
    // Verifications run concurrently: the answers may come in either order.
    expect(c.where("error").map((f) => String(f.message).includes("expired"))).toContain(true);
    expect(c.open).toBe(true);
  });

  it("leaves, on refresh, the channels the new token no longer allows", async () => {
    const node = await startHub(AUTH);
    const c = await TestClient.connect(wsUrl(node), {
      token: await mintToken({ sub: "alice", channels: ["room:*", "news"] }),
    });
    await c.subscribe("room:1");
    await c.subscribe("news");
    c.send({ op: "refresh", token: await mintToken({ sub: "alice", channels: ["news"] }) });
    expect(await c.next((f) => f.op === "error", "forbidden notice")).toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/room:1/),
    });
    expect(node.stats().channels).toBe(1);
    c.send({ op: "unsub", ch: "room:1" });
    expect(await c.next((f) => f.code === "not_subscribed", "not_subscribed")).toBeTruthy();
  });
});
