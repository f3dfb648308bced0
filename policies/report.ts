// Renders findings for people (text), programs (JSON) and code scanning (SARIF 2.1.0).
import { relative } from "node:path";
import { type Finding, isFailure } from "./evaluate.js";
import type { LoadedObject } from "./manifests.js";
import type { Rule } from "./types.js";

export const REPORT_FORMATS = ["text", "json", "sarif"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A finding with the file and line of its object. */
export interface LocatedFinding extends Finding {
  readonly file: string;
  readonly line: number;
}

/** What a report is made from. */
export interface ReportInput {
  readonly findings: readonly LocatedFinding[];
  readonly objects: readonly LoadedObject[];
  readonly files: readonly string[];
  readonly rules: readonly Rule[];
}

/** Attaches each finding's file and line from the objects it was evaluated over. */
export function locate(findings: readonly Finding[], objects: readonly LoadedObject[]) {
  return findings.map((f): LocatedFinding => {
    const at = objects[f.objectIndex];
    return { ...f, file: at?.file ?? "", line: at?.line ?? 1 };
  });
}

function objectLabel(f: Finding): string {
  return `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name || "(unnamed)"}`;
}

/** One line per finding, then a summary line. */
export function renderText({ findings, objects, files }: ReportInput): string {
  const lines = findings.map((f) => {
    const level = f.waived ? "waived" : f.severity;
    const waiver = f.waived ? ` (waived: ${f.waiverReason})` : "";
    return `${f.file}:${f.line}: ${level} ${f.rule}: ${objectLabel(f)}: ${f.message}${waiver}`;
  });
  const failures = findings.filter(isFailure).length;
  const advisories = findings.filter((f) => f.severity === "advisory" && !f.waived).length;
  const waived = findings.filter((f) => f.waived).length;
  lines.push(
    `${failures} mandatory, ${advisories} advisory, ${waived} waived in ${objects.length} object(s) from ${files.length} file(s): ${failures > 0 ? "FAIL" : "PASS"}`,
  );
  return `${lines.join("\n")}\n`;
}

/** `[{rule, severity, kind, namespace, name, message, file, line, path?, waived, waiverReason?}]`. */
export function renderJson({ findings }: ReportInput): string {
  const rows = findings.map(({ objectIndex: _, ...row }) => row);
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** SARIF 2.1.0: rules in tool.driver.rules; waived findings carry an in-source suppression. */
export function renderSarif({ findings, rules }: ReportInput, cwd = process.cwd()): string {
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const level = (severity: string) => (severity === "mandatory" ? "error" : "warning");
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "wshub-policies",
            informationUri: "https://github.com/wshub/wshub/blob/main/docs/policies.md",
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              fullDescription: { text: r.rationale },
              help: { text: r.fix },
              defaultConfiguration: { level: level(r.severity) },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(ruleIndex.has(f.rule) && { ruleIndex: ruleIndex.get(f.rule) }),
          level: level(f.severity),
          message: { text: `${objectLabel(f)}: ${f.message}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: relative(cwd, f.file).split("\\").join("/") },
                region: { startLine: f.line },
              },
            },
          ],
          ...(f.waived && {
            suppressions: [{ kind: "inSource", justification: f.waiverReason }],
          }),
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** The report in the chosen format. */
export function render(format: ReportFormat, input: ReportInput): string {
  if (format === "json") return renderJson(input);
  if (format === "sarif") return renderSarif(input);
  return renderText(input);
}
