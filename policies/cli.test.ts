// Runs the CLI as a real process on fixture files: exit codes, JSON and SARIF shapes, errors.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRules } from "./rules/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GOOD = "policies/fixtures/good";
const MISTAKES = "policies/fixtures/bad/usual-mistakes.yaml";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "policies/cli.ts", ...args],
      { cwd: ROOT, timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

interface Row {
  rule: string;
  severity: string;
  kind: string;
  namespace: string;
  name: string;
  message: string;
  file: string;
  line: number;
  waived: boolean;
}

describe("policy:check", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), "wshub-policies-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("passes the good manifests (multi-document, List, unknown kinds) with exit 0", async () => {
    const run = await cli(GOOD);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /0 mandatory, 0 advisory, 0 waived in 12 object\(s\) from 2 file\(s\): PASS/,
    );
  });

  it("names every usual mistake and exits 1", async () => {
    const run = await cli("--format", "json", MISTAKES);
    expect(run.code).toBe(1);
    const rows = JSON.parse(run.stdout) as Row[];
    const failing = new Set(rows.filter((r) => !r.waived).map((r) => r.rule));
    const expected = defaultRules().map((r) => r.id);
    expect([...failing].sort()).toEqual([...expected].sort());
    const waived = rows.filter((r) => r.waived);
    expect(waived).toEqual([
      expect.objectContaining({ rule: "wshub-read-only-root-fs", name: "worker", waived: true }),
    ]);
  });

  it("prints JSON rows of rule, severity, kind, namespace, name, message, file and line", async () => {
    const rows = JSON.parse((await cli("--format", "json", MISTAKES)).stdout) as Row[];
    expect(rows).toContainEqual({
      rule: "wshub-hpa-v2",
      severity: "advisory",
      kind: "HorizontalPodAutoscaler",
      namespace: "shop",
      name: "hub",
      message: "uses autoscaling/v2beta2, not autoscaling/v2",
      path: "apiVersion",
      file: MISTAKES,
      line: 108,
      waived: false,
    });
  });

  it("writes SARIF 2.1.0 with the rules and one located result per finding", async () => {
    const run = await cli("--format", "sarif", "--stack", "prod", MISTAKES);
    expect(run.code).toBe(1);
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe("2.1.0");
    const [sarifRun] = sarif.runs;
    const ruleIds = sarifRun.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual(defaultRules().map((r) => r.id));
    const result = sarifRun.results.find((r: { ruleId: string }) => r.ruleId === "wshub-image-tag");
    expect(result).toMatchObject({
      level: "error",
      ruleIndex: ruleIds.indexOf("wshub-image-tag"),
      locations: [
        { physicalLocation: { artifactLocation: { uri: MISTAKES }, region: { startLine: 2 } } },
      ],
    });
    const suppressed = sarifRun.results.filter((r: { suppressions?: unknown }) => r.suppressions);
    expect(suppressed).toHaveLength(1);
    expect(sarifRun.results.some((r: { level: string }) => r.level === "warning")).toBe(true);
  });

  it("drops the prod-only rule with --stack dev", async () => {
    const rows = JSON.parse((await cli("--stack", "dev", "-f", "json", MISTAKES)).stdout) as Row[];
    expect(rows.map((r) => r.rule)).not.toContain("wshub-prod-replicas");
  });

  it("reports invalid YAML with file and line, no stack trace, exit 2", async () => {
    const file = join(tmp, "broken.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: 3\n");
    const run = await cli(GOOD, file);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(new RegExp(`^policy:check: ${file}:5:\\d+: invalid YAML`));
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("exits 2 with a message on bad usage and missing input", async () => {
    const runs = await Promise.all([
      cli(),
      cli("--format", "xml", GOOD),
      cli("--stack", "staging", GOOD),
      cli("--no-such-flag", GOOD),
      cli(join(tmp, "missing.yaml")),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toMatch(/name at least one file or directory/);
    expect(runs[1]?.stderr).toMatch(/--format must be one of text, json, sarif/);
    expect(runs[2]?.stderr).toMatch(/--stack must be dev or prod/);
    expect(runs[3]?.stderr).toMatch(/no-such-flag/);
    expect(runs[4]?.stderr).toMatch(/missing\.yaml: no such file or directory/);
  });
});
