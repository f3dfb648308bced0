import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { BusMessage } from "../bus/index.js";
import { MemoryBroker } from "../bus/index.js";
import { createMetrics } from "../metrics.js";
import { Fanout, type Recipient, type SubscribeResult } from "./fanout.js";
import type { OutFrame } from "./prepared-frame.js";

/** A memory broker whose bus the test drives by hand: drop, duplicate, reorder or delay messages. */
class ScriptedBroker extends MemoryBroker {
  private listener: ((m: BusMessage) => void) | undefined;
  historyCalls = 0;
  failHistory = false;
  /** What status() reports: the Redis broker's probe may still say up while a command fails. */
  down = false;
  /** Bus messages the broker produced, for the test to hand over (or not). */
  readonly outbox: BusMessage[] = [];

  constructor() {
    super({ historySize: 5, historyTtlSeconds: 60, dedupeSeconds: 60 });
    super.onMessage((m) => this.outbox.push(m));
  }
  override onMessage(listener: (m: BusMessage) => void): void {
    this.listener = listener;
  }
  /** When set, history() answers from a snapshot taken now, but only once the gate opens. */
  gate: Promise<void> | undefined;
  override async history(ch: string, since?: number) {
    this.historyCalls++;
    if (this.failHistory) throw new Error("bus down");
    const snapshot = await super.history(ch, since);
    if (this.gate) await this.gate;
    return snapshot;
  }
  override status() {
    return this.down ? { up: false, reason: "test" } : { up: true };
  }
  bus(m: BusMessage): void {
    this.listener?.(m);
  }
  /** Hands over every produced bus message, in order. */
  flush(): void {
    for (const m of this.outbox.splice(0)) this.bus(m);
  }
}

class Sink implements Recipient {
  readonly seqs: number[] = [];
  abandoned: string | undefined;
  constructor(readonly id: string) {}
  deliver(frame: OutFrame): void {
    this.seqs.push((JSON.parse(frame.json.toString()) as { seq: number }).seq);
  }
  abandon(reason: string): void {
    this.abandoned = reason;
  }
  subscribed(_ch: string, result: SubscribeResult): boolean {
    for (const m of result.replay) this.seqs.push(m.seq);
    return true;
  }
}

const log = pino({ level: "silent" });
let metrics: ReturnType<typeof createMetrics> | undefined;

function setup() {
  const broker = new ScriptedBroker();
  metrics = createMetrics({ version: "test", node: "n1" });
  const fanout = new Fanout(broker, metrics, log);
  return { broker, fanout };
}

