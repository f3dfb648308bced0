// Presence across three real hub processes on one real Redis: members of every node seen from
// every node, join/leave fanned out across nodes, and a SIGKILLed node's members removed, with
// their leaves, by the survivors within two presence heartbeats.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ensureHubBuilt,
  type HubProcess,
  startHubProcess,
} from "../../loadtests/harness/hub-process.js";
import { type RunningRedis, startRedis } from "../../loadtests/harness/redis.js";
import { type Frame, releaseAll, TestClient, waitFor } from "../hub/testing/hub-harness.js";

const HEARTBEAT_MS = 1_000;
const env = {
  NAMESPACES: JSON.stringify({ chat: { presence: true, joinLeave: true } }),
  PRESENCE_HEARTBEAT_SECONDS: String(HEARTBEAT_MS / 1000),
  MAX_PRESENCE_RATE: "1000",
};

let redis: RunningRedis;
let hubs: HubProcess[] = [];

beforeAll(async () => {
  ensureHubBuilt();
  redis = await startRedis();
  hubs = await Promise.all(
    ["pres-a", "pres-b", "pres-c"].map((nodeId) =>
      startHubProcess({ nodeId, redisUrl: redis.url, env }, 60_000),
    ),
  );
}, 180_000);

afterAll(async () => {
  await releaseAll();
  await Promise.all(hubs.map((h) => h.stop()));
  await redis?.stop();
});

async function presence(c: TestClient, ch: string): Promise<string[]> {
  const id = `p${Math.random().toString(36).slice(2)}`;
  c.send({ op: "presence", ch, id, limit: 1000 });
  const r = await c.next((f) => f.op === "presence" && f.id === id, "presence reply", 5_000);
  return (r.members as Frame[]).map((m) => `${m.node}/${m.client}`).sort();
}

/** Join/leave events a watcher saw about one client, in order. */
function about(c: TestClient, client: string): string[] {
  return c.frames
    .filter((f) => (f.op === "join" || f.op === "leave") && (f.who as Frame).client === client)
    .map((f) => f.op);
}

describe("presence on three hub processes and one Redis", () => {
  it("shows every node's members from every node; a SIGKILLed node's members leave within two heartbeats", async () => {
    const [a, b, c] = hubs as [HubProcess, HubProcess, HubProcess];
    const ch = "chat:cluster";
    const watchers = [await TestClient.connect(a.wsUrl), await TestClient.connect(b.wsUrl)];
    for (const w of watchers) await w.subscribe(ch);
    const members: { node: string; client: string; conn: TestClient }[] = [];
    for (const hub of [a, b, c]) {
      for (let i = 0; i < 3; i++) {
        const conn = await TestClient.connect(hub.wsUrl);
        await conn.subscribe(ch);
        members.push({ node: hub.nodeId, client: String(conn.frames[0]?.conn), conn });
      }
    }
    const everyone = (list: typeof members, extra: TestClient[]) =>
      [
        ...list.map((m) => `${m.node}/${m.client}`),
        ...extra.map((w) => `${w.frames[0]?.node}/${w.frames[0]?.conn}`),
      ].sort();
    for (const w of watchers) expect(await presence(w, ch)).toEqual(everyone(members, watchers));
    // Every watcher saw every member's join, whichever node it joined through.
    for (const w of watchers)
      await waitFor(
        "every join",
        () => members.every((m) => about(w, m.client).length === 1) || undefined,
        5_000,
      );

    const killedAt = Date.now();
    c.process.child.kill("SIGKILL");
    await c.process.exited;
    const live = members.filter((m) => m.node !== c.nodeId);
    const gone = members.filter((m) => m.node === c.nodeId);
    for (const w of watchers) {
      await waitFor(
        "presence without the killed node's members",
        async () =>
          JSON.stringify(await presence(w, ch)) === JSON.stringify(everyone(live, watchers)) ||
          undefined,
        2 * HEARTBEAT_MS + 1_000,
      );
    }
    const tookMs = Date.now() - killedAt;
    expect(tookMs).toBeLessThanOrEqual(2 * HEARTBEAT_MS + 1_000);
    for (const w of watchers) {
      await waitFor(
        "every leave",
        () => gone.every((m) => about(w, m.client).length === 2) || undefined,
        3_000,
      );
      for (const m of gone) expect(about(w, m.client)).toEqual(["join", "leave"]);
      for (const m of live) expect(about(w, m.client)).toEqual(["join"]);
    }
    // A leave through a live node, seen on the other node.
    const leaver = live[0] as (typeof live)[number];
    leaver.conn.send({ op: "unsub", ch });
    for (const w of watchers)
      await waitFor(
        "the unsub's leave",
        () => about(w, leaver.client).length === 2 || undefined,
        3_000,
      );
  });
});
