import { describe, expect, it } from "vitest";
import { backoffDelay, retryAfterDelay } from "./backoff.js";

const opts = { initialMs: 100, maxMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles the ceiling per attempt and caps it at maxMs", () => {
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 40].map((a) => backoffDelay(a, opts, top))).toEqual([
      99, 199, 399, 799, 999, 999, 999,
    ]);
  });

  it("is full jitter: anywhere from zero up to the ceiling", () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
  });
});

describe("retryAfterDelay", () => {
  it("never comes earlier than asked and adds at most 10 % (50 ms to 1 s) of jitter", () => {
    expect(retryAfterDelay(2_000, () => 0)).toBe(2_000);
    expect(retryAfterDelay(2_000, () => 0.999_999)).toBe(2_199);
    expect(retryAfterDelay(100, () => 0.999_999)).toBe(149);
    expect(retryAfterDelay(60_000, () => 0.999_999)).toBe(60_999);
  });
});
