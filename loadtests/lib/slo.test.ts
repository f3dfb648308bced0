import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  evaluateThresholds,
  METRIC,
  type SCENARIOS,
  SloError,
  sloForStack,
  sloThresholds,
  toK6Thresholds,
} from "./slo.js";

const file = JSON.parse(
  readFileSync(new URL("../../contract/slo.json", import.meta.url), "utf8"),
) as unknown;
const dev = sloForStack(file, "dev");

describe("sloForStack", () => {
  it("reads every SLO of a stack from the repository's SLO file", () => {
    expect(dev.connectSuccessRate).toBeGreaterThan(0);
    expect(sloForStack(file, "prod").errorRate).toBeLessThanOrEqual(dev.errorRate);
  });

  it("names the stacks that exist when asked for a missing one", () => {
    expect(() => sloForStack(file, "staging")).toThrow(/no stack "staging".*dev, prod/);
    expect(() => sloForStack(file, "$comment")).toThrow(SloError);
  });

  it("names the key of a non-numeric value", () => {
    expect(() => sloForStack({ dev: { ...dev, deliveryP99Ms: "300" } }, "dev")).toThrow(
      /dev\.deliveryP99Ms/,
    );
  });
});

describe("sloThresholds and toK6Thresholds", () => {
  it("maps the SLOs to k6 expressions, with abortOnFail on connect success and loss", () => {
    const k6 = toK6Thresholds(sloThresholds(dev, "fanout"));
    expect(k6[METRIC.connectTime]).toEqual([`p(95)<${dev.connectTimeP95Ms}`]);
    expect(k6[METRIC.delivery]).toEqual([
      `med<${dev.deliveryP50Ms}`,
      `p(95)<${dev.deliveryP95Ms}`,
      `p(99)<${dev.deliveryP99Ms}`,
    ]);
    expect(k6[METRIC.lost]).toEqual([
      { threshold: `count<=${dev.messageLoss}`, abortOnFail: true },
    ]);
    expect(k6[METRIC.connectSuccess]).toEqual([
      { threshold: `rate>=${dev.connectSuccessRate}`, abortOnFail: true, delayAbortEval: "30s" },
    ]);
  });

  it("rests every verdict on a count an empty run cannot meet (k6 passes empty metrics)", () => {
    const guards = (s: (typeof SCENARIOS)[number]) =>
      sloThresholds(dev, s)
        .filter((t) => t.stat === "count" && t.op === ">")
        .map((t) => t.metric);
    expect(guards("connect-ramp")).toEqual([METRIC.sessions]);
    expect(guards("fanout")).toEqual([METRIC.sessions, METRIC.published, METRIC.received]);
    expect(guards("reconnect-storm")).toEqual([
      METRIC.sessions,
      METRIC.reconnects,
      METRIC.published,
      METRIC.received,
    ]);
  });

  it("gates each scenario on what it measures", () => {
    const metricsOf = (s: (typeof SCENARIOS)[number]) =>
      new Set(sloThresholds(dev, s).map((t) => t.metric));
    expect(metricsOf("connect-ramp").has(METRIC.delivery)).toBe(false);
    expect(metricsOf("soak").has(METRIC.lost)).toBe(true);
    expect(metricsOf("reconnect-storm").has(METRIC.reconnect)).toBe(true);
    expect(metricsOf("fanout").has(METRIC.reconnect)).toBe(false);
  });
});

describe("evaluateThresholds", () => {
  const specs = sloThresholds(dev, "fanout");

  it("passes values inside every SLO", () => {
    const results = evaluateThresholds(specs, {
      [METRIC.connectSuccess]: { rate: 1 },
      [METRIC.connectTime]: { "p(95)": 3 },
      [METRIC.errors]: { rate: 0 },
      [METRIC.delivery]: { med: 1, "p(95)": 2, "p(99)": 4 },
      [METRIC.lost]: { count: 0 },
      [METRIC.sessions]: { count: 10 },
      [METRIC.published]: { count: 5 },
      [METRIC.received]: { count: 50 },
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results).toHaveLength(10);
  });

  it("fails a breached limit, a boundary on a strict comparison and a metric with no samples", () => {
    const results = evaluateThresholds(specs, {
      [METRIC.connectSuccess]: { rate: dev.connectSuccessRate },
      [METRIC.connectTime]: { "p(95)": dev.connectTimeP95Ms },
      [METRIC.errors]: { rate: 0 },
      [METRIC.lost]: { count: 1 },
      [METRIC.sessions]: { count: 10 },
      [METRIC.published]: { count: 5 },
      [METRIC.received]: { count: 0 },
    });
    const failed = results.filter((r) => !r.ok).map((r) => `${r.metric} ${r.expression}`);
    expect(failed).toEqual([
      `${METRIC.connectTime} p(95)<${dev.connectTimeP95Ms}`,
      `${METRIC.received} count>0`,
      `${METRIC.delivery} med<${dev.deliveryP50Ms}`,
      `${METRIC.delivery} p(95)<${dev.deliveryP95Ms}`,
      `${METRIC.delivery} p(99)<${dev.deliveryP99Ms}`,
      `${METRIC.lost} count<=${dev.messageLoss}`,
    ]);
    expect(results.find((r) => r.metric === METRIC.delivery)?.actual).toBeNull();
  });
});
