// The cross-node calls of the server API on two in-process nodes of one control group (the
// memory bus), and a third member that never answers: the answer comes back partial within
// CONTROL_TIMEOUT_SECONDS. Every answer is checked against docs/api.yaml.
import { afterEach, describe, expect, it } from "vitest";
import { MemoryControlGroup, MemoryControlPlane } from "../../bus/index.js";
import type { HubNode } from "../node.js";
import {
  httpUrl,
  mintToken,
  releaseAll,
  startHub,
  TEST_SECRET,
  TestClient,
  wsUrl,
} from "../testing/hub-harness.js";
import { callApi } from "./testing/index.js";

const KEY = "cluster-api-key-0123456789";
const frozen: MemoryControlPlane[] = [];

afterEach(async () => {
  await Promise.all(frozen.splice(0).map((p) => p.stop()));
  await releaseAll();
});

async function twoNodes(
  env: Record<string, string> = {},
): Promise<{ a: HubNode; b: HubNode; group: MemoryControlGroup }> {
  const group = new MemoryControlGroup();
  const settings = { API_KEY: KEY, AUTH_JWT_SECRET: TEST_SECRET, ...env };
  const a = await startHub({ ...settings, NODE_ID: "node-a" }, { controlGroup: group });
  const b = await startHub({ ...settings, NODE_ID: "node-b" }, { controlGroup: group });
  return { a, b, group };
}

/** A member of the group whose handler never answers: a frozen node, seen from the others. */
async function freeze(group: MemoryControlGroup): Promise<void> {
  const plane = new MemoryControlPlane("node-frozen", group);
  await plane.start(() => new Promise(() => {}));
  frozen.push(plane);
}

async function user(node: HubNode, sub: string): Promise<TestClient> {
  const token = await mintToken({ sub, channels: ["room:*"] });
  return TestClient.connect(wsUrl(node), { token });
}

