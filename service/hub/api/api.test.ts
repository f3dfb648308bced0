// The server API on one node: scopes, publish and broadcast, history, bad input; every answer
// checked against docs/api.yaml.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { MemoryPresence } from "../../bus/index.js";
import { UnavailableError } from "../../errors.js";
import { ERROR_CODES } from "../../protocol/index.js";
import type { HubNode, HubNodeOptions } from "../node.js";
import {
  httpUrl,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  wsUrl,
} from "../testing/hub-harness.js";
import { apiDoc, callApi, seen } from "./testing/index.js";

afterEach(releaseAll);

const ALL = "all-scopes-key-0123456789";
const KEYS = [
  { name: "publisher", key: "publish-key-0123456789", scopes: ["publish"] },
  { name: "reader", key: "read-key-0123456789abc", scopes: ["read"] },
  { name: "admin", key: "admin-key-0123456789ab", scopes: ["admin"] },
];
const KEY = { publish: KEYS[0]?.key, read: KEYS[1]?.key, admin: KEYS[2]?.key } as Record<
  string,
  string
>;

/** `chat:*` tracks presence, so its endpoint answers 200. */
const NAMESPACES = JSON.stringify({ chat: { presence: true } });

function hub(env: Record<string, string> = {}, options: HubNodeOptions = {}): Promise<HubNode> {
  return startHub(
    {
      API_KEY: ALL,
      API_KEYS: JSON.stringify(KEYS),
      AUTH_JWT_SECRET: TEST_SECRET,
      NAMESPACES,
      ...env,
    },
    options,
  );
}

/** Every documented operation with a path that reaches it and a body it accepts. */
const ROUTES: { method: "GET" | "POST"; path: string; scope: string; body?: unknown }[] = [
  { method: "POST", path: "/v1/publish", scope: "publish", body: { ch: "room:s", data: 1 } },
  {
    method: "POST",
    path: "/v1/broadcast",
    scope: "publish",
    body: { channels: ["room:s"], data: 1 },
  },
  { method: "GET", path: "/v1/channels/room:s", scope: "read" },
  { method: "GET", path: "/v1/channels/room:s/history", scope: "read" },
  { method: "GET", path: "/v1/channels/chat:s/presence", scope: "read" },
  { method: "POST", path: "/v1/users/alice/disconnect", scope: "admin", body: {} },
  { method: "POST", path: "/v1/users/alice/unsubscribe", scope: "admin", body: { ch: "room:s" } },
  { method: "GET", path: "/v1/nodes", scope: "admin" },
];

describe("API keys and scopes", () => {
  it("answers 401 without a key or with a wrong one, 403 with a key lacking the scope, 200 with it", async () => {
    const node = await hub();
    const base = httpUrl(node, "");
    for (const r of ROUTES) {
      const what = `${r.method} ${r.path}`;
      const none = await callApi(base, r.method, r.path, { key: null, body: r.body });
      expect(none.status, what).toBe(401);
      expect(none.body.code).toBe("unauthorized");
      const wrong = await callApi(base, r.method, r.path, {
        key: "not-a-key-0123456789xyz",
        body: r.body,
      });
      expect(wrong.status, what).toBe(401);
      for (const [scope, key] of Object.entries(KEY)) {
        const res = await callApi(base, r.method, r.path, { key, body: r.body });
        if (scope === r.scope) expect(res.status, `${what} with ${scope}`).toBe(200);
        else {
          expect(res.status, `${what} with ${scope}`).toBe(403);
          expect(res.body.code).toBe("forbidden");
          expect(res.body.error).toMatch(new RegExp(`lacks the "${r.scope}" scope`));
          expect(JSON.stringify(res.body)).not.toContain(key);
        }
      }
      expect((await callApi(base, r.method, r.path, { key: ALL, body: r.body })).status, what).toBe(
        200,
      );
    }
  });

  it("is open with no key configured (development), every route", async () => {
    const node = await startHub({ NAMESPACES });
    for (const r of ROUTES)
      expect(
        (await callApi(httpUrl(node, ""), r.method, r.path, { key: null, body: r.body })).status,
      ).toBe(200);
  });
});

