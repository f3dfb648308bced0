import { describe, expect, it } from "vitest";
import { HistoryRing } from "./history-ring.js";

const msg = (seq: number) => ({ seq });
const seqs = (items: { seq: number }[]) => items.map((m) => m.seq);

describe("HistoryRing", () => {
  it("keeps every item below its capacity, oldest first", () => {
    const r = new HistoryRing(5);
    for (let s = 1; s <= 3; s++) r.push(msg(s));
    expect(r.size).toBe(3);
    expect(seqs(r.after(0))).toEqual([1, 2, 3]);
    expect(seqs(r.after(2))).toEqual([3]);
    expect(r.after(3)).toEqual([]);
  });

  it("keeps only the last `capacity` items once it wraps, in seq order", () => {
    const r = new HistoryRing(4);
    for (let s = 1; s <= 11; s++) r.push(msg(s));
    expect(r.size).toBe(4);
    expect(seqs(r.after(0))).toEqual([8, 9, 10, 11]);
    expect(seqs(r.after(9))).toEqual([10, 11]);
    expect(r.after(11)).toEqual([]);
    expect(r.after(50)).toEqual([]);
  });

  it("answers every `since` across many wraps like a plain trimmed array", () => {
    const cap = 7;
    const r = new HistoryRing(cap);
    const plain: { seq: number }[] = [];
    for (let s = 1; s <= 100; s++) {
      r.push(msg(s));
      plain.push(msg(s));
      if (plain.length > cap) plain.shift();
      for (const since of [0, s - cap - 1, s - 3, s - 1, s]) {
        expect(seqs(r.after(since))).toEqual(seqs(plain.filter((m) => m.seq > since)));
      }
    }
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new HistoryRing(0)).toThrow(/positive integer/);
    expect(() => new HistoryRing(1.5)).toThrow(/positive integer/);
  });
});
