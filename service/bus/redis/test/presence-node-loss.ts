// What happens to the members of a node that is gone, on any Redis topology: a node killed
// (SIGKILL, its own process) has its members removed, and their leaves announced by a survivor,
// within two heartbeats; a node only taken for dead (its liveness key gone) adds them back; a
// node that stops leaves them itself.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../../testkit/poll.js";
import type { PresenceEvent } from "../../presence.js";
import { presenceKeys } from "../presence-lua.js";
import type { RedisPresence, RedisPresenceOptions } from "../redis-presence.js";

/** The keys the suite reads and deletes directly, on whichever topology. */
export type PresenceAdmin = {
  del(key: string): Promise<number>;
  exists(key: string): Promise<number>;
  sismember(key: string, member: string): Promise<number>;
};

export type NodeLossTarget = {
  /** A store on the topology under test. */
  store(nodeId: string, heartbeatMs: number): RedisPresence;
  /** The options a child process needs to reach the same topology. */
  options(nodeId: string, heartbeatMs: number): Omit<RedisPresenceOptions, "password" | "logger">;
  admin: PresenceAdmin;
};

const CHILD = fileURLToPath(new URL("./presence-child.ts", import.meta.url));

/** Starts a node in its own process with one member joined; resolves once it has joined. */
async function startChild(spec: object): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: { ...process.env, WSHUB_PRESENCE_CHILD: JSON.stringify(spec) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  try {
    await waitFor(
      "the child node's join",
      () => {
        if (child.exitCode !== null) throw new Error(`the child node exited: ${out}`);
        return out.includes("joined\n") ? true : undefined;
      },
      20_000,
    );
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return child;
}

export function describePresenceNodeLoss(name: string, target: () => NodeLossTarget): void {
  describe(`RedisPresence (${name}): a node that is gone`, () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    });

    it("killed (SIGKILL), has its members removed with a leave by a survivor within two heartbeats", async () => {
      const t = target();
      const heartbeatMs = 1_000;
      const tag = randomBytes(3).toString("hex");
      const survivor = t.store(`survivor-${tag}`, heartbeatMs);
      await survivor.start();
      const events: PresenceEvent[] = [];
      survivor.onEvent((e) => events.push(e));
      const ch = `chat:killed-${tag}`;
      await survivor.watch(ch);
      const killedId = `killed-${tag}`;
      const m = { client: `c-${tag}`, user: "u", node: killedId };
      const child = await startChild({ options: t.options(killedId, heartbeatMs), ch, member: m });
      children.push(child);
      await waitFor("the join seen", () => events.find((e) => e.kind === "join"), 5_000);
      expect(await survivor.count(ch)).toBe(1);
      const killedAt = Date.now();
      child.kill("SIGKILL");
      const leave = await waitFor(
        "the killed node's leave",
        () => (events.some((e) => e.kind === "leave") ? Date.now() : undefined),
        4 * heartbeatMs,
      );
      expect(leave - killedAt).toBeLessThanOrEqual(2 * heartbeatMs);
      expect(events.map((e) => `${e.kind} ${e.who.client}`)).toEqual([
        `join ${m.client}`,
        `leave ${m.client}`,
      ]);
      expect(await survivor.count(ch)).toBe(0);
      expect(await t.admin.sismember(presenceKeys.nodes, killedId)).toBe(0);
      expect(await t.admin.exists(presenceKeys.index(killedId))).toBe(0);
    });

    it("taken for dead, has its members removed with a leave within two heartbeats, then re-added with a join", async () => {
      const t = target();
      const tag = randomBytes(3).toString("hex");
      // The survivor sweeps every 100 ms; the paused node beats only every 4 s.
      const survivor = t.store(`survivor-${tag}`, 200);
      const pausedId = `paused-${tag}`;
      const paused = t.store(pausedId, 8_000);
      await survivor.start();
      await paused.start();
      const events: PresenceEvent[] = [];
      survivor.onEvent((e) => events.push(e));
      const ch = `chat:expiry-${tag}`;
      await survivor.watch(ch);
      const m = { client: `c-paused-${tag}`, user: "u", node: pausedId };
      const kept = { client: `c-survivor-${tag}`, user: "v", node: `survivor-${tag}` };
      await paused.join(ch, m, 10);
      await survivor.join(ch, kept, 10);
      // What a node's death looks like from Redis: its liveness key expired.
      const goneAt = Date.now();
      await t.admin.del(presenceKeys.live(pausedId));
      await waitFor(
        "the paused node's member removed",
        async () => (await survivor.count(ch)) === 1,
        2_000,
      );
      expect(Date.now() - goneAt).toBeLessThanOrEqual(2 * 200 + 200);
      expect((await survivor.members(ch, 10)).members).toEqual([kept]);
      expect(await t.admin.sismember(presenceKeys.nodes, pausedId)).toBe(0);
      // The node was alive after all: on its next beat it registers again and re-adds its member.
      await waitFor("the member re-added", async () => (await survivor.count(ch)) === 2, 6_000);
      const about = () => events.filter((e) => e.who.client === m.client).map((e) => e.kind);
      await waitFor("the second join", () => (about().length >= 3 ? true : undefined), 2_000);
      expect(about()).toEqual(["join", "leave", "join"]);
      expect(await t.admin.exists(presenceKeys.live(pausedId))).toBe(1);
    });

    it("stopping, leaves its members, announced", async () => {
      const t = target();
      const tag = randomBytes(3).toString("hex");
      const watcher = t.store(`watcher-${tag}`, 1_000);
      const leaving = t.store(`leaving-${tag}`, 1_000);
      await watcher.start();
      await leaving.start();
      const events: PresenceEvent[] = [];
      watcher.onEvent((e) => events.push(e));
      const ch = `chat:stop-${tag}`;
      await watcher.watch(ch);
      await leaving.join(ch, { client: `c1-${tag}`, user: "u", node: `leaving-${tag}` }, 10);
      await leaving.stop();
      expect(await watcher.count(ch)).toBe(0);
      await waitFor("the leave", () => events.find((e) => e.kind === "leave"), 2_000);
      expect(events.map((e) => `${e.kind} ${e.who.client}`)).toEqual([
        `join c1-${tag}`,
        `leave c1-${tag}`,
      ]);
    });
  });
}
