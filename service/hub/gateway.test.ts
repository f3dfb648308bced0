import { exportSPKI, generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import {
  metricValue,
  mintToken,
  releaseAll,
  startHub,
  TestClient,
  tryUpgrade,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

const AUTH = { AUTH_JWT_SECRET: "unit-test-secret-0123456789abcdef" };

afterEach(releaseAll);

function refused(reply: Awaited<ReturnType<typeof tryUpgrade>>) {
  if (reply.upgraded) throw new Error("the upgrade was accepted: expected a refusal");
  return reply;
}

describe("upgrade refusals are HTTP statuses, never an open socket", () => {
  it("refuses a missing token with 401, by header and by ?token=", async () => {
    const node = await startHub(AUTH);
    const r = refused(await tryUpgrade(node, "/v1/ws"));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error).toMatch(/Authorization: Bearer/);
    expect(refused(await tryUpgrade(node, "/v1/ws?token=")).status).toBe(401);
    expect(refused(await tryUpgrade(node, "/v1/ws", { authorization: "Basic abc" })).status).toBe(
      401,
    );
    expect(await metricValue(node, "wshub_auth_failures_total", { reason: "missing" })).toBe(3);
    expect(node.stats().connections).toBe(0);
  });

  it("refuses a token signed with another secret with 401", async () => {
    const node = await startHub(AUTH);
    const bad = await mintToken({ sub: "alice" }, { secret: "another-secret-0123456789abcdef" });
    const byHeader = await tryUpgrade(node, "/v1/ws", { authorization: `Bearer ${bad}` });
    expect(refused(byHeader).status).toBe(401);
    expect(refused(await tryUpgrade(node, `/v1/ws?token=${bad}`)).status).toBe(401);
    expect(refused(await tryUpgrade(node, "/v1/ws?token=not.a.jwt")).status).toBe(401);
    expect(await metricValue(node, "wshub_auth_failures_total", { reason: "invalid" })).toBe(3);
  });

  it("refuses an expired token with 401, by header and by ?token=", async () => {
    const node = await startHub(AUTH);
    const expired = await mintToken({ sub: "alice" }, { expSeconds: -10 });
    const byHeader = refused(
      await tryUpgrade(node, "/v1/ws", { authorization: `Bearer ${expired}` }),
    );
    expect(byHeader.status).toBe(401);
    expect(JSON.parse(byHeader.body).error).toMatch(/expired/);
    expect(refused(await tryUpgrade(node, `/v1/ws?token=${expired}`)).status).toBe(401);
    await expect(TestClient.connect(wsUrl(node, { token: expired }))).rejects.toThrow(/HTTP 401/);
  });

  it("accepts a valid token by header or ?token= and says hello with the node id", async () => {
    const node = await startHub({ ...AUTH, NODE_ID: "node-a7" });
    const token = await mintToken({ sub: "alice" });
    const a = await TestClient.connect(wsUrl(node), { token });
    const b = await TestClient.connect(wsUrl(node, { token }));
    for (const c of [a, b]) {
      const hello = c.frames[0];
      expect(hello).toMatchObject({ op: "hello", node: "node-a7" });
      expect(hello?.conn).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(a.frames[0]?.conn).not.toBe(b.frames[0]?.conn);
    expect(node.stats()).toMatchObject({ connections: 2, ips: 1 });
  });

  it("refuses a disallowed Origin with 403 and allows a listed one or none", async () => {
    const node = await startHub({
      ...AUTH,
      ALLOWED_ORIGINS: "https://app.example, https://b.example",
    });
    const token = await mintToken({ sub: "alice" });
    const auth = { authorization: `Bearer ${token}` };
    const r = refused(
      await tryUpgrade(node, "/v1/ws", { ...auth, origin: "https://evil.example" }),
    );
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body).error).toMatch(/ALLOWED_ORIGINS/);
    // The origin check comes first: a bad origin with no token is still 403.
    expect(
      refused(await tryUpgrade(node, "/v1/ws", { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect(await tryUpgrade(node, "/v1/ws", { ...auth, origin: "https://b.example" })).toEqual({
      upgraded: true,
    });
    expect(await tryUpgrade(node, "/v1/ws", auth)).toEqual({ upgraded: true });
    expect(await metricValue(node, "wshub_auth_failures_total", { reason: "origin" })).toBe(2);
  });

  it("refuses with 503 and Retry-After at MAX_CONNECTIONS, and admits again once one leaves", async () => {
    const node = await startHub({ MAX_CONNECTIONS: "2" });
    const first = await TestClient.connect(wsUrl(node));
    await TestClient.connect(wsUrl(node));
    const r = refused(await tryUpgrade(node, "/v1/ws"));
    expect(r.status).toBe(503);
    expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(r.body).error).toMatch(/connection limit/);
    expect(node.stats().connections).toBe(2);
    first.ws.close();
    await waitFor("the closed connection to be forgotten", () => node.stats().connections === 1);
    const again = await TestClient.connect(wsUrl(node));
    expect(again.open).toBe(true);
  });

  it("refuses with 503 and Retry-After at MAX_CONNECTIONS_PER_IP", async () => {
    const node = await startHub({ MAX_CONNECTIONS_PER_IP: "2" });
    const first = await TestClient.connect(wsUrl(node));
    await TestClient.connect(wsUrl(node));
    const r = refused(await tryUpgrade(node, "/v1/ws"));
    expect(r.status).toBe(503);
    expect(Number(r.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(r.body).error).toMatch(/from your address/);
    first.ws.terminate();
    await waitFor("the address to have a free slot", () => node.stats().connections === 1);
    expect(await tryUpgrade(node, "/v1/ws")).toEqual({ upgraded: true });
  });

  it("counts MAX_CONNECTIONS_PER_IP per client behind a trusted proxy, from X-Forwarded-For", async () => {
    // The test client is the "ingress controller" at 127.0.0.1, one hop in front of the hub.
    const node = await startHub({ MAX_CONNECTIONS_PER_IP: "1", TRUSTED_PROXIES: "1" });
    const viaProxy = (client: string) => ({ "X-Forwarded-For": client });
    const first = await TestClient.connect(wsUrl(node), { headers: viaProxy("203.0.113.1") });
    await TestClient.connect(wsUrl(node), { headers: viaProxy("203.0.113.2") });
    expect(node.stats()).toMatchObject({ connections: 2, ips: 2 });
    expect(refused(await tryUpgrade(node, "/v1/ws", viaProxy("203.0.113.1"))).status).toBe(503);
    // What the client itself wrote further out is not believed: the proxy's entry counts.
    const forged = viaProxy("198.51.100.9, 203.0.113.1");
    expect(refused(await tryUpgrade(node, "/v1/ws", forged)).status).toBe(503);
    first.ws.terminate();
    await waitFor("203.0.113.1 to have a free slot", () => node.stats().connections === 1);
    expect(await tryUpgrade(node, "/v1/ws", forged)).toEqual({ upgraded: true });
  });

  it("ignores X-Forwarded-For unless TRUSTED_PROXIES is set", async () => {
    const node = await startHub({ MAX_CONNECTIONS_PER_IP: "1" });
    await TestClient.connect(wsUrl(node), { headers: { "X-Forwarded-For": "203.0.113.1" } });
    const r = refused(await tryUpgrade(node, "/v1/ws", { "X-Forwarded-For": "203.0.113.2" }));
    expect(r.status).toBe(503);
    expect(node.stats()).toMatchObject({ connections: 1, ips: 1 });
  });

  it("holds MAX_CONNECTIONS_PER_IP against a burst whose tokens are still being verified", async () => {
    // RS256 verification is slow enough that a burst is still being checked when it is counted.
    const { publicKey, privateKey } = await generateKeyPair("RS256", { modulusLength: 3072 });
    const node = await startHub({
      AUTH_JWT_PUBLIC_KEY: await exportSPKI(publicKey),
      MAX_CONNECTIONS_PER_IP: "2",
    });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "RS256" })
      .setSubject("alice")
      .setExpirationTime("5m")
      .sign(privateKey);
    const tries = await Promise.allSettled(
      Array.from({ length: 40 }, () => TestClient.connect(wsUrl(node, { token }))),
    );
    expect(tries.filter((t) => t.status === "fulfilled")).toHaveLength(2);
    expect(node.stats()).toMatchObject({ connections: 2, ips: 1 });
  });

  it("answers 404 on any other path", async () => {
    const node = await startHub();
    const r = refused(await tryUpgrade(node, "/ws"));
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error).toMatch(/\/v1\/ws/);
    expect(refused(await tryUpgrade(node, "/v2/ws")).status).toBe(404);
  });

  it("keeps no per-address slot for an upgrade that ws itself rejects", async () => {
    const node = await startHub({ MAX_CONNECTIONS_PER_IP: "1" });
    const r = refused(await tryUpgrade(node, "/v1/ws", { "Sec-WebSocket-Key": "too-short" }));
    expect(r.status).toBe(400);
    expect(node.stats()).toEqual({ connections: 0, channels: 0, timers: 0, ips: 0, sockets: 0 });
    expect(await tryUpgrade(node, "/v1/ws")).toEqual({ upgraded: true });
  });

  it("runs open when no key is configured outside production: no token, every channel", async () => {
    const node = await startHub();
    const c = await TestClient.connect(wsUrl(node));
    expect(await c.subscribe("user:bob")).toMatchObject({ op: "subscribed", seq: 0 });
    expect(await c.subscribe("anything.at-all")).toMatchObject({ op: "subscribed" });
    // A token is not needed, and a garbage one is ignored rather than refused.
    expect(await tryUpgrade(node, "/v1/ws?token=garbage")).toEqual({ upgraded: true });
  });
});
