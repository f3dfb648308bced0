// Runs the CLI as a real process on fixture files: exit codes, JSON and SARIF shapes, errors.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultRules } from "./rules/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const GOOD = "policies/fixtures/good";
const MISTAKES = "policies/fixtures/bad/usual-mistakes.yaml";
// Every rule's own bad fixture, beside its test.
const RULE_FIXTURES = readdirSync(new URL("./rules/", import.meta.url))
  .filter((f) => f.endsWith(".bad.yaml"))
  .map((f) => `policies/rules/${f}`);

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
  column: number;
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
      /0 mandatory, 0 advisory, 0 waived in 14 object\(s\) from 2 file\(s\): PASS/,
    );
  });

  it("names every rule across the usual mistakes and the rules' bad fixtures, and exits 1", async () => {
    const run = await cli("--format", "json", MISTAKES, ...RULE_FIXTURES);
    expect(run.code).toBe(1);
    const rows = JSON.parse(run.stdout) as Row[];
    const failing = new Set(rows.filter((r) => !r.waived).map((r) => r.rule));
    const expected = defaultRules().map((r) => r.id);
    expect([...failing].sort()).toEqual([...expected].sort());
    const waived = rows.filter((r) => r.waived && r.file === MISTAKES);
    expect(waived).toEqual([
      expect.objectContaining({ rule: "wshub-read-only-root-fs", name: "worker", waived: true }),
    ]);
  });

  it("prints JSON rows of rule, severity, kind, namespace, name, message, file, line and column", async () => {
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
      column: 1,
      waived: false,
    });
  });

  it("points text, JSON and SARIF at the offending field's line and column", async () => {
    const [text, json, sarif] = await Promise.all([
      cli(MISTAKES),
      cli("-f", "json", MISTAKES),
      cli("-f", "sarif", MISTAKES),
    ]);
    // `image: nginx:latest` is line 19, its key at column 11 (inside `- name: api`).
    expect(text.stdout).toContain(
      `${MISTAKES}:19:11: mandatory wshub-image-tag: Deployment shop/api`,
    );
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ rule: "wshub-image-tag", line: 19, column: 11 }),
    );
    const results = JSON.parse(sarif.stdout).runs[0].results;
    const image = results.find((r: { ruleId: string }) => r.ruleId === "wshub-image-tag");
    expect(image.locations[0].physicalLocation.region).toEqual({ startLine: 19, startColumn: 11 });
    // A missing field points at its nearest written ancestor: the container without probes.
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ rule: "wshub-probes", name: "api", line: 18, column: 11 }),
    );
  });

  it("fails APIs removed by --kube-version, not those removed later", async () => {
    const rules = async (version: string) =>
      (JSON.parse((await cli("-f", "json", "--kube-version", version, MISTAKES)).stdout) as Row[])
        .filter((r) => r.rule === "wshub-removed-api")
        .map((r) => r.severity);
    expect(await rules("1.26")).toEqual(["mandatory"]);
    expect(await rules("v1.25.4")).toEqual([]);
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
        {
          physicalLocation: {
            artifactLocation: { uri: MISTAKES },
            region: { startLine: 19, startColumn: 11 },
          },
        },
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

  it("reports invalid YAML with file, line and column in every format, SARIF included, exit 2", async () => {
    const file = join(tmp, "broken.yaml");
    await writeFile(file, "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: [1, 2\n  b: 3\n");
    const [text, json, sarif] = await Promise.all([
      cli(GOOD, file),
      cli("-f", "json", GOOD, file),
      cli("-f", "sarif", GOOD, file),
    ]);
    expect([text.code, json.code, sarif.code]).toEqual([2, 2, 2]);
    expect(text.stdout).toBe("");
    expect(json.stdout).toBe("");
    expect(text.stderr).toMatch(
      new RegExp(`^${file}:5:\\d+: error input/invalid-yaml: invalid YAML`),
    );
    expect(text.stderr).not.toMatch(/\n\s+at /);
    const [run] = JSON.parse(sarif.stdout).runs;
    expect(run.results).toEqual([]);
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0]).toMatchObject({
      descriptor: { id: "input/invalid-yaml" },
      level: "error",
      locations: [{ physicalLocation: { region: { startLine: 5 } } }],
    });
  });

  it("reports an unrendered Helm template as such, not as an unnamed Deployment, exit 2", async () => {
    const file = join(tmp, "chart-deployment.yaml");
    await writeFile(
      file,
      [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        '  name: {{ include "app.fullname" . }}',
        "  annotations:",
        "    vault.hashicorp.com/agent-inject-template-x: '{{ .Data.data.x }}'",
        "{{- if .Values.enabled }}",
        "spec: {}",
        "{{- end }}",
        "",
      ].join("\n"),
    );
    const [text, sarif] = await Promise.all([cli(file), cli("-f", "sarif", file)]);
    expect([text.code, sarif.code]).toEqual([2, 2]);
    expect(text.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(new RegExp(`^${file}:4:9: error input/unrendered-template: `)),
      expect.stringMatching(new RegExp(`^${file}:7:1: error input/unrendered-template: `)),
      expect.stringMatching(new RegExp(`^${file}:9:1: error input/unrendered-template: `)),
    ]);
    expect(text.stderr).not.toMatch(/unnamed/);
    const notes = JSON.parse(sarif.stdout).runs[0].invocations[0].toolExecutionNotifications;
    expect(notes.map((n: { descriptor: { id: string } }) => n.descriptor.id)).toEqual([
      "input/unrendered-template",
      "input/unrendered-template",
      "input/unrendered-template",
    ]);
  });

  it("says what is not Kubernetes: kind without apiVersion fails, other YAML is skipped", async () => {
    const dir = join(tmp, "not-k8s");
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    await writeFile(join(dir, "compose.yaml"), "services:\n  web:\n    image: nginx\n");
    await writeFile(
      join(dir, "values.yaml"),
      "replicaCount: 2\n---\nkind: Deployment\nmetadata: { name: x }\n",
    );
    const json = await cli("-f", "json", dir);
    expect(json.code).toBe(2);
    expect(json.stdout).toBe("");
    expect(json.stderr).toContain(
      `${join(dir, "compose.yaml")}:1:1: warning input/not-kubernetes: not a Kubernetes object`,
    );
    expect(json.stderr).toContain(
      `${join(dir, "values.yaml")}:3:1: error input/missing-api-version: kind Deployment has no apiVersion`,
    );
    // Only non-Kubernetes YAML: nothing was checked, which is not a pass.
    await rm(join(dir, "values.yaml"));
    const only = await cli("-f", "sarif", dir);
    expect(only.code).toBe(2);
    const ids = JSON.parse(only.stdout).runs[0].invocations[0].toolExecutionNotifications.map(
      (n: { descriptor: { id: string } }) => n.descriptor.id,
    );
    expect(ids).toEqual(["input/not-kubernetes", "input/no-objects"]);
  });

  it("skips non-Kubernetes documents next to real objects with a warning, still checking those", async () => {
    const file = join(tmp, "mixed.yaml");
    await writeFile(
      file,
      "just: config\n---\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n",
    );
    const run = await cli(file);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `${file}:1:1: warning input/not-kubernetes: not a Kubernetes object (no apiVersion and kind): skipped\n`,
    );
    expect(run.stdout).toMatch(/in 1 object\(s\) from 1 file\(s\): PASS/);
  });

  it("prints usage on stdout with exit 0 for --help and -h", async () => {
    const runs = await Promise.all([cli("--help"), cli("-h")]);
    for (const run of runs) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^usage: npm run policy:check -- .*--kube-version/);
      expect(run.stderr).toBe("");
    }
  });

  it("exits 2 with a message on bad usage and missing input", async () => {
    const runs = await Promise.all([
      cli(),
      cli("--format", "xml", GOOD),
      cli("--stack", "staging", GOOD),
      cli("--kube-version", "latest", GOOD),
      cli("--no-such-flag", GOOD),
      cli(join(tmp, "missing.yaml")),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const run of runs.slice(0, 5)) expect(run.stderr).toMatch(/\nusage: npm run policy:check/);
    expect(runs[0]?.stderr).toMatch(/name at least one file or directory/);
    expect(runs[1]?.stderr).toMatch(/--format must be one of text, json, sarif/);
    expect(runs[2]?.stderr).toMatch(/--stack must be dev or prod/);
    expect(runs[3]?.stderr).toMatch(/--kube-version must be a Kubernetes release like 1\.\d+/);
    expect(runs[4]?.stderr).toMatch(/no-such-flag/);
    expect(runs[5]?.stderr).toMatch(/missing\.yaml: no such file or directory/);
  });
});
