// The server API on two real hub processes sharing one real Redis (a container): every call
// crosses nodes through the control plane on Redis, keys come from API_KEYS_FILE, and a frozen
// process (SIGSTOP) makes the answers partial within CONTROL_TIMEOUT_SECONDS.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  ensureHubBuilt,
  type HubProcess,
  startHubProcess,
} from "../../loadtests/harness/hub-process.js";
import { waitFor } from "../../testkit/poll.js";
import { RedisContainer, type StartedRedisContainer } from "../../testkit/redis-container.js";
import { callApi } from "../hub/api/testing/index.js";

const SECRET = "api-cluster-secret-0123456789abcdef";
const ADMIN = "admin-key-0123456789abcdef";
const READER = "reader-key-0123456789abcdef";
const PUBLISHER = "publisher-key-0123456789abc";

type Frame = { op: string; [key: string]: unknown };

/** A raw protocol client for one user: frames kept, close recorded, waits bounded. */
class Client {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => this.frames.push(JSON.parse(String(d)) as Frame));
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    ws.on("error", () => {});
  }
  static async open(node: HubProcess, sub: string): Promise<Client> {
    const token = await new SignJWT({ channels: ["room:*"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(sub)
      .setExpirationTime("10m")
      .sign(new TextEncoder().encode(SECRET));
    const c = new Client(
      new WebSocket(node.wsUrl, { headers: { authorization: `Bearer ${token}` } }),
    );
    clients.push(c);
    await c.next((f) => f.op === "hello", "hello");
    return c;
  }
  next(match: (f: Frame) => boolean, what: string): Promise<Frame> {
    return waitFor(
      `${what} (got ${JSON.stringify(this.frames.slice(-3))})`,
      () => this.frames.find(match),
      10_000,
    );
  }
  async subscribe(ch: string): Promise<void> {
    this.ws.send(JSON.stringify({ op: "sub", ch, id: `s-${ch}` }));
    await this.next((f) => f.op === "subscribed" && f.ch === ch, `subscribed to ${ch}`);
  }
}

let redis: StartedRedisContainer;
let a: HubProcess;
let b: HubProcess;
const clients: Client[] = [];

beforeAll(async () => {
  ensureHubBuilt();
  redis = await new RedisContainer().start();
  const dir = mkdtempSync(join(tmpdir(), "wshub-api-"));
  const keys = join(dir, "api-keys.json");
  writeFileSync(
    keys,
    JSON.stringify([
      { name: "ops", key: ADMIN, scopes: ["admin", "read"] },
      { name: "dash", key: READER, scopes: ["read"] },
      { name: "backend", key: PUBLISHER, scopes: ["publish"] },
    ]),
  );
  // A long registry TTL: a frozen node stays expected for the whole file.
  const env = {
    AUTH_JWT_SECRET: SECRET,
    API_KEYS_FILE: keys,
    CONTROL_TIMEOUT_SECONDS: "1",
    NODE_TTL_SECONDS: "60",
  };
  [a, b] = await Promise.all([
    startHubProcess({ nodeId: "api-a", redisUrl: redis.url, env }),
    startHubProcess({ nodeId: "api-b", redisUrl: redis.url, env }),
  ]);
}, 180_000);

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  b?.process.child.kill("SIGCONT");
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
});

