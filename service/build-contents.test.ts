// The build (`npm run build`, and the image, which copies its output) holds the hub and its SDK
// only: no test, test helper or test framework may be reachable from a built file.
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function buildFiles(): string[] {
  const configPath = join(ROOT, "tsconfig.build.json");
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT, undefined, configPath).fileNames;
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** Why an import of a built file would put test code into the build, or undefined. */
function testImport(fromFile: string, spec: string): string | undefined {
  if (/^(vitest|@vitest\/|testcontainers|dockerode)/.test(spec)) return `imports ${spec}`;
  if (!spec.startsWith(".")) return undefined;
  const target = relative(ROOT, resolve(dirname(fromFile), spec));
  if (/(^|\/)(test|testing)\//.test(target) || /\.test\.js$/.test(target))
    return `imports the test file ${target}`;
  if (!target.startsWith("service/") && !target.startsWith("contract/"))
    return `imports ${target}, outside service/ and contract/`;
  return undefined;
}

describe("the build", () => {
  it("includes the hub entry and the SDK entries", () => {
    const files = buildFiles().map((f) => relative(ROOT, f));
    expect(files).toContain("service/main.ts");
    expect(files).toContain("service/client/index.ts");
    expect(files).toContain("service/client/node.ts");
  });

  it("holds no test file and no file that imports a test helper or vitest", () => {
    const problems: string[] = [];
    for (const file of buildFiles()) {
      const rel = relative(ROOT, file);
      if (/(^|\/)(test|testing)\//.test(rel) || rel.endsWith(".test.ts"))
        problems.push(`${rel} is test code`);
      for (const spec of importsOf(file)) {
        const why = testImport(file, spec);
        if (why) problems.push(`${rel} ${why}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("recognises the imports that would carry test code", () => {
    const from = join(ROOT, "service/hub/node.ts");
    expect(testImport(from, "vitest")).toBe("imports vitest");
    expect(testImport(from, "./testing/hub-harness.js")).toMatch(/test file/);
    expect(testImport(from, "../bus/testing/broker-contract.js")).toMatch(/test file/);
    expect(testImport(from, "../../chaos/rig/index.js")).toMatch(/outside service\/ and contract/);
    expect(testImport(from, "./fanout.js")).toBeUndefined();
    expect(testImport(from, "ws")).toBeUndefined();
  });
});