describe("publish and broadcast", () => {
  it("broadcasts one message to many channels, a result per channel, delivered on each", async () => {
    const node = await hub({ AUTH_DISABLED: "true", AUTH_JWT_SECRET: "" });
    const c = await TestClient.connect(wsUrl(node));
    await c.subscribe("room:a");
    await c.subscribe("room:b");
    await callApi(httpUrl(node, ""), "POST", "/v1/publish", {
      key: ALL,
      body: { ch: "room:b", data: 0 },
    });
    const res = await callApi(httpUrl(node, ""), "POST", "/v1/broadcast", {
      key: KEY.publish,
      body: { channels: ["room:a", "room:b", "room:c"], data: { hi: 1 }, id: "b-1" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ published: 3, failed: 0 });
    const results = res.body.results as { ch: string; ok: boolean; seq: number }[];
    expect(results.map((r) => [r.ch, r.ok, r.seq])).toEqual([
      ["room:a", true, 1],
      ["room:b", true, 2],
      ["room:c", true, 1],
    ]);
    await c.next((f) => f.op === "msg" && f.ch === "room:a", "msg on room:a");
    await c.next((f) => f.op === "msg" && f.ch === "room:b" && f.seq === 2, "msg on room:b");
    // The same id again: stored once per channel.
    const again = await callApi(httpUrl(node, ""), "POST", "/v1/broadcast", {
      key: KEY.publish,
      body: { channels: ["room:a", "room:b"], data: { hi: 1 }, id: "b-1" },
    });
    expect((again.body.results as { seq: number }[]).map((r) => r.seq)).toEqual([1, 2]);
  });

  it("reports a typed error per channel that failed and publishes the others", async () => {
    const node = await hub({ MAX_CHANNELS: "2" });
    const res = await callApi(httpUrl(node, ""), "POST", "/v1/broadcast", {
      key: ALL,
      body: { channels: ["room:1", "room:2", "room:3"], data: "x" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ published: 2, failed: 1 });
    expect((res.body.results as unknown[])[2]).toMatchObject({
      ch: "room:3",
      ok: false,
      error: { code: "too_many_channels" },
    });
  });

  it("refuses bad broadcasts with 400 bad_request naming the field", async () => {
    const node = await hub();
    const cases: [unknown, RegExp][] = [
      [{ channels: [], data: 1 }, /1 to 100 channel names/],
      [{ channels: Array.from({ length: 101 }, (_, i) => `c${i}`), data: 1 }, /1 to 100/],
      [{ channels: ["ok", "bad name"], data: 1 }, /channels\[1\]/],
      [{ channels: ["a", "a"], data: 1 }, /twice/],
      [{ channels: ["a"] }, /`data` is required/],
      [{ channels: ["a"], data: 1, id: "" }, /`id`/],
      [[1, 2], /JSON object/],
      ["{not json", /not valid JSON/],
    ];
    for (const [body, message] of cases) {
      const res = await callApi(httpUrl(node, ""), "POST", "/v1/broadcast", { key: ALL, body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code).toBe("bad_request");
      expect(res.body.error).toMatch(message);
    }
  });
});

describe("history", () => {
  it("returns the latest messages, or those after `since`, bounded by `limit`", async () => {
    const node = await hub();
    const base = httpUrl(node, "");
    for (let i = 1; i <= 5; i++)
      await callApi(base, "POST", "/v1/publish", {
        key: ALL,
        body: { ch: "room:h", data: { i }, id: `h${i}` },
      });
    const latest = await callApi(base, "GET", "/v1/channels/room:h/history?limit=2", {
      key: KEY.read,
    });
    expect(latest.body).toMatchObject({ ch: "room:h", seq: 5, complete: true, more: false });
    expect(
      (latest.body.messages as { seq: number; data: unknown; id: string }[]).map((m) => [
        m.seq,
        m.data,
        m.id,
      ]),
    ).toEqual([
      [4, { i: 4 }, "h4"],
      [5, { i: 5 }, "h5"],
    ]);
    const after = await callApi(base, "GET", "/v1/channels/room:h/history?since=1&limit=2", {
      key: KEY.read,
    });
    expect((after.body.messages as { seq: number }[]).map((m) => m.seq)).toEqual([2, 3]);
    expect(after.body.more).toBe(true);
    const all = await callApi(base, "GET", "/v1/channels/room:h/history", { key: KEY.read });
    expect((all.body.messages as unknown[]).length).toBe(5);
    const beyond = await callApi(base, "GET", "/v1/channels/room:h/history?since=9", {
      key: KEY.read,
    });
    expect(beyond.body).toMatchObject({ messages: [], complete: false });
    const info = await callApi(base, "GET", "/v1/channels/room:h", { key: KEY.read });
    expect(info.body).toMatchObject({
      ch: "room:h",
      seq: 5,
      epoch: latest.body.epoch,
      subscribers: 0,
    });
  });

  it("refuses a bad limit, since or channel with 400 bad_request", async () => {
    const node = await hub();
    for (const q of [
      "limit=0",
      "limit=1001",
      "limit=x",
      "since=-1",
      "since=1.5",
      "limit=2&limit=3",
    ]) {
      const res = await callApi(httpUrl(node, ""), "GET", `/v1/channels/room:h/history?${q}`, {
        key: ALL,
      });
      expect(res.status, q).toBe(400);
      expect(res.body).toMatchObject({ code: "bad_request" });
    }
    const bad = await callApi(httpUrl(node, ""), "GET", "/v1/channels/bad%20name", { key: ALL });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/must match/);
  });
});

describe("presence", () => {
  it("pages members, counts them, and answers countOnly with the count alone", async () => {
    const node = await hub({ AUTH_DISABLED: "true", AUTH_JWT_SECRET: "" });
    const base = httpUrl(node, "");
    const clients = [];
    for (let i = 0; i < 3; i++) {
      const c = await TestClient.connect(wsUrl(node));
      await c.subscribe("chat:p");
      clients.push(c.frames[0]?.conn);
    }
    const seenIds: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const q = cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await callApi(base, "GET", `/v1/channels/chat:p/presence?limit=2${q}`, {
        key: KEY.read,
      });
      expect(page.status).toBe(200);
      expect(page.body).toMatchObject({ ch: "chat:p", count: 3 });
      const members = page.body.members as { client: string; user: string; node: string }[];
      expect(members.length).toBeLessThanOrEqual(2);
      for (const m of members) expect(m).toMatchObject({ user: "", node: "unit-node" });
      seenIds.push(...members.map((m) => m.client));
      cursor = page.body.cursor as string | undefined;
      if (cursor === undefined) break;
    }
    expect(seenIds.sort()).toEqual([...clients].sort());
    for (const flag of ["true", "1"]) {
      const count = await callApi(base, "GET", `/v1/channels/chat:p/presence?countOnly=${flag}`, {
        key: KEY.read,
      });
      expect(count.body).toEqual({ ch: "chat:p", count: 3 });
    }
    const full = await callApi(base, "GET", "/v1/channels/chat:p/presence?countOnly=false", {
      key: KEY.read,
    });
    expect((full.body.members as unknown[]).length).toBe(3);
    const empty = await callApi(base, "GET", "/v1/channels/chat:none/presence", { key: KEY.read });
    expect(empty.body).toEqual({ ch: "chat:none", members: [], count: 0 });
  });

  it("refuses bad queries with 400, a channel without presence with 404 presence_disabled", async () => {
    const node = await hub();
    const base = httpUrl(node, "");
    for (const q of [
      "limit=0",
      "limit=1001",
      "limit=x",
      "limit=2&limit=3",
      "cursor=",
      `cursor=${"c".repeat(257)}`,
      "countOnly=yes",
    ]) {
      const res = await callApi(base, "GET", `/v1/channels/chat:p/presence?${q}`, { key: ALL });
      expect(res.status, q).toBe(400);
      expect(res.body.code).toBe("bad_request");
    }
    const badCh = await callApi(base, "GET", "/v1/channels/bad%20name/presence", { key: ALL });
    expect(badCh.status).toBe(400);
    const off = await callApi(base, "GET", "/v1/channels/room:1/presence", { key: ALL });
    expect(off.status).toBe(404);
    expect(off.body.code).toBe("presence_disabled");
    expect(off.body.error).toMatch(/NAMESPACES/);
  });

  it("answers 503 unavailable when the presence store cannot answer", async () => {
    // The store's own failure: Redis away is reported as UnavailableError by both Redis stores.
    class Unreachable extends MemoryPresence {
      override async count(): Promise<number> {
        throw new UnavailableError("presence failed: Redis is unavailable; retry later");
      }
    }
    const node = await hub({}, { presence: new Unreachable() });
    const res = await callApi(
      httpUrl(node, ""),
      "GET",
      "/v1/channels/chat:p/presence?countOnly=1",
      {
        key: ALL,
      },
    );
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("unavailable");
  });
});

describe("docs/api.yaml", () => {
  it("is OpenAPI 3.1 and lists the protocol's error codes", () => {
    expect(apiDoc.openapi).toMatch(/^3\.1\./);
    const codes = (apiDoc.components.schemas.ErrorCode as { enum: string[] }).enum;
    expect([...codes].sort()).toEqual([...ERROR_CODES].sort());
  });

  afterAll(() => {
    // Every documented operation was answered with 200, 401 and 403.
    for (const [path, ops] of Object.entries(apiDoc.paths))
      for (const method of Object.keys(ops))
        for (const status of [200, 401, 403])
          expect(
            seen.has(`${method.toUpperCase()} ${path} ${status}`),
            `${method} ${path} ${status}`,
          ).toBe(true);
  });
});
