import { describe, expect, it } from "vitest";
import { keySlot, SLOTS, tagForSlot } from "./key-slot.js";

describe("keySlot", () => {
  it("matches the slots Redis Cluster documents and assigns", () => {
    // Values from CLUSTER KEYSLOT on Redis 7.
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("bar")).toBe(5061);
    expect(keySlot("123456789")).toBe(12739);
    expect(keySlot("")).toBe(0);
  });

  it("hashes only the first non-empty hash tag", () => {
    expect(keySlot("wshub:{room:1}:meta")).toBe(keySlot("room:1"));
    expect(keySlot("wshub:{room:1}:hist")).toBe(keySlot("wshub:bus:{room:1}"));
    expect(keySlot("a{}b")).toBe(keySlot("a{}b"));
    expect(keySlot("a{}{b}")).not.toBe(keySlot("b"));
  });
});

describe("tagForSlot", () => {
  it("finds a tag for the first, the last and a middle slot", () => {
    for (const slot of [0, 1, 8191, SLOTS - 1]) {
      expect(keySlot(`x:{${tagForSlot(slot)}}:y`)).toBe(slot);
    }
  });

  it("rejects a slot outside the cluster's range", () => {
    expect(() => tagForSlot(SLOTS)).toThrow(RangeError);
    expect(() => tagForSlot(-1)).toThrow(RangeError);
  });
});
