// Renders findings for people (text), programs (JSON) and code scanning (SARIF 2.1.0).
import { relative } from "node:path";
import { type Finding, isFailure } from "./evaluate.js";
import type { InputNotice, LoadedObject } from "./manifests.js";
import type { Rule } from "./types.js";

export const REPORT_FORMATS = ["text", "json", "sarif"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A finding with the file, line and column of its field (or of its object). */
export interface LocatedFinding extends Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** What a report is made from. */
export interface ReportInput {
  readonly findings: readonly LocatedFinding[];
  readonly objects: readonly LoadedObject[];
  readonly files: readonly string[];
  readonly rules: readonly Rule[];
  /** What could not be checked; errors mean the check did not run. */
  readonly notices?: readonly InputNotice[];
}

/** Attaches each finding's file, line and column: its field's, else its object's. */
export function locate(findings: readonly Finding[], objects: readonly LoadedObject[]) {
  return findings.map((f): LocatedFinding => {
    const at = objects[f.objectIndex];
    const pos = at?.locate(f.path) ?? { line: 1, column: 1 };
    return { ...f, file: at?.file ?? "", line: pos.line, column: pos.column };
  });
}

/** One line per notice, `file:line:column: level input/code: message`. */
export function renderNotices(notices: readonly InputNotice[]): string {
  return notices
    .map((n) => `${n.file}:${n.line}:${n.column}: ${n.level} input/${n.code}: ${n.message}\n`)
    .join("");
}

function objectLabel(f: Finding): string {
  return `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name || "(unnamed)"}`;
}

/** One line per finding, then a summary line. */
export function renderText({ findings, objects, files }: ReportInput): string {
  const lines = findings.map((f) => {
    const level = f.waived ? "waived" : f.severity;
    const waiver = f.waived ? ` (waived: ${f.waiverReason})` : "";
    return `${f.file}:${f.line}:${f.column}: ${level} ${f.rule}: ${objectLabel(f)}: ${f.message}${waiver}`;
  });
  const failures = findings.filter(isFailure).length;
  const advisories = findings.filter((f) => f.severity === "advisory" && !f.waived).length;
  const waived = findings.filter((f) => f.waived).length;
  lines.push(
    `${failures} mandatory, ${advisories} advisory, ${waived} waived in ${objects.length} object(s) from ${files.length} file(s): ${failures > 0 ? "FAIL" : "PASS"}`,
  );
  return `${lines.join("\n")}\n`;
}

/** `[{rule, severity, kind, namespace, name, message, path?, file, line, column, waived, waiverReason?}]`. */
export function renderJson({ findings }: ReportInput): string {
  const rows = findings.map(({ objectIndex: _, ...row }) => row);
  return `${JSON.stringify(rows, null, 2)}\n`;
}

/** SARIF 2.1.0: rules in tool.driver.rules; waived findings carry an in-source suppression. */
export function renderSarif(
  { findings, rules, notices = [] }: ReportInput,
  cwd = process.cwd(),
): string {
  const uri = (file: string) => relative(cwd, file).split("\\").join("/");
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
        // Input that could not be checked: an error means the run did not happen.
        invocations: [
          {
            executionSuccessful: !notices.some((n) => n.level === "error"),
            toolExecutionNotifications: notices.map((n) => ({
              descriptor: { id: `input/${n.code}` },
              level: n.level,
              message: { text: n.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: uri(n.file) },
                    region: { startLine: n.line, startColumn: n.column },
                  },
                },
              ],
            })),
          },
        ],
        results: findings.map((f) => ({
          ruleId: f.rule,
          ...(ruleIndex.has(f.rule) && { ruleIndex: ruleIndex.get(f.rule) }),
          level: level(f.severity),
          message: { text: `${objectLabel(f)}: ${f.message}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: uri(f.file) },
                region: { startLine: f.line, startColumn: f.column },
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
