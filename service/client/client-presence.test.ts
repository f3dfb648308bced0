import { afterEach, describe, expect, it } from "vitest";
import { releaseAll, startHub as startRealHub, wsUrl } from "../hub/testing/hub-harness.js";
import type { HubClient } from "./client.js";
import type { HubClientError } from "./client-error.js";
import type { PresenceChangeEvent } from "./client-events.js";
import { createNodeClient, type NodeClientOptions } from "./node.js";
import { FakeHub, waitFor } from "./test/fake-hub.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await releaseAll();
});

async function startHub(): Promise<FakeHub> {
  const hub = await FakeHub.start();
  cleanups.push(() => hub.stop());
  return hub;
}

function client(urls: string, more: Partial<NodeClientOptions> = {}): HubClient {
  const c = createNodeClient({ urls, backoff: { initialMs: 10, maxMs: 50 }, ...more });
  cleanups.push(() => c.close());
  return c;
}

const member = { client: "c1", user: "alice", node: "n1" };

describe("HubClient presence", () => {
  it("resolves presence() with the reply carrying its id, and presenceCount() with the count", async () => {
    const hub = await startHub();
    hub.intercept = (conn, f) => {
      if (f.op !== "presence") return false;
      // Another request's reply first: it must not settle this one.
      conn.send({ op: "presence", ch: f.ch, id: "not-yours", count: 99 });
      if (f.countOnly) conn.send({ op: "presence", ch: f.ch, id: f.id, count: 7 });
      else
        conn.send({
          op: "presence",
          ch: f.ch,
          id: f.id,
          members: [member],
          count: 7,
          cursor: "5:0",
        });
      return true;
    };
    const c = client(hub.url);
    await c.connect();
    await expect(c.presence("chat:1", { limit: 1 })).resolves.toEqual({
      members: [member],
      count: 7,
      cursor: "5:0",
    });
    await expect(c.presenceCount("chat:1")).resolves.toBe(7);
    expect(hub.received("presence")).toEqual([
      { op: "presence", ch: "chat:1", id: expect.any(String), limit: 1 },
      { op: "presence", ch: "chat:1", id: expect.any(String), countOnly: true },
    ]);
  });

  it("sends a request again on the next connection when the first dropped before the reply", async () => {
    const hub = await startHub();
    let seen = 0;
    hub.intercept = (conn, f) => {
      if (f.op !== "presence") return false;
      if (++seen === 1) conn.ws.terminate();
      else conn.send({ op: "presence", ch: f.ch, id: f.id, count: 1, members: [member] });
      return true;
    };
    const c = client(hub.url);
    await c.connect();
    await expect(c.presence("chat:1")).resolves.toMatchObject({ count: 1 });
    expect(seen).toBe(2);
  });

  it("rejects with the hub's typed code, and rejects what waits when closed", async () => {
    const hub = await startHub();
    hub.intercept = (conn, f) => {
      if (f.op !== "presence") return false;
      if (f.ch === "room:1") {
        const message = "no presence here";
        conn.send({
          op: "error",
          code: "presence_disabled",
          message,
          retryable: false,
          id: f.id,
          ch: f.ch,
        });
      }
      return true; // chat:* never answered
    };
    const c = client(hub.url);
    await c.connect();
    const refused = (await c.presence("room:1").catch((e: unknown) => e)) as HubClientError;
    expect(refused.code).toBe("presence_disabled");
    expect(refused.ch).toBe("room:1");
    const waiting = c.presence("chat:1").catch((e: unknown) => e);
    await c.close();
    expect(((await waiting) as HubClientError).code).toBe("closed");
    await expect(c.presence("bad channel")).rejects.toMatchObject({ code: "closed" });
  });

  it("refuses a bad channel or limit before sending anything", async () => {
    const hub = await startHub();
    const c = client(hub.url);
    await c.connect();
    await expect(c.presence("no spaces")).rejects.toMatchObject({ code: "bad_request" });
    await expect(c.presence("chat:1", { limit: 0 })).rejects.toMatchObject({ code: "bad_request" });
    expect(hub.received("presence")).toEqual([]);
  });

  it("emits typed join and leave events of subscribed channels from a real hub", async () => {
    const node = await startRealHub({
      AUTH_DISABLED: "true",
      NAMESPACES: JSON.stringify({ chat: { presence: true, joinLeave: true } }),
    });
    const watcher = client(wsUrl(node));
    const events: string[] = [];
    const on = (kind: string) => (e: PresenceChangeEvent) =>
      events.push(`${kind} ${e.ch} ${e.who.client} ${e.who.node}`);
    watcher.on("join", on("join"));
    watcher.on("leave", on("leave"));
    await watcher.connect();
    await watcher.subscribe("chat:room");
    const other = client(wsUrl(node));
    const hello = await other.connect();
    await other.subscribe("chat:room");
    await waitFor("the join", () => events.length === 1);
    expect(await watcher.presenceCount("chat:room")).toBe(2);
    const page = await watcher.presence("chat:room", { limit: 1 });
    expect(page.members).toHaveLength(1);
    expect(page.count).toBe(2);
    expect(page.cursor).toEqual(expect.any(String));
    await other.unsubscribe("chat:room");
    await waitFor("the leave", () => events.length === 2);
    expect(events).toEqual([
      `join chat:room ${hello.conn} unit-node`,
      `leave chat:room ${hello.conn} unit-node`,
    ]);
  });
});
