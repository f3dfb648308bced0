// Test support: each rule's `<name>.good.yaml` and `<name>.bad.yaml` beside its test. A bad
// fixture marks every line the rule must report with `# expect: <rule-id>`; the suite checks
// that the findings land on exactly those lines (so paths resolve to the offending field),
// that the good fixture passes, and that a waiver annotation waives every finding.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { evaluate, type Finding } from "./evaluate.js";
import { parseManifests } from "./manifests.js";
import { optionsFor } from "./options.js";
import type { PolicyOptions, RuleFactory } from "./types.js";
import { WAIVER_PREFIX } from "./waivers.js";

const RULES_DIR = new URL("./rules/", import.meta.url);

interface FixtureRun {
  readonly findings: (Finding & { line: number; column: number })[];
  /** Lines carrying `# expect: <rule-id>` for this rule. */
  readonly expectedLines: number[];
}

/** Runs one rule (with the whole fixture as context) over a fixture file in policies/rules/. */
export function runFixture(
  factory: RuleFactory,
  file: string,
  options: PolicyOptions = optionsFor("prod"),
  waive = false,
): FixtureRun {
  const path = fileURLToPath(new URL(file, RULES_DIR));
  const text = readFileSync(path, "utf8");
  const loaded = parseManifests(text, path);
  const objects = loaded.map((l) => {
    if (!waive) return l.object;
    const copy = structuredClone(l.object) as Record<string, unknown>;
    const metadata = (copy.metadata ?? {}) as Record<string, unknown>;
    const annotations = (metadata.annotations ?? {}) as Record<string, unknown>;
    copy.metadata = {
      ...metadata,
      annotations: { ...annotations, [`${WAIVER_PREFIX}${factory.id}`]: "fixture waiver" },
    };
    return copy;
  });
  const findings = evaluate(objects, [factory()], { options }).map((f) => {
    const pos = loaded[f.objectIndex]?.locate(f.path) ?? { line: 0, column: 0 };
    return { ...f, line: pos.line, column: pos.column };
  });
  const marker = `# expect: ${factory.id}`;
  const expectedLines = text
    .split("\n")
    .flatMap((line, i) => (line.includes(marker) ? [i + 1] : []));
  return { findings, expectedLines };
}

/** The three fixture tests every rule gets: good passes, bad hits its marks, waivers work. */
export function describeFixtures(
  factory: RuleFactory,
  name: string,
  options: PolicyOptions = optionsFor("prod"),
): void {
  describe(`${factory.id} fixtures`, () => {
    it(`passes ${name}.good.yaml`, () => {
      expect(runFixture(factory, `${name}.good.yaml`, options).findings).toEqual([]);
    });

    it(`reports each marked field of ${name}.bad.yaml at its line`, () => {
      const { findings, expectedLines } = runFixture(factory, `${name}.bad.yaml`, options);
      expect(expectedLines.length).toBeGreaterThan(0);
      const lines = [...new Set(findings.map((f) => f.line))].sort((a, b) => a - b);
      expect(lines, findings.map((f) => `${f.line}: ${f.message}`).join("\n")).toEqual(
        expectedLines,
      );
    });

    it("is waived by an annotation with a reason", () => {
      const { findings } = runFixture(factory, `${name}.bad.yaml`, options, true);
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.every((f) => f.waived && f.waiverReason === "fixture waiver")).toBe(true);
    });
  });
}
