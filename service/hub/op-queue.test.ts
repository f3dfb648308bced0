import { describe, expect, it } from "vitest";
import { MAX_IN_FLIGHT, OpQueue } from "./op-queue.js";

describe("OpQueue", () => {
  it("runs each op only after the ones pushed before it have settled, even when a later one is faster", async () => {
    const order: string[] = [];
    const q = new OpQueue(() => undefined);
    let releaseSlow: () => void = () => undefined;
    q.push(10, () =>
      new Promise<void>((r) => (releaseSlow = r)).then(() => {
        order.push("slow");
      }),
    );
    q.push(20, () => {
      order.push("fast");
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(q.length).toBe(2);
    expect(q.bytes).toBe(20);
    releaseSlow();
    for (let i = 0; i < 10 && q.length > 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(order).toEqual(["slow", "fast"]);
    expect({ length: q.length, bytes: q.bytes }).toEqual({ length: 0, bytes: 0 });
  });

  it("reports a thrown op and goes on with the next", async () => {
    const failures: unknown[] = [];
    const ran: number[] = [];
    const q = new OpQueue((err) => failures.push(err));
    q.push(1, () => {
      throw new Error("boom");
    });
    q.push(1, () => {
      ran.push(2);
    });
    for (let i = 0; i < 10 && ran.length === 0; i++) await new Promise((r) => setTimeout(r, 1));
    expect(ran).toEqual([2]);
    expect(String(failures[0])).toContain("boom");
  });

  it("drops what waits and accepts nothing after close", async () => {
    const ran: number[] = [];
    const q = new OpQueue(() => undefined);
    let release: () => void = () => undefined;
    q.push(5, () => new Promise<void>((r) => (release = r)));
    q.push(7, () => {
      ran.push(1);
    });
    q.close();
    q.push(9, () => {
      ran.push(2);
    });
    expect(q.bytes).toBe(0);
    release();
    await new Promise((r) => setTimeout(r, 5));
    expect(ran).toEqual([]);
  });
});

/** A promise with its resolve and reject, for work the test settles by hand. */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve: (v: T) => void = () => undefined;
  let reject: (e: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every settled promise's callbacks run (bounded). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe("OpQueue: overlapping ops", () => {
  function overlapping(
    q: OpQueue,
    done: string[],
    name: string,
    work: Promise<number>,
    may = () => true,
  ) {
    q.pushOverlapping(
      3,
      () => work,
      (r) => done.push(r.ok ? `${name}=${r.value}` : `${name}!${String(r.error)}`),
      may,
    );
  }

  it("starts publishes in a row together and finishes them in push order when they settle out of order", async () => {
    const q = new OpQueue(() => undefined);
    const done: string[] = [];
    const work = [deferred<number>(), deferred<number>(), deferred<number>()];
    for (const [i, w] of work.entries()) overlapping(q, done, `p${i}`, w.promise);
    expect(q.inFlight).toBe(3);
    work[2]?.resolve(3);
    work[1]?.reject("boom");
    await settle();
    expect(done).toEqual([]);
    work[0]?.resolve(1);
    await settle();
    expect(done).toEqual(["p0=1", "p1!boom", "p2=3"]);
    expect({ length: q.length, inFlight: q.inFlight, bytes: q.bytes }).toEqual({
      length: 0,
      inFlight: 0,
      bytes: 0,
    });
  });

  it("keeps at most maxInFlight started and counts the waiting ones' bytes", async () => {
    const q = new OpQueue(() => undefined, 2);
    const done: string[] = [];
    const work = [deferred<number>(), deferred<number>(), deferred<number>(), deferred<number>()];
    let started = 0;
    for (const [i, w] of work.entries())
      q.pushOverlapping(
        10,
        () => {
          started++;
          return w.promise;
        },
        () => done.push(`p${i}`),
        () => true,
      );
    expect({ started, inFlight: q.inFlight, length: q.length, bytes: q.bytes }).toEqual({
      started: 2,
      inFlight: 2,
      length: 4,
      bytes: 20,
    });
    work[1]?.resolve(2);
    await settle();
    expect(started).toBe(2);
    work[0]?.resolve(1);
    await settle();
    expect({ started, done }).toEqual({ started: 4, done: ["p0", "p1"] });
  });

  it("runs an op pushed with push alone: after the publishes before it, before the ones after it", async () => {
    const q = new OpQueue(() => undefined);
    const events: string[] = [];
    const p0 = deferred<number>();
    const sub = deferred<void>();
    const p1 = deferred<number>();
    overlapping(q, events, "p0", p0.promise);
    q.push(1, () => {
      events.push("sub started");
      return sub.promise;
    });
    q.pushOverlapping(
      1,
      () => {
        events.push("p1 started");
        return p1.promise;
      },
      () => events.push("p1 done"),
      () => true,
    );
    expect(events).toEqual([]);
    p0.resolve(0);
    await settle();
    expect(events).toEqual(["p0=0", "sub started"]);
    sub.resolve();
    await settle();
    expect(events).toEqual(["p0=0", "sub started", "p1 started"]);
    p1.resolve(1);
    await settle();
    expect(events.at(-1)).toBe("p1 done");
  });

  it("runs a publish alone while mayOverlap says no (the bus is down)", async () => {
    const q = new OpQueue(() => undefined);
    const done: string[] = [];
    let up = false;
    const work = [deferred<number>(), deferred<number>(), deferred<number>()];
    for (const [i, w] of work.entries()) overlapping(q, done, `p${i}`, w.promise, () => up);
    expect(q.inFlight).toBe(1);
    up = true;
    work[0]?.resolve(0);
    await settle();
    // The bus is back: the two that waited go out together.
    expect({ done, inFlight: q.inFlight }).toEqual({ done: ["p0=0"], inFlight: 2 });
  });

  it("forgets the publishes in flight at close: their outcomes reach nobody and nothing more starts", async () => {
    const q = new OpQueue(() => undefined);
    const done: string[] = [];
    const work = [deferred<number>(), deferred<number>()];
    for (const [i, w] of work.entries()) overlapping(q, done, `p${i}`, w.promise);
    q.push(4, () => {
      done.push("sub ran");
    });
    expect(q.inFlight).toBe(2);
    q.close();
    expect({ length: q.length, inFlight: q.inFlight, bytes: q.bytes }).toEqual({
      length: 0,
      inFlight: 0,
      bytes: 0,
    });
    work[0]?.resolve(0);
    work[1]?.reject("gone");
    await settle();
    expect(done).toEqual([]);
  });
});

describe("MAX_IN_FLIGHT", () => {
  it("is the bound docs/protocol.md states", async () => {
    const { readFile } = await import("node:fs/promises");
    const doc = await readFile(new URL("../../docs/protocol.md", import.meta.url), "utf8");
    expect(doc).toContain(`At most ${MAX_IN_FLIGHT} publishes of one connection are at`);
    expect(doc).toContain(`at most ${MAX_IN_FLIGHT} per connection at`);
  });
});
