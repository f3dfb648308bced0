// Modules import each other one way: a cycle (settings importing its defaults importing the
// settings) makes the load order decide what a module sees, and ties two files into one.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

/** Every import cycle of `graph`, each as "a -> b -> a". */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (node: string, path: string[]): void => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open")
        cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next, path);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node, []);
  return cycles;
}

/** The relative imports between the repository's non-test TypeScript files. */
function importGraph(): Map<string, string[]> {
  const files = execFileSync("git", ["ls-files", "*.ts"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && existsSync(resolve(ROOT, f)));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const specs = ts.preProcessFile(readFileSync(resolve(ROOT, file), "utf8"), true, true);
    const targets = specs.importedFiles
      .map((i) => i.fileName)
      .filter((spec) => spec.startsWith("."))
      .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)).replace(/\.js$/, ".ts"))
      .filter((target) => existsSync(resolve(ROOT, target)));
    graph.set(file, targets);
  }
  return graph;
}

describe("imports", () => {
  it("form no cycle anywhere in the repository", () => {
    const graph = importGraph();
    expect(graph.get("contract/stack-settings.ts")).toContain("contract/stack-defaults.ts");
    expect(findCycles(graph)).toEqual([]);
  });

  it("are reported when two files import each other", () => {
    const graph = new Map([
      ["settings.ts", ["defaults.ts", "slo.ts"]],
      ["defaults.ts", ["settings.ts"]],
      ["slo.ts", []],
    ]);
    expect(findCycles(graph)).toEqual(["settings.ts -> defaults.ts -> settings.ts"]);
  });
});
