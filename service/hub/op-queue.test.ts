import { describe, expect, it } from "vitest";
import { OpQueue } from "./op-queue.js";

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