describe("server API on two hub processes and Redis", () => {
  it("publishes and broadcasts from either node to subscribers on both", async () => {
    const onA = await Client.open(a, "u1");
    const onB = await Client.open(b, "u2");
    for (const c of [onA, onB]) {
      await c.subscribe("room:x1");
      await c.subscribe("room:x2");
    }
    const pub = await callApi(a.httpUrl, "POST", "/v1/publish", {
      key: PUBLISHER,
      body: { ch: "room:x1", data: "one" },
    });
    expect(pub.body.seq).toBe(1);
    const res = await callApi(b.httpUrl, "POST", "/v1/broadcast", {
      key: PUBLISHER,
      body: { channels: ["room:x1", "room:x2"], data: "both", id: "bc-1" },
    });
    expect(res.body).toMatchObject({ published: 2, failed: 0 });
    for (const c of [onA, onB]) {
      await c.next(
        (f) => f.op === "msg" && f.ch === "room:x1" && f.data === "both" && f.seq === 2,
        "broadcast on x1",
      );
      await c.next(
        (f) => f.op === "msg" && f.ch === "room:x2" && f.data === "both",
        "broadcast on x2",
      );
    }
    const history = await callApi(a.httpUrl, "GET", "/v1/channels/room:x1/history", {
      key: READER,
    });
    expect((history.body.messages as { data: unknown }[]).map((m) => m.data)).toEqual([
      "one",
      "both",
    ]);
  });

  it("counts subscribers on both nodes, asked on either", async () => {
    for (const [node, sub] of [
      [a, "c1"],
      [a, "c2"],
      [b, "c3"],
    ] as const)
      await (await Client.open(node, sub)).subscribe("room:count");
    for (const node of [a, b]) {
      const res = await callApi(node.httpUrl, "GET", "/v1/channels/room:count", { key: READER });
      expect(res.body).toMatchObject({
        subscribers: 3,
        nodes: { answered: 2, expected: 2 },
        partial: false,
      });
    }
  });

  it("disconnects and unsubscribes a user on both nodes", async () => {
    const onA = await Client.open(a, "eve");
    const onB = await Client.open(b, "eve");
    for (const c of [onA, onB]) await c.subscribe("room:eve");
    const unsub = await callApi(a.httpUrl, "POST", "/v1/users/eve/unsubscribe", {
      key: ADMIN,
      body: { ch: "room:eve" },
    });
    expect(unsub.body).toMatchObject({ connections: 2, partial: false });
    for (const c of [onA, onB])
      await c.next((f) => f.op === "error" && f.ch === "room:eve", "the unsubscribe notice");
    const off = await callApi(b.httpUrl, "POST", "/v1/users/eve/disconnect", {
      key: ADMIN,
      body: { code: 4003, reason: "bye" },
    });
    expect(off.body).toMatchObject({ user: "eve", connections: 2, partial: false });
    for (const c of [onA, onB])
      expect(await waitFor("the close", () => c.closed, 10_000)).toEqual({
        code: 4003,
        reason: "bye",
      });
  });

  it("lists both nodes, and refuses keys without the scope", async () => {
    const res = await callApi(b.httpUrl, "GET", "/v1/nodes", { key: ADMIN });
    expect((res.body.items as { id: string }[]).map((n) => n.id)).toEqual(["api-a", "api-b"]);
    expect((await callApi(a.httpUrl, "GET", "/v1/nodes", { key: READER })).status).toBe(403);
    expect(
      (await callApi(a.httpUrl, "POST", "/v1/publish", { key: READER, body: { ch: "a", data: 1 } }))
        .status,
    ).toBe(403);
    expect((await callApi(a.httpUrl, "GET", "/v1/nodes", { key: null })).status).toBe(401);
  });

  // Last: node B stays frozen until afterAll.
  it("answers partial, naming the frozen node, within the control timeout", async () => {
    b.process.child.kill("SIGSTOP");
    const opts = { key: ADMIN, timeoutMs: 5_000 };
    const res = await callApi(a.httpUrl, "GET", "/v1/nodes", opts);
    expect(res.body).toMatchObject({
      nodes: { answered: 1, expected: 2, missing: ["api-b"] },
      partial: true,
    });
    const info = await callApi(a.httpUrl, "GET", "/v1/channels/room:count", opts);
    expect(info.body).toMatchObject({ subscribers: 2, partial: true });
    const off = await callApi(a.httpUrl, "POST", "/v1/users/nobody/disconnect", opts);
    expect(off.body).toMatchObject({ connections: 0, partial: true });
    b.process.child.kill("SIGCONT");
    await waitFor(
      "node B to answer again",
      async () => !(await callApi(a.httpUrl, "GET", "/v1/nodes", opts)).body.partial,
      10_000,
    );
  });
});
