import { describe, expect, it } from "vitest";
import { describeVerdict, judgeQuick, type QuickPair } from "./quick-verdict.js";

function pair(raw: number, hub: number, rawWrites = 1, hubWrites = 0.2): QuickPair {
  return {
    raw: { deliveriesPerSecond: raw, writesPerDelivery: rawWrites },
    hub: { deliveriesPerSecond: hub, writesPerDelivery: hubWrites },
  };
}

const BASELINE = { throughputRatio: 1.2, writesRatio: 0.2 };

describe("the quick bench verdict", () => {
  it("passes a ratio at the baseline and one below it by less than the measured noise", () => {
    const steady = judgeQuick([pair(100, 120), pair(100, 121), pair(100, 119)], BASELINE);
    expect(steady.map((f) => f.regressed)).toEqual([false, false]);
    // Pairs from 0.9 to 1.3: ±20 % of noise covers a median of 1.1.
    const noisy = judgeQuick([pair(100, 90), pair(100, 110), pair(100, 130)], BASELINE);
    expect(noisy[0]?.measured).toBeCloseTo(1.1);
    expect(noisy[0]?.noise).toBeCloseTo(0.2);
    expect(noisy[0]?.regressed).toBe(false);
  });

  it("fails a throughput drop larger than the noise of its own pairs", () => {
    const [throughput] = judgeQuick([pair(100, 100), pair(100, 101), pair(100, 99)], BASELINE);
    expect(throughput?.regressed).toBe(true);
    expect(describeVerdict([throughput as never])).toMatch(
      /^REGRESSED {2}deliveries\/s, hub ÷ raw ws: 100 % \(baseline 120 %, noise ±6 %/,
    );
  });

  it("fails when the hub writes more syscalls per delivery than the baseline allows", () => {
    const figures = judgeQuick([pair(100, 120, 1, 1), pair(100, 120, 1, 1)], BASELINE);
    expect(figures[1]?.name).toMatch(/write syscalls/);
    expect(figures[1]?.regressed).toBe(true);
    expect(figures[0]?.regressed).toBe(false);
  });

  it("calls nothing a regression without a measured spread, and leaves out writes it could not count", () => {
    const [one] = judgeQuick([pair(100, 50)], BASELINE);
    // One pair has no measured spread: the noise is unknown and nothing is called a regression.
    expect(one?.noise).toBe(Number.POSITIVE_INFINITY);
    expect(one?.regressed).toBe(false);
    const noProc = judgeQuick(
      [{ raw: { deliveriesPerSecond: 100 }, hub: { deliveriesPerSecond: 120 } }],
      BASELINE,
    );
    expect(noProc).toHaveLength(1);
  });
});
