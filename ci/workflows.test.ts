import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkWorkflow, pinMismatches, readPins, schemaErrors } from "./index.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const WORKFLOWS = join(ROOT, ".github/workflows");
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  engines: { node: string };
};
const scripts = new Set(Object.keys(pkg.scripts));
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const read = (path: string) => readFileSync(path, "utf8");
const fixture = (name: string) => read(join(ROOT, "ci/fixtures", name));

describe("the repository's workflows", () => {
  it("exist: checks, tests, load gate, policies, infra render, manual k6", () => {
    expect(files.sort()).toEqual(["ci.yml", "infra-pr.yml", "load-k6.yml"]);
  });

  it.each(files)("%s is valid against GitHub's workflow schema", (file) => {
    expect(schemaErrors(read(join(WORKFLOWS, file)))).toEqual([]);
  });

  it.each(files)("%s keeps the house rules", (file) => {
    expect(checkWorkflow(file, read(join(WORKFLOWS, file)), scripts)).toEqual([]);
  });

  it("pins each action to one SHA and one tag across every workflow", () => {
    const pins = files.flatMap((f) => readPins(f, read(join(WORKFLOWS, f))).pins);
    expect(pins.length).toBeGreaterThan(10);
    expect(pinMismatches(pins)).toEqual([]);
  });

  it("runs the Node major of .nvmrc, the oldest that package.json engines allow", () => {
    const nvmrc = read(join(ROOT, ".nvmrc")).trim();
    const engines = /^>=\s*(\d+)(?:\.\d+)*$/.exec(pkg.engines.node);
    expect(engines, `engines.node "${pkg.engines.node}" is not ">=X.Y"`).not.toBeNull();
    expect(nvmrc).toBe(engines?.[1]);
  });
});

describe("the checks catch broken workflows", () => {
  it("rejects a job with a misspelt key against the schema", () => {
    expect(schemaErrors(fixture("broken-schema.yml")).join("\n")).toMatch(
      /Additional property 'runs-onn' is not allowed/,
    );
  });

  it("names every broken house rule", () => {
    const codes = checkWorkflow("breaks-rules.yml", fixture("breaks-rules.yml"), scripts).map(
      (f) => f.code,
    );
    expect(codes.sort()).toEqual(
      [
        "checkout-credentials",
        "concurrency-missing",
        "node-version",
        "npm-script",
        "permissions-broad",
        "permissions-broad",
        "pin-comment",
        "script-injection",
        "timeout-missing",
        "unpinned-action",
      ].sort(),
    );
  });

  it("finds an action pinned to two SHAs in two workflows", () => {
    const good = readPins("ci.yml", read(join(WORKFLOWS, "ci.yml"))).pins;
    const other = readPins("breaks-rules.yml", fixture("breaks-rules.yml")).pins;
    const found = pinMismatches([...good, ...other]);
    expect(found.map((f) => f.message).join("\n")).toMatch(/actions\/upload-artifact is pinned/);
  });
});
