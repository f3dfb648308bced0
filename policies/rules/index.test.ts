import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultRules, ruleFactories } from "./index.js";

const DOC = readFileSync(new URL("../../docs/policies.md", import.meta.url), "utf8");

describe("rule set", () => {
  it("has unique, stable-looking ids", () => {
    const ids = defaultRules().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^wshub-[a-z0-9-]+$/);
  });

  it("builds a rule at any enforcement level without a PolicyPack", () => {
    for (const factory of ruleFactories) {
      expect(factory("advisory").severity).toBe("advisory");
      expect(factory("mandatory").id).toBe(factory.id);
    }
  });

  it("documents every rule with its severity in docs/policies.md", () => {
    for (const rule of defaultRules()) {
      // Biome pads the table's cells, so spaces around them vary.
      expect(DOC, rule.id).toMatch(
        new RegExp(`\\|\\s*\`${rule.id}\`\\s*\\|\\s*${rule.severity}\\s*\\|`),
      );
    }
  });
});
