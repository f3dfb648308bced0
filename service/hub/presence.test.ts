// Namespaces and presence on one node (memory bus): the presence op, join/leave frames, the
// member bound, client publish and resume per namespace, and the HTTP presence endpoint.
import { afterEach, describe, expect, it } from "vitest";
import {
  type Frame,
  httpUrl,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  waitFor,
  wsUrl,
} from "./testing/hub-harness.js";

afterEach(releaseAll);

const NAMESPACES = JSON.stringify({
  chat: { presence: true, joinLeave: true },
  quiet: { presence: true },
  feed: { clientPublish: false, history: { size: 2, ttlSeconds: 60 } },
  live: { history: false },
  norec: { recover: false },
});

async function hub(env: Record<string, string> = {}) {
  return startHub({ AUTH_DISABLED: "true", NAMESPACES, ...env });
}

/** Sends `presence` with an id and waits for its reply (or error). */
async function ask(c: TestClient, frame: Record<string, unknown>): Promise<Frame> {
  const id = `q${Math.random().toString(36).slice(2)}`;
  c.send({ op: "presence", id, ...frame });
  return c.next((f) => (f.op === "presence" || f.op === "error") && f.id === id, "presence reply");
}

describe("presence on one node", () => {
  it("lists subscribers with client, user and node, and counts them", async () => {
    const node = await startHub({
      NAMESPACES,
      MAX_PRESENCE_RATE: "100",
      AUTH_JWT_SECRET: TEST_SECRET,
    });
    const alice = await TestClient.connect(wsUrl(node), {
      token: await mintToken({ sub: "alice", channels: ["chat:*"] }),
    });
    const bob = await TestClient.connect(wsUrl(node), {
      token: await mintToken({ sub: "bob", channels: ["chat:*"] }),
    });
    await alice.subscribe("chat:1");
    await bob.subscribe("chat:1");
    const reply = await ask(alice, { ch: "chat:1" });
    const ids = [alice, bob].map((c) => c.frames[0]?.conn);
    expect(reply.count).toBe(2);
    expect(reply.cursor).toBeUndefined();
    expect(
      (reply.members as Frame[]).sort((a, b) => String(a.user).localeCompare(String(b.user))),
    ).toEqual([
      { client: ids[0], user: "alice", node: "unit-node" },
      { client: ids[1], user: "bob", node: "unit-node" },
    ]);
    expect(await ask(bob, { ch: "chat:1", countOnly: true })).toEqual({
      op: "presence",
      ch: "chat:1",
      id: expect.any(String),
      count: 2,
    });
    bob.send({ op: "unsub", ch: "chat:1" });
    await waitFor(
      "bob gone from presence",
      async () => (await ask(alice, { ch: "chat:1", countOnly: true })).count === 1,
      2_000,
    );
  });

  it("pages a big channel: every member once across pages of `limit`", async () => {
    const node = await hub({ MAX_PRESENCE_RATE: "100" });
    const members: TestClient[] = [];
    for (let i = 0; i < 12; i++) {
      const c = await TestClient.connect(wsUrl(node));
      await c.subscribe("quiet:big");
      members.push(c);
    }
    const reader = members[0] as TestClient;
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await ask(reader, { ch: "quiet:big", limit: 5, ...(cursor ? { cursor } : {}) });
      expect((r.members as Frame[]).length).toBeLessThanOrEqual(5);
      seen.push(...(r.members as Frame[]).map((m) => String(m.client)));
      cursor = r.cursor as string | undefined;
      if (cursor === undefined) break;
    }
    expect(seen.sort()).toEqual(members.map((c) => String(c.frames[0]?.conn)).sort());
  });

  it("sends join and leave to subscribers of a joinLeave namespace, each leave after its join", async () => {
    const node = await hub();
    const watcher = await TestClient.connect(wsUrl(node));
    await watcher.subscribe("chat:room");
    const other = await TestClient.connect(wsUrl(node));
    const otherId = other.frames[0]?.conn;
    await other.subscribe("chat:room");
    const who = { client: otherId, user: "", node: "unit-node" };
    await watcher.next((f) => f.op === "join" && (f.who as Frame).client === otherId, "join");
    other.ws.terminate();
    await watcher.next((f) => f.op === "leave" && (f.who as Frame).client === otherId, "leave");
    const events = watcher.frames.filter(
      (f) => (f.op === "join" || f.op === "leave") && (f.who as Frame).client === otherId,
    );
    expect(events).toEqual([
      { op: "join", ch: "chat:room", who },
      { op: "leave", ch: "chat:room", who },
    ]);
  });

  it("sends no join or leave in a presence namespace without joinLeave", async () => {
    const node = await hub({ MAX_PRESENCE_RATE: "100" });
    const watcher = await TestClient.connect(wsUrl(node));
    await watcher.subscribe("quiet:room");
    const other = await TestClient.connect(wsUrl(node));
    await other.subscribe("quiet:room");
    other.send({ op: "unsub", ch: "quiet:room", id: "u" });
    await other.next((f) => f.op === "unsubscribed", "unsubscribed");
    // A round trip through the same node after the leave: a join or leave would be here by now.
    expect((await ask(watcher, { ch: "quiet:room" })).count).toBe(1);
    expect(watcher.frames.filter((f) => f.op === "join" || f.op === "leave")).toEqual([]);
  });

  it("refuses a sub past MAX_PRESENCE_MEMBERS with too_many_members, and takes it once one left", async () => {
    const node = await hub({ MAX_PRESENCE_MEMBERS: "2" });
    const a = await TestClient.connect(wsUrl(node));
    const b = await TestClient.connect(wsUrl(node));
    const c = await TestClient.connect(wsUrl(node));
    await a.subscribe("chat:full");
    await b.subscribe("chat:full");
    c.send({ op: "sub", ch: "chat:full", id: "s" });
    const err = await c.next((f) => f.op === "error" && f.id === "s", "refusal");
    expect(err).toMatchObject({ code: "too_many_members", retryable: true, ch: "chat:full" });
    expect(err.message).toMatch(/MAX_PRESENCE_MEMBERS/);
    expect((await ask(a, { ch: "chat:full", countOnly: true })).count).toBe(2);
    a.ws.terminate();
    await waitFor(
      "a gone",
      async () => (await ask(b, { ch: "chat:full", countOnly: true })).count === 1,
      2_000,
    );
    await c.subscribe("chat:full");
  });

  it("answers presence on a channel without presence with presence_disabled", async () => {
    const node = await hub();
    const c = await TestClient.connect(wsUrl(node));
    const r = await ask(c, { ch: "room:1" });
    expect(r).toMatchObject({ op: "error", code: "presence_disabled", retryable: false });
    expect(r.message).toMatch(/NAMESPACES/);
  });

  it("rate-limits presence frames past MAX_PRESENCE_RATE", async () => {
    const node = await hub({ MAX_PRESENCE_RATE: "2" });
    const c = await TestClient.connect(wsUrl(node));
    for (let i = 0; i < 6; i++)
      c.send({ op: "presence", ch: "chat:x", countOnly: true, id: `r${i}` });
    await c.next((f) => f.id === "r5", "the last answer");
    const limited = c.frames.filter((f) => f.op === "error" && f.code === "rate_limited");
    expect(limited.length).toBeGreaterThanOrEqual(3);
  });

  it("refuses presence on a channel the token does not allow", async () => {
    const node = await startHub({ NAMESPACES, AUTH_JWT_SECRET: TEST_SECRET });
    const c = await TestClient.connect(wsUrl(node), {
      token: await mintToken({ sub: "u", channels: ["chat:mine"] }),
    });
    expect(await ask(c, { ch: "chat:other" })).toMatchObject({ op: "error", code: "forbidden" });
  });
});

