import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { InvariantResult } from "../invariants.js";
import type { Recording } from "../recording.js";
import { timelineSvg } from "./svg.js";
import { type FaultMark, latencySummary, type TimelinePoint, timeline } from "./timeline.js";
import { type CostBounds, type UserCost, userCost } from "./user-cost.js";

/** What report.json holds for one scenario. */
export interface ScenarioReport {
  scenario: string;
  title: string;
  /** The bound the scenario states, in words (e.g. "every client back within 15000 ms"). */
  bound: string;
  outcome: "pass" | "fail";
  startedAt: string;
  durationMs: number;
  /** The infra numbers the hubs ran with, and every value scaled for the time budget. */
  settings: Record<string, unknown>;
  faults: FaultMark[];
  invariants: InvariantResult[];
  /** Scenario figures: time to recover, p99, "rolled back", ... */
  figures: Record<string, number | string | boolean>;
  latency: { p50Ms: number; p99Ms: number; n: number };
  /** What the users felt (longest delay, refusal, disconnection) and the bound of each. */
  cost: UserCost;
  costBounds: CostBounds;
  /** The delivery p99 the SLO allows (ms): drawn over the chart's latency panel. */
  deliveryP99BoundMs?: number;
  timeline: TimelinePoint[];
}

export interface ReportInput {
  scenario: string;
  title: string;
  bound: string;
  settings: Record<string, unknown>;
  faults: FaultMark[];
  invariants: InvariantResult[];
  figures: Record<string, number | string | boolean>;
  costBounds?: CostBounds;
  deliveryP99BoundMs?: number;
  recording: Recording;
}

/** Assembles the report; `outcome` is fail when any invariant failed. */
export function buildReport(input: ReportInput): ScenarioReport {
  const { recording } = input;
  return {
    scenario: input.scenario,
    title: input.title,
    bound: input.bound,
    outcome: input.invariants.every((i) => i.pass) ? "pass" : "fail",
    startedAt: new Date(recording.startedAt).toISOString(),
    durationMs: recording.endedAt - recording.startedAt,
    settings: input.settings,
    faults: input.faults,
    invariants: input.invariants,
    figures: input.figures,
    latency: latencySummary(recording),
    cost: userCost(recording),
    costBounds: input.costBounds ?? {},
    ...(input.deliveryP99BoundMs === undefined
      ? {}
      : { deliveryP99BoundMs: input.deliveryP99BoundMs }),
    timeline: timeline(recording),
  };
}

function cell(value: unknown): string {
  return String(value).replace(/\|/g, "\\|").replace(/\n/g, " ");
}

const COST_NAMES: ReadonlyArray<[keyof UserCost, string]> = [
  ["longestDeliveryDelayMs", "longest delivery delay"],
  ["publishesRefusedMs", "publishes refused for"],
  ["longestDisconnectMs", "longest client disconnection"],
];

/** report.md: verdict, invariants with figures, faults, scenario figures, the chart. */
export function reportMarkdown(report: ScenarioReport): string {
  const lines = [
    `# ${report.scenario}: ${report.title}`,
    "",
    `**${report.outcome.toUpperCase()}** · bound: ${report.bound} · ${(report.durationMs / 1000).toFixed(1)} s · started ${report.startedAt}`,
    "",
    "## Invariants",
    "",
    "| invariant | result | figures |",
    "| --- | --- | --- |",
    ...report.invariants.map(
      (i) =>
        `| ${cell(i.name)} | ${i.pass ? "pass" : "**FAIL**"} | ${cell(
          Object.entries(i.figures)
            .map(([k, v]) => `${k}=${v}`)
            .join(", "),
        )} |`,
    ),
    "",
  ];
  lines.push(
    "## User-visible cost",
    "",
    "| cost | measured (ms) | bound (ms) | within |",
    "| --- | --- | --- | --- |",
  );
  for (const [key, name] of COST_NAMES) {
    const bound = report.costBounds[key];
    const measured = report.cost[key];
    const within = bound === undefined ? "no bound" : measured <= bound ? "yes" : "**no**";
    lines.push(`| ${name} | ${measured} | ${bound ?? "-"} | ${within} |`);
  }
  lines.push("");
  for (const failed of report.invariants.filter((i) => !i.pass)) {
    lines.push(`### ${failed.name}: violations`, "", ...failed.violations.map((v) => `- ${v}`), "");
  }
  lines.push("## Faults", "", "| at (s) | until (s) | fault |", "| --- | --- | --- |");
  for (const f of report.faults) {
    const until = f.endMs === undefined ? "" : (f.endMs / 1000).toFixed(1);
    lines.push(`| ${(f.atMs / 1000).toFixed(1)} | ${until} | ${cell(f.label)} |`);
  }
  lines.push("", "## Figures", "", "| figure | value |", "| --- | --- |");
  const figures = {
    ...report.figures,
    "delivery p50 (ms)": report.latency.p50Ms,
    "delivery p99 (ms)": report.latency.p99Ms,
    deliveries: report.latency.n,
  };
  for (const [k, v] of Object.entries(figures)) lines.push(`| ${cell(k)} | ${cell(v)} |`);
  lines.push("", "## Timeline", "", "![timeline](timeline.svg)", "");
  lines.push("## Settings", "", "```json", JSON.stringify(report.settings, null, 2), "```", "");
  return lines.join("\n");
}

/** The report's timeline chart, with the delivery p99 bound drawn when there is one. */
export function chartOf(report: ScenarioReport): string {
  const bound = report.deliveryP99BoundMs;
  return timelineSvg(
    report.timeline,
    report.faults,
    bound === undefined ? {} : { deliveryBoundMs: bound },
  );
}

/** Writes report.json, report.md and timeline.svg into `dir`; returns the report. */
export async function writeReport(dir: string, input: ReportInput): Promise<ScenarioReport> {
  const report = buildReport(input);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, "report.md"), reportMarkdown(report));
  await writeFile(join(dir, "timeline.svg"), chartOf(report));
  return report;
}
