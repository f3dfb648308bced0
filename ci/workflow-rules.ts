// The rules every workflow of .github/workflows/ keeps, beyond GitHub's schema: actions pinned
// to a full commit SHA with its tag in a comment (the same SHA everywhere), least-privilege
// permissions, a concurrency group, bounded jobs, Node from .nvmrc, no expression pasted into a
// script, and only npm scripts that exist. Pure: text in, findings out.
import { parse } from "yaml";

export type RuleCode =
  | "unpinned-action"
  | "pin-comment"
  | "pin-mismatch"
  | "permissions-missing"
  | "permissions-broad"
  | "concurrency-missing"
  | "timeout-missing"
  | "node-version"
  | "checkout-credentials"
  | "script-injection"
  | "npm-script";

export interface Finding {
  code: RuleCode;
  file: string;
  message: string;
}

/** Scopes a job may write, each for one named purpose (code scanning uploads). */
export const WRITE_SCOPES_ALLOWED = new Set(["security-events"]);

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: unknown;
  "timeout-minutes"?: unknown;
  steps?: Step[];
}
interface Workflow {
  permissions?: unknown;
  concurrency?: unknown;
  jobs?: Record<string, Job>;
}

const SHA = /^[0-9a-f]{40}$/;
const USES_LINE = /^\s*(?:-\s+)?uses:\s*([^\s#]+)\s*(?:#\s*(.*))?$/;

/** One pinned `uses:` of a file: action, SHA and the tag named in its comment. */
export interface Pin {
  file: string;
  action: string;
  sha: string;
  tag: string | undefined;
}

/** Pins and pin findings of one workflow's text (comments are read from the raw lines). */
export function readPins(file: string, text: string): { pins: Pin[]; findings: Finding[] } {
  const pins: Pin[] = [];
  const findings: Finding[] = [];
  text.split("\n").forEach((line, i) => {
    const m = USES_LINE.exec(line);
    if (!m) return;
    const ref = m[1] as string;
    if (ref.startsWith("./") || ref.startsWith("docker://")) return;
    const at = ref.lastIndexOf("@");
    const action = at > 0 ? ref.slice(0, at) : ref;
    const sha = at > 0 ? ref.slice(at + 1) : "";
    if (!SHA.test(sha)) {
      findings.push({
        code: "unpinned-action",
        file,
        message: `line ${i + 1}: ${ref} is not pinned to a full commit SHA (40 hex digits)`,
      });
      return;
    }
    const tag = /^(v\d+\.\d+\.\d+)\b/.exec(m[2] ?? "")?.[1];
    if (!tag) {
      findings.push({
        code: "pin-comment",
        file,
        message: `line ${i + 1}: ${action}@${sha} needs a "# vX.Y.Z" comment naming the tag`,
      });
    }
    pins.push({ file, action, sha, tag });
  });
  return { pins, findings };
}

/** An action pinned to two SHAs, or one SHA named as two tags, across all workflows. */
export function pinMismatches(pins: Pin[]): Finding[] {
  const byAction = new Map<string, Pin>();
  const findings: Finding[] = [];
  for (const pin of pins) {
    const first = byAction.get(pin.action);
    if (!first) {
      byAction.set(pin.action, pin);
      continue;
    }
    if (first.sha !== pin.sha || first.tag !== pin.tag) {
      findings.push({
        code: "pin-mismatch",
        file: pin.file,
        message: `${pin.action} is pinned to ${pin.sha} (${pin.tag}) here and to ${first.sha} (${first.tag}) in ${first.file}`,
      });
    }
  }
  return findings;
}

function writeScopes(permissions: unknown): string[] {
  if (typeof permissions === "string") return permissions === "read-all" ? [] : [permissions];
  if (typeof permissions !== "object" || permissions === null) return [];
  return Object.entries(permissions)
    .filter(([, level]) => level === "write")
    .map(([scope]) => scope);
}

/** Findings of one workflow's structure; `scripts` are package.json's script names. */
export function checkWorkflow(file: string, text: string, scripts: Set<string>): Finding[] {
  const findings: Finding[] = [...readPins(file, text).findings];
  const wf = (parse(text) ?? {}) as Workflow;
  const add = (code: RuleCode, message: string) => findings.push({ code, file, message });
  if (wf.permissions === undefined) add("permissions-missing", "no top-level permissions:");
  const topWrites = writeScopes(wf.permissions);
  if (topWrites.length > 0)
    add("permissions-broad", `top-level permissions grant ${topWrites.join(", ")}: grant per job`);
  if (wf.concurrency === undefined) add("concurrency-missing", "no concurrency group");
  for (const [name, job] of Object.entries(wf.jobs ?? {})) {
    const broad = writeScopes(job.permissions).filter((s) => !WRITE_SCOPES_ALLOWED.has(s));
    if (broad.length > 0) add("permissions-broad", `job ${name} may write ${broad.join(", ")}`);
    if (job["timeout-minutes"] === undefined) add("timeout-missing", `job ${name}: no timeout`);
    for (const step of job.steps ?? []) {
      const uses = step.uses ?? "";
      if (uses.startsWith("actions/setup-node@")) {
        if (step.with?.["node-version-file"] !== ".nvmrc" || "node-version" in (step.with ?? {}))
          add("node-version", `job ${name}: setup-node must read node-version-file: .nvmrc`);
      }
      if (uses.startsWith("actions/checkout@") && step.with?.["persist-credentials"] !== false)
        add("checkout-credentials", `job ${name}: checkout needs persist-credentials: false`);
      const run = step.run ?? "";
      if (run.includes("${{"))
        add("script-injection", `job ${name}: a run: script holds an expression; pass it in env:`);
      for (const m of run.matchAll(/\bnpm run (?:--silent )?([\w:.-]+)/g)) {
        if (!scripts.has(m[1] as string))
          add("npm-script", `job ${name}: npm run ${m[1]} is not a script of package.json`);
      }
    }
  }
  return findings;
}