describe("namespace options", () => {
  it("refuses a client pub where clientPublish is false; the server API still publishes", async () => {
    const node = await hub();
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("feed:news");
    c.send({ op: "pub", ch: "feed:news", data: 1, id: "p" });
    const err = await c.next((f) => f.op === "error" && f.id === "p", "refusal");
    expect(err).toMatchObject({ code: "client_publish_disabled", retryable: false });
    const res = await fetch(httpUrl(node, "/v1/publish"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ch: "feed:news", data: "from the server" }),
    });
    expect(res.status).toBe(200);
    await c.next((f) => f.op === "msg" && f.data === "from the server", "the API's message");
  });

  it("keeps a namespace's own history size: a resume past it is not recovered", async () => {
    const node = await hub();
    const c = await TestClient.connect(wsUrl(node));
    const sub = await c.subscribe("feed:h");
    for (let i = 1; i <= 3; i++) {
      await fetch(httpUrl(node, "/v1/publish"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ch: "feed:h", data: i }),
      });
    }
    const r = await TestClient.connect(wsUrl(node));
    const late = await r.subscribe("feed:h", { since: 1, epoch: sub.epoch });
    expect(late).toMatchObject({ recovered: true, seq: 3 });
    const r2 = await TestClient.connect(wsUrl(node));
    const gone = await r2.subscribe("feed:h", { since: 0, epoch: sub.epoch });
    expect(gone).toMatchObject({ recovered: false, seq: 3 });
  });

  it("answers a resume with recovered:false and no replay where history is false or recover is false", async () => {
    const node = await hub();
    for (const ch of ["live:a", "norec:a"]) {
      const c = await TestClient.connect(wsUrl(node));
      const sub = await c.subscribe(ch);
      c.send({ op: "pub", ch, data: 1, id: "p1" });
      await c.next((f) => f.op === "ok" && f.id === "p1", "ok");
      const again = await TestClient.connect(wsUrl(node));
      const r = await again.subscribe(ch, { since: 0, epoch: sub.epoch });
      expect(r).toMatchObject({ recovered: false, seq: 1 });
      expect(again.where("msg", ch)).toEqual([]);
    }
  });
});

