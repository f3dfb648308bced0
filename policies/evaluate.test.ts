import { describe, expect, it } from "vitest";
import { evaluate, isFailure } from "./evaluate.js";
import { optionsFor } from "./options.js";
import { defaultRules } from "./rules/index.js";
import { find, goodObjects, HUB_CONTAINER, setPath } from "./sample-objects.js";

describe("evaluate", () => {
  const options = optionsFor("prod");

  it("finds nothing in the compliant set with every rule", () => {
    expect(evaluate(goodObjects(), defaultRules(), { options })).toEqual([]);
  });

  it("marks a finding waived when an annotation names the rule and a reason", () => {
    const objects = goodObjects();
    const hub = find(objects, "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    setPath(hub, "metadata.annotations", {
      "policies.wshub.dev/waive-wshub-image-tag": "dev preview image, replaced at release",
    });
    const findings = evaluate(objects, defaultRules(), { options });
    expect(findings).toEqual([
      expect.objectContaining({
        rule: "wshub-image-tag",
        kind: "Deployment",
        namespace: "wshub",
        name: "hub",
        waived: true,
        waiverReason: "dev preview image, replaced at release",
      }),
    ]);
    expect(findings.filter(isFailure)).toEqual([]);
  });

  it("does not waive on an empty reason and reports the waiver itself", () => {
    const objects = goodObjects();
    const hub = find(objects, "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    setPath(hub, "metadata.annotations", { "policies.wshub.dev/waive-wshub-image-tag": "" });
    const failing = evaluate(objects, defaultRules(), { options }).filter(isFailure);
    expect(failing.map((f) => f.rule)).toEqual(["wshub-image-tag", "wshub-waiver-reason"]);
  });

  it("puts namespaced objects without a namespace in the default namespace", () => {
    const objects = goodObjects().map((o) => setPath(o, "metadata.namespace", undefined));
    expect(evaluate(objects, defaultRules(), { options })).toEqual([]);
    const findings = evaluate(objects, defaultRules(), {
      options: optionsFor("prod", { defaultNamespace: "other" }),
    });
    expect(findings.every((f) => f.namespace === "other" || f.kind === "Namespace")).toBe(true);
  });
});
