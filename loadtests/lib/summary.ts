// The one summary shape written by k6's handleSummary and by the Node driver, so CI reads both
// the same way. No runtime imports: k6 loads this file as it is.
import type { MetricValues, ThresholdResult } from "./slo.js";

/** What a load run reports: its metrics (k6-named statistics) and every threshold's outcome. */
export interface LoadSummary {
  version: 1;
  tool: "k6" | "node";
  scenario: string;
  stack: string;
  startedAt: string;
  durationMs: number;
  metrics: Record<string, MetricValues>;
  thresholds: ThresholdResult[];
  /** Facts that are not thresholds, e.g. server memory read from /metrics. */
  info: Record<string, number | string>;
  ok: boolean;
}

/** The part of k6's handleSummary `data` this reads (k6 documents the shape; @types/k6 lacks it). */
export interface K6SummaryData {
  state?: { testRunDurationMs?: number };
  metrics: Record<
    string,
    { type?: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }
  >;
}

/** Parses a k6 threshold expression such as `p(95)<500` into the statistic it reads. */
function statOf(expression: string): string {
  const match = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(?:<=|>=|==|!=|<|>)/.exec(expression);
  return match?.[1] ?? expression;
}

/** Builds the summary from k6's end-of-test data, keeping only the listed metrics. */
export function summaryFromK6(
  data: K6SummaryData,
  meta: {
    scenario: string;
    stack: string;
    metricNames: readonly string[];
    info?: Record<string, number | string>;
  },
): LoadSummary {
  const durationMs = data.state?.testRunDurationMs ?? 0;
  const metrics: Record<string, MetricValues> = {};
  const thresholds: ThresholdResult[] = [];
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (meta.metricNames.includes(name)) metrics[name] = { ...metric.values };
    for (const [expression, result] of Object.entries(metric.thresholds ?? {})) {
      const value = metric.values[statOf(expression)];
      thresholds.push({
        metric: name,
        expression,
        actual: typeof value === "number" && Number.isFinite(value) ? value : null,
        ok: result.ok,
      });
    }
  }
  return {
    version: 1,
    tool: "k6",
    scenario: meta.scenario,
    stack: meta.stack,
    startedAt: new Date(Date.now() - durationMs).toISOString(),
    durationMs,
    metrics,
    thresholds,
    info: meta.info ?? {},
    ok: thresholds.every((t) => t.ok),
  };
}

/** A fixed-width text table of the thresholds, for a terminal or a CI log. */
export function summaryTable(summary: LoadSummary): string {
  const rows = summary.thresholds.map((t) => [
    t.ok ? "pass" : "FAIL",
    t.metric,
    t.expression,
    t.actual === null ? "no samples" : formatNumber(t.actual),
  ]);
  const header = ["result", "metric", "threshold", "actual"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  const title = `${summary.scenario} (${summary.tool}, stack ${summary.stack}, ${(summary.durationMs / 1000).toFixed(1)} s): ${summary.ok ? "PASS" : "FAIL"}`;
  return [title, line(header), ...rows.map(line)].join("\n");
}

/** Rounds for display: integers stay whole, fractions keep 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
