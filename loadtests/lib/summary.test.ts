import { describe, expect, it } from "vitest";
import { junitXml } from "./junit.js";
import type { LoadSummary } from "./summary.js";
import { summaryFromK6, summaryTable } from "./summary.js";

const k6Data = {
  state: { testRunDurationMs: 12_500 },
  metrics: {
    ws_connecting: {
      type: "trend",
      values: { avg: 3, min: 1, med: 2.5, max: 9, "p(90)": 6, "p(95)": 7.25, "p(99)": 8.9 },
      thresholds: { "p(95)<500": { ok: true } },
    },
    messages_lost: {
      type: "counter",
      values: { count: 2, rate: 0.1 },
      thresholds: { "count<=0": { ok: false } },
    },
    iterations: { type: "counter", values: { count: 40, rate: 3.2 } },
  },
};

function summary(): LoadSummary {
  return summaryFromK6(k6Data, {
    scenario: "fanout",
    stack: "dev",
    metricNames: ["ws_connecting", "messages_lost"],
  });
}

describe("summaryFromK6", () => {
  it("keeps the listed metrics, reads each threshold's verdict and the statistic it compares", () => {
    const s = summary();
    expect(Object.keys(s.metrics).sort()).toEqual(["messages_lost", "ws_connecting"]);
    expect(s.thresholds).toEqual([
      { metric: "ws_connecting", expression: "p(95)<500", actual: 7.25, ok: true },
      { metric: "messages_lost", expression: "count<=0", actual: 2, ok: false },
    ]);
    expect(s.ok).toBe(false);
    expect(s.durationMs).toBe(12_500);
    expect(s.tool).toBe("k6");
  });
});

describe("report formats", () => {
  it("writes one JUnit test case per threshold with a failure for each breach", () => {
    const xml = junitXml(summary());
    expect(xml).toContain('tests="2" failures="1"');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('name="messages_lost count&lt;=0"');
    expect(xml).toContain("failed: actual 2");
  });

  it("prints a table row per threshold and the overall verdict", () => {
    const table = summaryTable(summary());
    expect(table.split("\n")[0]).toContain("FAIL");
    expect(table).toMatch(/FAIL\s+messages_lost\s+count<=0\s+2/);
    expect(table).toMatch(/pass\s+ws_connecting\s+p\(95\)<500\s+7\.25/);
  });
});