async function publish(broker: ScriptedBroker, ch: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await broker.publish({ ch, data: String(i) });
  await Promise.resolve(); // the memory bus delivers in a microtask
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

afterEach(() => metrics?.stop());

describe("Fanout", () => {
  it("delivers each seq once and in order despite duplicated and reordered bus messages", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await publish(broker, "room", 3);
    const [m1, m2, m3] = broker.outbox.splice(0) as [BusMessage, BusMessage, BusMessage];
    broker.bus(m1);
    broker.bus(m1);
    broker.bus(m3); // m2 missing: the gap is filled from history
    await settle();
    broker.bus(m2);
    broker.bus(m3);
    await settle();
    expect(a.seqs).toEqual([1, 2, 3]);
  });

  it("fills a gap from history when a bus message is lost for good", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await publish(broker, "room", 4);
    const all = broker.outbox.splice(0);
    broker.bus(all[0] as BusMessage);
    broker.bus(all[3] as BusMessage);
    await settle();
    expect(a.seqs).toEqual([1, 2, 3, 4]);
  });

  it("closes subscribers (1013) when history no longer holds the gap, rather than skip", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await publish(broker, "room", 8); // history holds 5: seq 1..3 are gone
    const all = broker.outbox.splice(0);
    broker.bus(all[7] as BusMessage);
    await settle();
    expect(a.seqs).toEqual([]);
    expect(a.abandoned).toMatch(/resume/);
  });

  it("closes subscribers when the channel's epoch changes (history lost)", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    const r = await fanout.subscribe(a, "room", undefined, undefined);
    broker.bus({ ch: "room", seq: 1, epoch: `${r.epoch}x`, data: "1", ts: Date.now() });
    await settle();
    expect(a.abandoned).toMatch(/reset/);
    expect(a.seqs).toEqual([]);
  });

  it("resumes: replays seq > since, then live with no gap and no duplicate", async () => {
    const { broker, fanout } = setup();
    const first = new Sink("first");
    const r0 = await fanout.subscribe(first, "room", undefined, undefined);
    await publish(broker, "room", 3);
    broker.flush();
    const b = new Sink("b");
    const r = await fanout.subscribe(b, "room", 1, r0.epoch);
    expect(r).toMatchObject({ seq: 3, recovered: true });
    expect(r.replay.map((m) => m.seq)).toEqual([2, 3]);
    await publish(broker, "room", 2);
    broker.flush();
    await settle();
    expect(b.seqs).toEqual([2, 3, 4, 5]);
    expect(first.seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it("a resume that raced bus messages still sees each message once", async () => {
    const { broker, fanout } = setup();
    const first = new Sink("first");
    const r0 = await fanout.subscribe(first, "room", undefined, undefined);
    await publish(broker, "room", 2);
    // The bus has not delivered 1..2 yet when b resumes from 0.
    const b = new Sink("b");
    const r = await fanout.subscribe(b, "room", 0, r0.epoch);
    broker.flush();
    await settle();
    expect(r.replay.map((m) => m.seq)).toEqual([1, 2]);
    expect(b.seqs).toEqual([1, 2]);
    expect(first.seqs).toEqual([1, 2]);
  });

  it("writes a resume's replay before live messages that arrived while history was read", async () => {
    const { broker, fanout } = setup();
    const first = new Sink("first");
    const r0 = await fanout.subscribe(first, "room", undefined, undefined);
    await publish(broker, "room", 2);
    broker.flush();
    let open = () => {};
    broker.gate = new Promise((resolve) => {
      open = resolve;
    });
    const b = new Sink("b");
    const resumed = fanout.subscribe(b, "room", 0, r0.epoch);
    await settle(); // b's history snapshot holds 1..2 and waits at the gate
    await publish(broker, "room", 1);
    broker.flush(); // seq 3 arrives live while the replay is pending
    open();
    await resumed;
    await settle();
    expect(b.seqs).toEqual([1, 2, 3]);
    expect(first.seqs).toEqual([1, 2, 3]);
  });

  it("answers resumes that queued behind one history read with one more read, each from its own since", async () => {
    const { broker, fanout } = setup();
    const first = new Sink("first");
    const r0 = await fanout.subscribe(first, "room", undefined, undefined);
    await publish(broker, "room", 4);
    broker.flush();
    let open = () => {};
    broker.gate = new Promise((resolve) => {
      open = resolve;
    });
    const before = broker.historyCalls;
    const a = new Sink("a");
    const resumedA = fanout.subscribe(a, "room", 3, r0.epoch);
    await settle(); // a reads history and waits at the gate
    const queued = [new Sink("b"), new Sink("c"), new Sink("d")];
    const sinces = [2, 0, 4];
    const resumed = queued.map((s, i) => fanout.subscribe(s, "room", sinces[i], r0.epoch));
    open();
    const results = await Promise.all([resumedA, ...resumed]);
    expect(broker.historyCalls - before).toBe(2);
    expect(results.map((r) => r.replay.map((m) => m.seq))).toEqual([[4], [3, 4], [1, 2, 3, 4], []]);
    expect(results.every((r) => r.recovered && r.seq === 4)).toBe(true);
    await publish(broker, "room", 1);
    broker.flush();
    await settle();
    expect(queued.map((s) => s.seqs)).toEqual([[3, 4, 5], [1, 2, 3, 4, 5], [5]]);
    expect(a.seqs).toEqual([4, 5]);
  });

  it("answers recovered:false with no replay when the epoch does not match or history is gone", async () => {
    const { broker, fanout } = setup();
    await publish(broker, "room", 8);
    broker.flush();
    const wrongEpoch = await fanout.subscribe(new Sink("x"), "room", 7, "other");
    expect(wrongEpoch).toMatchObject({ seq: 8, recovered: false, replay: [] });
    const trimmed = await fanout.subscribe(new Sink("y"), "room", 1, wrongEpoch.epoch);
    expect(trimmed).toMatchObject({ seq: 8, recovered: false, replay: [] });
  });

  it("catches up every channel after the bus comes back, without hammering it while down", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await publish(broker, "room", 3);
    const all = broker.outbox.splice(0);
    broker.failHistory = true;
    broker.down = true;
    const before = broker.historyCalls;
    broker.bus(all[2] as BusMessage); // a gap while history is unreachable
    await settle();
    broker.bus(all[2] as BusMessage);
    await settle();
    expect(broker.historyCalls - before).toBe(1); // one failed fill, then it waits for "up"
    expect(a.seqs).toEqual([]);
    broker.failHistory = false;
    broker.down = false;
    fanout.catchUpAll(); // what the node does on the bus's down → up change
    await settle();
    expect(a.seqs).toEqual([1, 2, 3]);
  });

  it("fills one channel's tail from history when the bus reports a gap on it, and only that one", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await fanout.subscribe(a, "other", undefined, undefined);
    // Published while the channel's shard subscription was being remade: never on the bus.
    await publish(broker, "room", 2);
    await publish(broker, "other", 1);
    broker.outbox.splice(0);
    await settle();
    expect(a.seqs).toEqual([]);
    const before = broker.historyCalls;
    fanout.catchUp("room"); // what the node does on the broker's gap report
    fanout.catchUp("never-subscribed");
    await settle();
    expect(a.seqs).toEqual([1, 2]);
    expect(broker.historyCalls - before).toBe(1);
  });

  it("tries a failed gap fill again while the bus still reports up (no up change will come)", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    await fanout.subscribe(a, "room", undefined, undefined);
    await publish(broker, "room", 3);
    const all = broker.outbox.splice(0);
    broker.failHistory = true; // one history read fails (a timeout), the probe still says up
    broker.bus(all[2] as BusMessage);
    await settle();
    expect(a.seqs).toEqual([]);
    broker.failHistory = false;
    const deadline = Date.now() + 2_000;
    while (a.seqs.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(a.seqs).toEqual([1, 2, 3]);
  });

  it("forgets a channel and leaves the bus when its last subscriber goes", async () => {
    const { broker, fanout } = setup();
    const a = new Sink("a");
    const b = new Sink("b");
    await fanout.subscribe(a, "room", undefined, undefined);
    await fanout.subscribe(b, "room", undefined, undefined);
    expect(fanout.channelCount).toBe(1);
    fanout.removeAll(a, ["room"]);
    expect(fanout.channelCount).toBe(1);
    fanout.unsubscribe(b, "room");
    await settle();
    expect(fanout.channelCount).toBe(0);
    await publish(broker, "room", 1);
    expect(broker.outbox).toEqual([]); // no longer subscribed on the bus
  });

  it("a failed subscribe (bus down) leaves no channel behind", async () => {
    const { broker, fanout } = setup();
    broker.failHistory = true;
    await expect(fanout.subscribe(new Sink("a"), "room", undefined, undefined)).rejects.toThrow();
    await settle();
    expect(fanout.channelCount).toBe(0);
  });
});
