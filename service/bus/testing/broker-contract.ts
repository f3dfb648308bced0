// The behaviour every Broker must have (docs/protocol.md, "Delivery guarantees"), as a vitest suite:
// `describeBroker("memory", (opts) => ...)` in a test file runs it against one implementation.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubError, UnavailableError } from "../../errors.js";
import type { Broker, BusMessage } from "../broker.js";

export type BrokerFactoryOptions = {
  historySize: number;
  historyTtlSeconds: number;
  dedupeSeconds: number;
  maxChannels?: number;
};
export type BrokerFactory = (opts: BrokerFactoryOptions) => Promise<Broker>;

/** The options the suite creates its brokers with: a small history, to test trimming. */
export const CONTRACT_OPTIONS: BrokerFactoryOptions = {
  historySize: 5,
  historyTtlSeconds: 300,
  dedupeSeconds: 120,
};

/** A channel name no earlier test (or run, on a shared store) has used. */
export function freshChannel(label: string): string {
  return `t:${label}:${randomBytes(5).toString("hex")}`;
}

/** Collects bus messages; `until` polls (bounded) for a condition on them. */
export class Inbox {
  readonly messages: BusMessage[] = [];
  constructor(broker: Broker) {
    broker.onMessage((m) => this.messages.push(m));
  }
  on(ch: string): BusMessage[] {
    return this.messages.filter((m) => m.ch === ch);
  }
  async until(ch: string, count: number, timeoutMs = 5000): Promise<BusMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.on(ch).length < count) {
      if (Date.now() > deadline)
        throw new Error(
          `expected ${count} bus messages on ${ch} within ${timeoutMs} ms, got ${this.on(ch).length}`,
        );
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.on(ch);
  }
  /** Waits long enough for a stray message to arrive (a round trip through the broker). */
  async settle(broker: Broker): Promise<void> {
    const probe = freshChannel("settle");
    await broker.subscribe(probe);
    await broker.publish({ ch: probe, data: "0" });
    await this.until(probe, 1);
    await broker.unsubscribe(probe);
  }
}

