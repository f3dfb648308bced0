import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { costLine, type UserCost } from "./user-cost.js";
import type { ScenarioReport } from "./write.js";

/** The summary's cost cell: the three figures, and which of them broke its bound. */
function costCell(report: ScenarioReport): string {
  // Reports written before the cost existed have none.
  if (!report.cost) return "-";
  const over = (Object.keys(report.cost) as (keyof UserCost)[]).filter((k) => {
    const bound = report.costBounds?.[k];
    return bound !== undefined && report.cost[k] > bound;
  });
  return over.length
    ? `${costLine(report.cost)} (**over bound**: ${over.join(", ")})`
    : costLine(report.cost);
}

/**
 * Writes summary.md over every `<scenario>/report.json` in a run directory and returns the
 * reports found (a scenario that crashed before writing its report is simply absent).
 */
export async function writeSummary(runDir: string): Promise<ScenarioReport[]> {
  const entries = await readdir(runDir, { withFileTypes: true }).catch(() => []);
  const reports: ScenarioReport[] = [];
  for (const entry of entries
    .filter((e) => e.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    const text = await readFile(join(runDir, entry.name, "report.json"), "utf8").catch(() => null);
    if (text !== null) reports.push(JSON.parse(text) as ScenarioReport);
  }
  if (reports.length === 0) return reports;
  const lines = [
    "# Chaos run",
    "",
    "| scenario | result | bound | user-visible cost | duration (s) | failed invariants |",
    "| --- | --- | --- | --- | --- | --- |",
    ...reports.map((r) => {
      const failed = r.invariants.filter((i) => !i.pass).map((i) => i.name);
      return `| [${r.scenario}](${r.scenario}/report.md) | ${r.outcome === "pass" ? "pass" : "**FAIL**"} | ${r.bound} | ${costCell(r)} | ${(r.durationMs / 1000).toFixed(0)} | ${failed.join("; ")} |`;
    }),
    "",
  ];
  await writeFile(join(runDir, "summary.md"), lines.join("\n"));
  return reports;
}
