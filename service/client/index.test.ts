import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const here = dirname(fileURLToPath(import.meta.url));
const nodeOnly = new Set([...builtinModules, "ws"]);

/** Every module specifier reachable from `entry` through relative imports. */
function importGraph(entry: string): { files: string[]; external: string[] } {
  const files: string[] = [];
  const external = new Set<string>();
  const queue = [entry];
  while (queue.length > 0 && files.length < 100) {
    const file = queue.shift() as string;
    if (files.includes(file)) continue;
    files.push(file);
    const src = readFileSync(file, "utf8");
    for (const m of src.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      const spec = m[1] as string;
      if (spec.startsWith(".")) queue.push(resolve(dirname(file), spec.replace(/\.js$/, ".ts")));
      else external.add(spec);
    }
  }
  return { files, external: [...external] };
}

describe("browser entry", () => {
  it("reaches no Node-only module from index.ts", () => {
    const { files, external } = importGraph(resolve(here, "index.ts"));
    expect(files.length).toBeGreaterThan(5);
    expect(external.filter((s) => s.startsWith("node:") || nodeOnly.has(s))).toEqual([]);
  });

  it("node.ts is the one that brings in ws", () => {
    expect(importGraph(resolve(here, "node.ts")).external).toContain("ws");
  });
});