describe("GET /v1/channels/{ch}/presence", () => {
  const KEY = "k".repeat(32);
  const get = (node: Awaited<ReturnType<typeof hub>>, path: string, key = KEY) =>
    fetch(httpUrl(node, path), { headers: { authorization: `Bearer ${key}` } });

  it("lists members and counts them behind the API key", async () => {
    const node = await hub({ API_KEY: KEY });
    const a = await TestClient.connect(wsUrl(node));
    const b = await TestClient.connect(wsUrl(node));
    await a.subscribe("chat:h");
    await b.subscribe("chat:h");
    expect((await get(node, "/v1/channels/chat:h/presence", "wrong")).status).toBe(401);
    const page = await get(node, "/v1/channels/chat:h/presence?limit=1");
    expect(page.status).toBe(200);
    const body = (await page.json()) as { members: Frame[]; count: number; cursor?: string };
    expect(body.count).toBe(2);
    expect(body.members).toHaveLength(1);
    const next = await get(node, `/v1/channels/chat:h/presence?limit=1&cursor=${body.cursor}`);
    const rest = (await next.json()) as { members: Frame[] };
    expect([...body.members, ...rest.members].map((m) => m.client).sort()).toEqual(
      [a, b].map((c) => c.frames[0]?.conn).sort(),
    );
    const count = await get(node, "/v1/channels/chat:h/presence?countOnly=true");
    expect(await count.json()).toEqual({ ch: "chat:h", count: 2 });
  });

  it("answers 404 presence_disabled for a channel without presence and 400 for a bad limit", async () => {
    const node = await hub({ API_KEY: KEY });
    const off = await get(node, "/v1/channels/room:1/presence");
    expect(off.status).toBe(404);
    expect(await off.json()).toMatchObject({ code: "presence_disabled" });
    const bad = await get(node, "/v1/channels/chat:1/presence?limit=5000");
    expect(bad.status).toBe(400);
  });
});
