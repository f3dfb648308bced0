// The repository speaks only of itself: no tracker issue numbers, no notes kept elsewhere, and
// every relative link in the docs reaches a file that is here.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");
const SELF = "scripts/repo-references.test.ts";
const OUTSIDE = /\bissues? #?\d+|\b(BENCHMARKS|PROTOCOL|ENVIRONMENT|STYLE)\.md\b|\.\.\/shared\//;

/** The phrases of `text` that point outside the repository. */
function outsideReferences(text: string): string[] {
  return text
    .split("\n")
    .filter((line) => OUTSIDE.test(line))
    .map((line) => line.trim());
}

/** The relative link targets of a markdown text, without their #anchor. */
function relativeLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s#]+)(#[^)]*)?\)/g)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^[a-z]+:/.test(target));
}

function tracked(...patterns: string[]): string[] {
  return execFileSync("git", ["ls-files", ...patterns], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f !== "" && f !== SELF && existsSync(resolve(ROOT, f)));
}

describe("the repository's text", () => {
  it("names no issue number and no file kept outside the repository", () => {
    const found: string[] = [];
    for (const file of tracked("*.ts", "*.md", "*.yaml", "*.html", "*.mjs")) {
      for (const line of outsideReferences(readFileSync(resolve(ROOT, file), "utf8")))
        found.push(`${file}: ${line}`);
    }
    expect(found).toEqual([]);
  });

  it("links only to files that exist in the repository", () => {
    const broken: string[] = [];
    for (const file of tracked("*.md")) {
      for (const target of relativeLinks(readFileSync(resolve(ROOT, file), "utf8"))) {
        if (!existsSync(resolve(ROOT, dirname(file), target))) broken.push(`${file} -> ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("recognises the references it refuses", () => {
    expect(outsideReferences("targets (issue 3)\nfine line\nsee BENCHMARKS.md")).toEqual([
      "targets (issue 3)",
      "see BENCHMARKS.md",
    ]);
    expect(outsideReferences("read ../shared/ENVIRONMENT.md")).toHaveLength(1);
    expect(
      relativeLinks("[a](load.md#x) [b](https://x.invalid) [c](../contract/slo.json)"),
    ).toEqual(["load.md", "../contract/slo.json"]);
  });
});