describe("cross-node API on the memory bus", () => {
  it("counts a channel's subscribers on every node, asked on either", async () => {
    const { a, b } = await twoNodes();
    for (const [node, n] of [
      [a, 2],
      [b, 1],
    ] as const)
      for (let i = 0; i < n; i++) await (await user(node, `u${i}`)).subscribe("room:c");
    await (await user(b, "other")).subscribe("room:other");
    for (const node of [a, b]) {
      const res = await callApi(httpUrl(node, ""), "GET", "/v1/channels/room:c", { key: KEY });
      expect(res.body).toMatchObject({
        subscribers: 3,
        nodes: { answered: 2, expected: 2, missing: [] },
        partial: false,
      });
    }
  });

  it("disconnects a user's connections on every node with the given code and reason", async () => {
    const { a, b } = await twoNodes();
    const alice = [await user(a, "alice"), await user(a, "alice"), await user(b, "alice")];
    const bob = await user(b, "bob");
    const res = await callApi(httpUrl(a, ""), "POST", "/v1/users/alice/disconnect", {
      key: KEY,
      body: { code: 4001, reason: "account suspended" },
    });
    expect(res.body).toMatchObject({
      user: "alice",
      connections: 3,
      nodes: { answered: 2, expected: 2 },
      partial: false,
    });
    for (const c of alice)
      expect(await c.waitClosed()).toEqual({ code: 4001, reason: "account suspended" });
    expect(bob.open).toBe(true);
    const again = await callApi(httpUrl(b, ""), "POST", "/v1/users/alice/disconnect", { key: KEY });
    expect(again.body.connections).toBe(0);
  });

  it("unsubscribes a user from one channel on every node; other channels and users keep theirs", async () => {
    const { a, b } = await twoNodes();
    const onA = await user(a, "alice");
    const onB = await user(b, "alice");
    const bob = await user(a, "bob");
    for (const c of [onA, onB, bob]) await c.subscribe("room:u");
    await onA.subscribe("room:keep");
    const res = await callApi(httpUrl(b, ""), "POST", "/v1/users/alice/unsubscribe", {
      key: KEY,
      body: { ch: "room:u" },
    });
    expect(res.body).toMatchObject({ user: "alice", ch: "room:u", connections: 2, partial: false });
    for (const c of [onA, onB])
      await c.next(
        (f) => f.op === "error" && f.ch === "room:u" && f.code === "forbidden",
        "the unsubscribe notice",
      );
    const info = await callApi(httpUrl(a, ""), "GET", "/v1/channels/room:u", { key: KEY });
    expect(info.body.subscribers).toBe(1);
    expect(
      (await callApi(httpUrl(a, ""), "GET", "/v1/channels/room:keep", { key: KEY })).body
        .subscribers,
    ).toBe(1);
    // Subscribed again, the user is counted again: the API ended a subscription, not a right.
    await onA.subscribe("room:u");
    expect(
      (await callApi(httpUrl(a, ""), "GET", "/v1/channels/room:u", { key: KEY })).body.subscribers,
    ).toBe(2);
  });

  it("lists every node with its version, connections, subscriptions and uptime", async () => {
    const { a, b } = await twoNodes({ APP_VERSION: "9.9.9" });
    const c = await user(b, "carol");
    await c.subscribe("room:n1");
    await c.subscribe("room:n2");
    const res = await callApi(httpUrl(a, ""), "GET", "/v1/nodes", { key: KEY });
    expect(res.body.items).toEqual([
      {
        id: "node-a",
        version: "9.9.9",
        connections: 0,
        subscriptions: 0,
        channels: 0,
        uptimeSeconds: expect.any(Number),
      },
      {
        id: "node-b",
        version: "9.9.9",
        connections: 1,
        subscriptions: 2,
        channels: 2,
        uptimeSeconds: expect.any(Number),
      },
    ]);
    expect(res.body).toMatchObject({
      nodes: { answered: 2, expected: 2, missing: [] },
      partial: false,
    });
  });

  it("answers partial within the timeout when a node does not answer, naming it", async () => {
    const { a, b, group } = await twoNodes({ CONTROL_TIMEOUT_SECONDS: "0.3" });
    await freeze(group);
    await (await user(b, "dave")).subscribe("room:p");
    const reach = { nodes: { answered: 2, expected: 3, missing: ["node-frozen"] }, partial: true };
    // A fetch bound far above the control timeout: a hang fails here, not a slow machine.
    const opts = { key: KEY, timeoutMs: 5_000 };
    const info = await callApi(httpUrl(a, ""), "GET", "/v1/channels/room:p", opts);
    expect(info.body).toMatchObject({ subscribers: 1, ...reach });
    const nodes = await callApi(httpUrl(a, ""), "GET", "/v1/nodes", opts);
    expect(nodes.body).toMatchObject(reach);
    expect((nodes.body.items as { id: string }[]).map((n) => n.id)).toEqual(["node-a", "node-b"]);
    const off = await callApi(httpUrl(a, ""), "POST", "/v1/users/dave/disconnect", {
      ...opts,
      body: {},
    });
    expect(off.body).toMatchObject({ connections: 1, ...reach });
    const unsub = await callApi(httpUrl(b, ""), "POST", "/v1/users/dave/unsubscribe", {
      ...opts,
      body: { ch: "room:p" },
    });
    expect(unsub.body).toMatchObject({ connections: 0, ...reach });
  });

  it("forgets a stopped node at once: no partial answers after a clean shutdown", async () => {
    const { a, b } = await twoNodes();
    await b.stop();
    const res = await callApi(httpUrl(a, ""), "GET", "/v1/nodes", { key: KEY });
    expect(res.body).toMatchObject({
      nodes: { answered: 1, expected: 1, missing: [] },
      partial: false,
    });
  });

  it("refuses bad disconnect and unsubscribe input with 400 bad_request", async () => {
    const { a } = await twoNodes();
    const cases: [string, unknown, RegExp][] = [
      ["disconnect", { code: 1000 }, /4000 to 4999/],
      ["disconnect", { code: 4000.5 }, /4000 to 4999/],
      ["disconnect", { reason: "x".repeat(121) }, /at most 120 bytes/],
      ["disconnect", { reason: 5 }, /`reason`/],
      ["unsubscribe", {}, /`ch` must match/],
      ["unsubscribe", { ch: "no spaces" }, /`ch` must match/],
    ];
    for (const [op, body, message] of cases) {
      const res = await callApi(httpUrl(a, ""), "POST", `/v1/users/alice/${op}`, {
        key: KEY,
        body,
      });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: "bad_request" });
      expect(res.body.error).toMatch(message);
    }
  });
});
