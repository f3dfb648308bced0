// The seeded defects must still apply to today's source: a patch that silently stopped matching
// would make `chaos/defects.ts` prove nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applyPatch, DEFECTS } from "./defects.js";

const REPO = join(import.meta.dirname, "..");

describe("seeded defects", () => {
  for (const defect of DEFECTS) {
    it(`${defect.name}: every patch applies exactly once to today's source`, () => {
      expect(defect.patches.length).toBeGreaterThan(0);
      for (const p of defect.patches) {
        const text = readFileSync(join(REPO, p.file), "utf8");
        const patched = applyPatch(text, p);
        expect(patched).not.toBe(text);
      }
      expect(readFileSync(join(REPO, "chaos", "scenarios", defect.scenario), "utf8")).toBeTruthy();
    });
  }

  it("refuses a patch that no longer matches, naming the file", () => {
    const p = { file: "service/x.ts", find: "gone", replace: "x" };
    expect(() => applyPatch("nothing here", p)).toThrow(/service\/x\.ts matched 0 times/);
    expect(() => applyPatch("gone gone", p)).toThrow(/matched 2 times/);
  });
});
