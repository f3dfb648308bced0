import { describe, expect, it } from "vitest";
import { durationMs, parseThreshold, passes, Sink, ThresholdError } from "./metrics.js";

describe("k6 metrics and thresholds", () => {
  it("passes a Trend threshold with no samples, as k6 does (an empty Trend reads 0)", () => {
    const trend = new Sink("delivery_latency", "trend", true);
    expect(passes(trend, parseThreshold(trend, "p(95)<150"), 1)).toBe(true);
    expect(passes(trend, parseThreshold(trend, "max<15000"), 1)).toBe(true);
  });

  it("reads 0 for an empty Counter and Rate, so only a count guard catches an empty run", () => {
    const counter = new Sink("messages_received", "counter", false);
    expect(passes(counter, parseThreshold(counter, "count<=0"), 1)).toBe(true);
    expect(passes(counter, parseThreshold(counter, "count>0"), 1)).toBe(false);
    const rate = new Sink("errors", "rate", false);
    expect(passes(rate, parseThreshold(rate, "rate<=0.01"), 1)).toBe(true);
    expect(passes(rate, parseThreshold(rate, "rate>=0.99"), 1)).toBe(false);
  });

  it("refuses aggregations a metric type does not have (no count on a Trend)", () => {
    const trend = new Sink("t", "trend", true);
    expect(() => parseThreshold(trend, "count>0")).toThrow(ThresholdError);
    expect(() => parseThreshold(new Sink("c", "counter", false), "p(95)<1")).toThrow(
      /a counter has no "p\(95\)"/,
    );
    expect(() => parseThreshold(trend, "p95 < 1")).toThrow(/invalid threshold/);
  });

  it("computes percentiles between ranks and rates from booleans", () => {
    const trend = new Sink("t", "trend", true);
    for (const v of [40, 10, 30, 20]) trend.add(v);
    expect(trend.trendStat("med")).toBe(25);
    expect(trend.trendStat("p(100)")).toBe(40);
    expect(trend.stats(1, ["avg", "count"])).toEqual({ avg: 25, count: 4 });
    const rate = new Sink("r", "rate", false);
    rate.add(true);
    rate.add(false);
    rate.add(false);
    rate.add(true);
    expect(rate.stats(1, [])).toEqual({ rate: 0.5, passes: 2, fails: 2 });
  });

  it("reads abortOnFail and delayAbortEval", () => {
    const counter = new Sink("messages_lost", "counter", false);
    const t = parseThreshold(counter, {
      threshold: "count<=0",
      abortOnFail: true,
      delayAbortEval: "1m30s",
    });
    expect(t).toMatchObject({ abortOnFail: true, delayAbortEvalMs: 90_000, op: "<=", limit: 0 });
    expect(durationMs("500ms")).toBe(500);
    expect(() => durationMs("soon")).toThrow(/invalid duration/);
  });
});
