import { describe, expect, it } from "vitest";
import { SeqTracker } from "./seq-gaps.js";

describe("SeqTracker", () => {
  it("counts nothing for an in-order stream after the subscribe baseline", () => {
    const t = new SeqTracker();
    t.start("a", 10);
    for (let s = 11; s <= 20; s++) t.observe("a", s);
    expect({ gaps: t.gaps, duplicates: t.duplicates, received: t.received }).toEqual({
      gaps: 0,
      duplicates: 0,
      received: 10,
    });
    expect(t.last("a")).toBe(20);
  });

  it("counts every skipped message of a jump, per channel", () => {
    const t = new SeqTracker();
    t.start("a", 0);
    t.start("b", 5);
    t.observe("a", 1);
    t.observe("a", 4);
    t.observe("b", 7);
    expect(t.gaps).toBe(3);
  });

  it("counts a repeated or older seq as a duplicate, not as progress", () => {
    const t = new SeqTracker();
    t.start("a", 0);
    t.observe("a", 1);
    t.observe("a", 2);
    t.observe("a", 2);
    t.observe("a", 1);
    expect(t.duplicates).toBe(2);
    expect(t.last("a")).toBe(2);
  });

  it("ignores a message at the baseline: it was published before the subscription", () => {
    const t = new SeqTracker();
    t.start("a", 7);
    t.observe("a", 7);
    t.observe("a", 8);
    expect(t.duplicates).toBe(0);
    expect(t.received).toBe(1);
  });

  it("keeps its position across a resume so replayed messages count as duplicates", () => {
    const t = new SeqTracker();
    t.start("a", 0);
    t.observe("a", 1);
    t.observe("a", 2);
    t.start("a", 1);
    t.observe("a", 2);
    t.observe("a", 3);
    expect(t.duplicates).toBe(1);
    expect(t.gaps).toBe(0);
  });

  it("counts messages missed during a reconnect even when `subscribed` reports a later seq", () => {
    const t = new SeqTracker();
    t.start("a", 0);
    t.observe("a", 1);
    t.start("a", 5);
    t.observe("a", 6);
    expect(t.gaps).toBe(4);
  });

  it("reports the tail that never arrived against the final acknowledged seq", () => {
    const t = new SeqTracker();
    t.start("a", 0);
    t.observe("a", 1);
    expect(t.missingTail("a", 4)).toBe(3);
    expect(t.missingTail("a", 1)).toBe(0);
    expect(t.missingTail("never", 4)).toBe(0);
  });
});
