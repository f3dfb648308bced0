import { describe, expect, it } from "vitest";
import type { LoadSummary } from "./summary.js";
import { isLoadSummary, summariesMarkdown, verdictCells } from "./summary-markdown.js";

function summary(scenario: string, ok: boolean): LoadSummary {
  return {
    version: 1,
    tool: "k6",
    scenario,
    stack: "prod",
    startedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 15_300,
    metrics: {
      connect_success: { rate: 1, passes: 1000, fails: 0 },
      delivery_latency: { med: 6.981, "p(99)": 70.92 },
      messages_received: { count: 50_000 },
      messages_lost: { count: ok ? 0 : 3 },
    },
    thresholds: [
      { metric: "messages_lost", expression: "count<=0", actual: ok ? 0 : 3, ok },
      { metric: "ws_connecting", expression: "p(95)<500", actual: null, ok: true },
    ],
    info: {},
    ok,
  };
}

describe("load summaries as Markdown", () => {
  it("gives one verdict row per scenario with latency, deliveries and loss", () => {
    expect(verdictCells(summary("fanout", false))).toEqual([
      "FAIL",
      "fanout",
      "1000",
      "6.981/70.92",
      "50000",
      "3",
      "15.3s",
    ]);
  });

  it("fails the report when one scenario failed, and opens that scenario's thresholds", () => {
    const md = summariesMarkdown([summary("connect-ramp", true), summary("fanout", false)], "k6");
    expect(md).toMatch(/^## k6: FAIL$/m);
    expect(md).toMatch(/^\| FAIL \| fanout \| 1000 \| 6\.981\/70\.92 \| 50000 \| 3 \| 15\.3s \|$/m);
    expect(md).toMatch(/<details open><summary>fanout \(k6, stack prod\): 1 of 2 thresholds/);
    expect(md).toMatch(/<details><summary>connect-ramp/);
    expect(md).toMatch(/\| \*\*FAIL\*\* \| messages_lost \| `count<=0` \| 3 \|/);
    expect(md).toMatch(/\| pass \| ws_connecting \| `p\(95\)<500` \| no samples \|/);
  });

  it("passes only a non-empty set of passing summaries", () => {
    expect(summariesMarkdown([summary("fanout", true)], "gate")).toMatch(/^## gate: PASS$/m);
    expect(summariesMarkdown([], "gate")).toMatch(/^## gate: FAIL$/m);
  });

  it("tells a summary from other JSON", () => {
    expect(isLoadSummary(summary("fanout", true))).toBe(true);
    expect(isLoadSummary({ version: 1, scenario: "x" })).toBe(false);
    expect(isLoadSummary(null)).toBe(false);
  });
});
