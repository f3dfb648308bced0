import { describe, expect, it } from "vitest";
import { find, goodObjects, runRuleOnAll, setPath } from "../sample-objects.js";
import { waiverReason } from "./waiver-reason.js";

describe("wshub-waiver-reason", () => {
  it("passes objects without waivers", () => {
    expect(runRuleOnAll(waiverReason, goodObjects())).toEqual([]);
  });

  it("fails a waiver without a reason and one naming an unknown rule", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), "metadata.annotations", {
      "policies.wshub.dev/waive-wshub-waiver-reason": "  ",
      "policies.wshub.dev/waive-wshub-non-rot": "typo",
    });
    // runRuleOnAll knows only this rule's id, so the second waiver names an unknown rule.
    expect(runRuleOnAll(waiverReason, [hub]).map((v) => v.message)).toEqual([
      "waiver of wshub-waiver-reason gives no reason, so it waives nothing",
      'waiver names unknown rule "wshub-non-rot"',
    ]);
  });
});
