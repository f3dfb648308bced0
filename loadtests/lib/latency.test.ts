import { describe, expect, it } from "vitest";
import { LatencyHistogram } from "./latency.js";

function exactPercentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

describe("LatencyHistogram", () => {
  it("gives percentiles within 1 % of the exact ones over a skewed distribution", () => {
    const h = new LatencyHistogram();
    const samples: number[] = [];
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const v = 0.2 + (x / 2 ** 31) ** 4 * 900;
      samples.push(v);
      h.record(v);
    }
    samples.sort((a, b) => a - b);
    for (const p of [50, 90, 95, 99]) {
      const exact = exactPercentile(samples, p);
      expect(Math.abs(h.percentile(p) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.values()?.min).toBe(samples[0]);
    expect(h.values()?.max).toBe(samples.at(-1));
    expect(h.count).toBe(20_000);
  });

  it("reports no values when empty and NaN percentiles", () => {
    const h = new LatencyHistogram();
    expect(h.values()).toBeUndefined();
    expect(h.percentile(99)).toBeNaN();
  });

  it("merges two histograms into the distribution of their union", () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) a.record(i);
    for (let i = 101; i <= 200; i++) b.record(i);
    a.merge(b);
    expect(a.count).toBe(200);
    expect(a.percentile(50)).toBeCloseTo(100, -0.5);
    expect(a.values()?.max).toBe(200);
    expect(a.values()?.avg).toBeCloseTo(100.5, 9);
  });

  it("clamps negative samples to zero and very large ones to the top bucket", () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(5e6);
    expect(h.values()?.min).toBe(0);
    expect(h.percentile(100)).toBe(5e6);
  });
});