export function describeBroker(name: string, factory: BrokerFactory): void {
  describe(`Broker contract: ${name}`, () => {
    let broker: Broker;
    let inbox: Inbox;

    beforeAll(async () => {
      broker = await factory(CONTRACT_OPTIONS);
      inbox = new Inbox(broker);
      await broker.start();
    });
    afterAll(async () => {
      await broker?.stop();
    });

    it("is up after start", () => {
      expect(broker.status().up).toBe(true);
    });

    it("starts seq at 1 and adds exactly 1 per publish, under one epoch", async () => {
      const ch = freshChannel("seq");
      const results = [];
      for (let i = 0; i < 4; i++) results.push(await broker.publish({ ch, data: String(i) }));
      expect(results.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
      expect(new Set(results.map((r) => r.epoch)).size).toBe(1);
      expect(results.every((r) => !r.duplicate)).toBe(true);
      const h = await broker.history(ch);
      expect(h).toMatchObject({ seq: 4, epoch: results[0]?.epoch, messages: [], complete: true });
    });

    it("gives a never-published channel seq 0, a stable epoch and complete history", async () => {
      const ch = freshChannel("empty");
      const first = await broker.history(ch);
      expect(first.seq).toBe(0);
      expect(first.epoch).toMatch(/\S/);
      expect(first.complete).toBe(true);
      expect(first.messages).toEqual([]);
      expect((await broker.history(ch, 0)).complete).toBe(true);
      const published = await broker.publish({ ch, data: "1" });
      expect(published).toMatchObject({ seq: 1, epoch: first.epoch });
    });

    it("returns exactly the messages after since, in order, with ts and id", async () => {
      const ch = freshChannel("since");
      const before = Date.now();
      await broker.publish({ ch, data: '"a"' });
      await broker.publish({ ch, data: '"b"', id: "m-2", publisher: "p1" });
      await broker.publish({ ch, data: '"c"' });
      const h = await broker.history(ch, 1);
      expect(h.complete).toBe(true);
      expect(h.seq).toBe(3);
      expect(h.messages.map((m) => [m.seq, m.data, m.id])).toEqual([
        [2, '"b"', "m-2"],
        [3, '"c"', undefined],
      ]);
      for (const m of h.messages) {
        expect(m.ts).toBeGreaterThanOrEqual(before - 1000);
        expect(m.ts).toBeLessThanOrEqual(Date.now() + 1000);
      }
      expect(h.messages[1]).not.toHaveProperty("id");
      expect(await broker.history(ch, 3)).toMatchObject({ seq: 3, messages: [], complete: true });
      const all = await broker.history(ch, 0);
      expect(all.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
      expect(all.complete).toBe(true);
    });

    it("reports incomplete history once messages were trimmed beyond historySize", async () => {
      const ch = freshChannel("trim");
      const size = CONTRACT_OPTIONS.historySize;
      for (let i = 1; i <= size + 3; i++) await broker.publish({ ch, data: String(i) });
      const old = await broker.history(ch, 1);
      expect(old.complete).toBe(false);
      expect(old.seq).toBe(size + 3);
      // Whatever is returned is still in order and after since.
      for (const [i, m] of old.messages.entries())
        expect(m.seq).toBe(old.seq - old.messages.length + 1 + i);
      const recent = await broker.history(ch, 3);
      expect(recent.complete).toBe(true);
      expect(recent.messages.map((m) => m.data)).toEqual(["4", "5", "6", "7", "8"]);
    });

    it("reports incomplete history, with no messages, for a since beyond the current seq", async () => {
      const ch = freshChannel("ahead");
      await broker.publish({ ch, data: "1" });
      expect(await broker.history(ch, 7)).toMatchObject({ seq: 1, messages: [], complete: false });
    });

    it("publishes a retried id once: same seq, duplicate, one bus message", async () => {
      const ch = freshChannel("dedupe");
      await broker.subscribe(ch);
      const first = await broker.publish({ ch, data: '{"n":1}', id: "c-17", publisher: "p1" });
      const again = await broker.publish({ ch, data: '{"n":1}', id: "c-17", publisher: "p1" });
      const other = await broker.publish({ ch, data: '{"n":2}', id: "c-18", publisher: "p1" });
      expect(first).toMatchObject({ seq: 1, duplicate: false });
      expect(again).toEqual({ seq: 1, epoch: first.epoch, duplicate: true });
      expect(other).toMatchObject({ seq: 2, duplicate: false });
      await inbox.until(ch, 2);
      await inbox.settle(broker);
      expect(inbox.on(ch).map((m) => [m.seq, m.id])).toEqual([
        [1, "c-17"],
        [2, "c-18"],
      ]);
      expect((await broker.history(ch, 0)).messages.map((m) => m.seq)).toEqual([1, 2]);
      await broker.unsubscribe(ch);
    });

    it("scopes dedupe ids to the publisher: another publisher's id never takes over yours", async () => {
      const ch = freshChannel("scoped");
      await broker.subscribe(ch);
      // The attacker publishes first with the id the victim is about to use.
      const attacker = await broker.publish({ ch, data: '"x"', id: "c-1", publisher: "sub:eve" });
      const victim = await broker.publish({ ch, data: '"v"', id: "c-1", publisher: "sub:bob" });
      expect(attacker).toMatchObject({ seq: 1, duplicate: false });
      expect(victim).toMatchObject({ seq: 2, duplicate: false });
      // The victim's retry (e.g. from a new connection) is still deduplicated to its own seq.
      const retry = await broker.publish({ ch, data: '"v"', id: "c-1", publisher: "sub:bob" });
      expect(retry).toEqual({ seq: 2, epoch: victim.epoch, duplicate: true });
      await inbox.until(ch, 2);
      await inbox.settle(broker);
      expect(inbox.on(ch).map((m) => [m.seq, m.data])).toEqual([
        [1, '"x"'],
        [2, '"v"'],
      ]);
      await broker.unsubscribe(ch);
    });

    it("refuses to create channels past maxChannels; channels it holds keep working", async () => {
      const own = await factory({ ...CONTRACT_OPTIONS, maxChannels: 3 });
      await own.start();
      try {
        const held = [freshChannel("held"), freshChannel("held"), freshChannel("held")];
        await own.publish({ ch: held[0] as string, data: "1" });
        await own.history(held[1] as string);
        await own.publish({ ch: held[2] as string, data: "1", id: "a", publisher: "p1" });
        // Both caught at once: on a cluster the two land on different shards, in either order.
        const refusals = [
          own.publish({ ch: freshChannel("over"), data: "1" }),
          own.history(freshChannel("over"), 0),
        ].map((r) =>
          r.then(
            () => undefined,
            (e: unknown) => e,
          ),
        );
        for (const r of refusals) {
          const err = await r;
          expect(err).toBeInstanceOf(HubError);
          expect(err).toMatchObject({ code: "too_many_channels" });
          expect((err as Error).message).toMatch(/MAX_CHANNELS/);
        }
        expect((await own.publish({ ch: held[0] as string, data: "2" })).seq).toBe(2);
        expect((await own.history(held[1] as string)).seq).toBe(0);
      } finally {
        await own.stop();
      }
    });

    it("keeps channels independent (sequences and dedupe ids)", async () => {
      const a = freshChannel("a");
      const b = freshChannel("b");
      expect((await broker.publish({ ch: a, data: "1", id: "same", publisher: "p1" })).seq).toBe(1);
      expect((await broker.publish({ ch: a, data: "2" })).seq).toBe(2);
      const onB = await broker.publish({ ch: b, data: "1", id: "same", publisher: "p1" });
      expect(onB).toMatchObject({ seq: 1, duplicate: false });
      expect((await broker.history(b, 0)).messages.map((m) => m.data)).toEqual(["1"]);
    });

    it("delivers every message published after subscribe, with all fields, until unsubscribe", async () => {
      const ch = freshChannel("bus");
      const quiet = freshChannel("quiet");
      await broker.publish({ ch, data: '"before"' });
      await broker.subscribe(ch);
      await broker.subscribe(ch);
      const before = Date.now();
      const published = [];
      for (let i = 0; i < 5; i++)
        published.push(
          await broker.publish({ ch, data: `{"i":${i}}`, id: `p-${i}`, publisher: "p1" }),
        );
      await broker.publish({ ch: quiet, data: "1" });
      const got = await inbox.until(ch, 5);
      expect(got.map((m) => m.seq)).toEqual([2, 3, 4, 5, 6]);
      for (const [i, m] of got.entries()) {
        expect(m).toMatchObject({
          ch,
          epoch: published[0]?.epoch,
          data: `{"i":${i}}`,
          id: `p-${i}`,
        });
        expect(m.ts).toBeGreaterThanOrEqual(before - 1000);
      }
      await broker.unsubscribe(ch);
      await broker.unsubscribe(ch);
      await broker.publish({ ch, data: '"after"' });
      await inbox.settle(broker);
      expect(inbox.on(ch)).toHaveLength(5);
      expect(inbox.on(quiet)).toHaveLength(0);
      // Subscribing again works after an unsubscribe.
      await broker.subscribe(ch);
      await broker.publish({ ch, data: '"again"' });
      expect((await inbox.until(ch, 6))[5]?.data).toBe('"again"');
      await broker.unsubscribe(ch);
    });

    it("keeps data text byte-exact: unicode, nested JSON, 60 KB", async () => {
      const ch = freshChannel("bytes");
      await broker.subscribe(ch);
      const texts = [
        JSON.stringify({ s: "héllo wörld ✓ 日本語 🚀", e: '\u0000\u001f"\\', n: -0.5e-7 }),
        '{ "spaced" : [ 1 ,2, {"deep":{"deeper":[null,true,false]}} ] }',
        JSON.stringify("\ud83d\ude00 line\nbreak \u2028"),
        JSON.stringify({ big: "x".repeat(30_000), more: "ü".repeat(15_000) }),
      ];
      expect(Buffer.byteLength(texts[3] as string)).toBeGreaterThan(60_000);
      for (const data of texts) await broker.publish({ ch, data });
      const got = await inbox.until(ch, texts.length);
      expect(got.map((m) => m.data)).toEqual(texts);
      const h = await broker.history(ch, 0);
      expect(h.messages.map((m) => m.data)).toEqual(texts);
      await broker.unsubscribe(ch);
    });

    it("stops idempotently; publish after stop rejects with UnavailableError", async () => {
      const own = await factory(CONTRACT_OPTIONS);
      await own.start();
      await own.publish({ ch: freshChannel("stop"), data: "1" });
      await own.stop();
      await own.stop();
      expect(own.status().up).toBe(false);
      await expect(own.publish({ ch: freshChannel("stop"), data: "1" })).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await expect(own.history(freshChannel("stop"))).rejects.toBeInstanceOf(UnavailableError);
    });
  });
}
