import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { imageProblem, imageTag } from "./image-tag.js";

describe("wshub-image-tag", () => {
  it("passes images pinned by tag or digest", () => {
    expect(runRuleOnAll(imageTag, goodObjects())).toEqual([]);
    expect(imageProblem("registry.local:5000/team/wshub:1.2.3")).toBeUndefined();
    expect(imageProblem("wshub:latest@sha256:abc")).toBeUndefined();
  });

  it("fails :latest and untagged images, not mistaking a registry port for a tag", () => {
    expect(imageProblem("wshub:latest")).toMatch(/:latest tag/);
    expect(imageProblem("registry.local:5000/team/wshub")).toMatch(/untagged/);
    expect(imageProblem("")).toBe("has no image");
  });

  it("reports the container and field", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.image`,
      "wshub",
    );
    expect(runRule(imageTag, hub)).toEqual([
      {
        message: 'container "hub" uses untagged image "wshub" (pulls :latest)',
        path: "spec.template.spec.containers[0].image",
      },
    ]);
  });
});
