// Load summaries (k6's handleSummary files or the Node driver's) as Markdown for a CI job
// summary, and the one-row-per-scenario verdict the gate also prints as text.
import { formatNumber, type LoadSummary } from "./summary.js";

/** Columns of the verdict table, one row per scenario. */
export const VERDICT_HEADER = [
  "result",
  "scenario",
  "connects",
  "p50/p99 ms",
  "delivered",
  "lost",
  "time",
] as const;

/** The verdict row of one summary, in VERDICT_HEADER's order. */
export function verdictCells(s: LoadSummary): string[] {
  const lat = s.metrics.delivery_latency;
  return [
    s.ok ? "pass" : "FAIL",
    s.scenario,
    String(s.metrics.connect_success?.passes ?? 0),
    lat
      ? `${formatNumber(lat.med ?? Number.NaN)}/${formatNumber(lat["p(99)"] ?? Number.NaN)}`
      : "-",
    String(s.metrics.messages_received?.count ?? 0),
    String(s.metrics.messages_lost?.count ?? 0),
    `${(s.durationMs / 1000).toFixed(1)}s`,
  ];
}

/** True for a parsed JSON value that has the summary's shape (version 1, thresholds, ok). */
export function isLoadSummary(value: unknown): value is LoadSummary {
  const v = value as Partial<LoadSummary> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    v.version === 1 &&
    typeof v.scenario === "string" &&
    Array.isArray(v.thresholds) &&
    typeof v.ok === "boolean" &&
    typeof v.metrics === "object"
  );
}

function row(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
}

function table(header: readonly string[], rows: string[][]): string {
  return [row(header), row(header.map(() => "---")), ...rows.map(row)].join("\n");
}

/** A Markdown report: overall verdict, one row per scenario, then each scenario's thresholds. */
export function summariesMarkdown(summaries: LoadSummary[], title: string): string {
  const ok = summaries.length > 0 && summaries.every((s) => s.ok);
  const parts = [
    `## ${title}: ${ok ? "PASS" : "FAIL"}`,
    table(VERDICT_HEADER, summaries.map(verdictCells)),
  ];
  for (const s of summaries) {
    const failed = s.thresholds.filter((t) => !t.ok).length;
    parts.push(
      `<details${failed > 0 ? " open" : ""}><summary>${s.scenario} (${s.tool}, stack ${s.stack}): ${failed} of ${s.thresholds.length} thresholds failed</summary>\n\n${table(
        ["result", "metric", "threshold", "actual"],
        s.thresholds.map((t) => [
          t.ok ? "pass" : "**FAIL**",
          t.metric,
          `\`${t.expression}\``,
          t.actual === null ? "no samples" : formatNumber(t.actual),
        ]),
      )}\n\n</details>`,
    );
  }
  return `${parts.join("\n\n")}\n`;
}
