// The behaviour every PresenceStore must have, as one vitest suite run against both stores:
// `describePresence("memory", factory)`. The factory gives two stores that share one presence
// (two nodes on Redis; the same store twice in memory, which serves one node).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../../testkit/poll.js";
import { HubError } from "../../errors.js";
import type { PresenceEvent, PresenceMember, PresenceStore } from "../presence.js";

export type PresencePair = { a: PresenceStore; b: PresenceStore; nodeA: string; nodeB: string };

/** A channel no earlier test (or run, on a shared store) used. */
function fresh(label: string): string {
  return `chat:${label}-${randomBytes(4).toString("hex")}`;
}

function member(node: string, user = "u"): PresenceMember {
  return { client: randomBytes(6).toString("hex"), user, node };
}

/** Events seen through one store, per channel. */
class Events {
  readonly all: PresenceEvent[] = [];
  constructor(store: PresenceStore) {
    store.onEvent((e) => this.all.push(e));
  }
  on(ch: string): string[] {
    return this.all.filter((e) => e.ch === ch).map((e) => `${e.kind} ${e.who.client}`);
  }
  until(ch: string, n: number): Promise<string[]> {
    return waitFor(
      `${n} events on ${ch}`,
      () => (this.on(ch).length >= n ? this.on(ch) : undefined),
      5_000,
    );
  }
}

export function describePresence(name: string, factory: () => Promise<PresencePair>): void {
  describe(`PresenceStore contract: ${name}`, () => {
    let p: PresencePair;
    let seenByB: Events;

    beforeAll(async () => {
      p = await factory();
      seenByB = new Events(p.b);
      await p.a.start();
      if (p.b !== p.a) await p.b.start();
    });
    afterAll(async () => {
      await p?.a.stop();
      if (p && p.b !== p.a) await p.b.stop();
    });

    it("shows a member joined through one node to the other, with its fields, and counts it", async () => {
      const ch = fresh("list");
      const m1 = member(p.nodeA, "alice");
      const m2 = member(p.nodeB, "bob");
      await p.a.join(ch, m1, 100);
      await p.b.join(ch, m2, 100);
      expect(await p.b.count(ch)).toBe(2);
      const page = await p.b.members(ch, 10);
      expect(page.count).toBe(2);
      expect(page.cursor).toBeUndefined();
      expect(page.members.sort((x, y) => x.user.localeCompare(y.user))).toEqual([m1, m2]);
      await p.a.leave(ch, m1);
      expect(await p.a.count(ch)).toBe(1);
      expect((await p.a.members(ch, 10)).members).toEqual([m2]);
    });

    it("announces join then leave to watchers on every node, and nothing for a repeat", async () => {
      const ch = fresh("events");
      await p.b.watch(ch);
      const m = member(p.nodeA);
      await p.a.join(ch, m, 100);
      await p.a.join(ch, m, 100); // already there: no second join
      await p.a.leave(ch, m);
      await p.a.leave(ch, m); // already gone: no second leave
      await p.a.leave(ch, member(p.nodeA)); // never joined: no leave at all
      const other = member(p.nodeB);
      await p.b.join(ch, other, 100); // a marker: every event before it has arrived
      const seen = await seenByB.until(ch, 3);
      expect(seen).toEqual([`join ${m.client}`, `leave ${m.client}`, `join ${other.client}`]);
      await p.b.unwatch(ch);
    });

    it("refuses a join past the bound with too_many_members and writes nothing", async () => {
      const ch = fresh("full");
      await p.a.join(ch, member(p.nodeA), 2);
      await p.b.join(ch, member(p.nodeB), 2);
      const refused = await p.a.join(ch, member(p.nodeA), 2).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(HubError);
      expect((refused as HubError).code).toBe("too_many_members");
      expect(await p.b.count(ch)).toBe(2);
    });

    it("pages every member exactly once when nothing changes meanwhile", async () => {
      const ch = fresh("pages");
      const all: PresenceMember[] = [];
      for (let i = 0; i < 23; i++) {
        const m = member(i % 2 ? p.nodeA : p.nodeB, `u${i}`);
        all.push(m);
        await (i % 2 ? p.a : p.b).join(ch, m, 1000);
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 30; i++) {
        const page = await p.a.members(ch, 5, cursor);
        expect(page.members.length).toBeLessThanOrEqual(5);
        expect(page.count).toBe(23);
        seen.push(...page.members.map((m) => m.client));
        cursor = page.cursor;
        if (cursor === undefined) break;
      }
      expect(seen.sort()).toEqual(all.map((m) => m.client).sort());
    });

    it("answers an unknown channel with no members and a count of 0", async () => {
      const ch = fresh("none");
      expect(await p.a.count(ch)).toBe(0);
      expect(await p.a.members(ch, 10)).toEqual({ members: [], count: 0 });
    });
  });
}
