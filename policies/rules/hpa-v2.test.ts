import { describe, expect, it } from "vitest";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { hpaV2 } from "./hpa-v2.js";

describe("wshub-hpa-v2", () => {
  it("passes an autoscaling/v2 HPA", () => {
    expect(runRuleOnAll(hpaV2, goodObjects())).toEqual([]);
  });

  it("fails an autoscaling/v1 HPA", () => {
    const hpa = setPath(
      find(goodObjects(), "HorizontalPodAutoscaler", "hub"),
      "apiVersion",
      "autoscaling/v1",
    );
    expect(runRule(hpaV2, hpa)).toEqual([
      { message: "uses autoscaling/v1, not autoscaling/v2", path: "apiVersion" },
    ]);
    expect(hpaV2().severity).toBe("advisory");
  });
});
