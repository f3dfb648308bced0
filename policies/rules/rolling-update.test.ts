import { describe, expect, it } from "vitest";
import { describeFixtures } from "../rule-fixtures.js";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { resolveIntOrPercent, rollingUpdate } from "./rolling-update.js";

describeFixtures(rollingUpdate, "rolling-update");

describe("wshub-rolling-update", () => {
  it("passes rollouts that keep pods serving", () => {
    expect(runRuleOnAll(rollingUpdate, goodObjects())).toEqual([]);
  });

  it("resolves percentages the way the controller does", () => {
    expect(resolveIntOrPercent("25%", 6, "down", "25%")).toBe(1);
    expect(resolveIntOrPercent(undefined, 6, "up", "25%")).toBe(2);
    expect(resolveIntOrPercent("lots", 6, "down", "25%")).toBeNaN();
  });

  it("fails maxUnavailable that reaches the HPA's minimum replicas", () => {
    const objects = goodObjects();
    const hub = setPath(
      find(objects, "Deployment", "hub"),
      "spec.strategy.rollingUpdate.maxUnavailable",
      "100%",
    );
    expect(runRule(rollingUpdate, hub, objects).map((v) => v.message)).toEqual([
      "rollingUpdate.maxUnavailable resolves to 6 with 6 replicas: a rollout may take all pods down",
    ]);
  });

  it("fails Recreate on a multi-replica Deployment and a stuck surge/unavailable pair", () => {
    const objects = goodObjects();
    const hub = find(objects, "Deployment", "hub");
    setPath(hub, "spec.strategy", { type: "Recreate" });
    expect(runRule(rollingUpdate, hub, objects)[0]?.message).toMatch(
      /Recreate with up to 24 replicas/,
    );
    setPath(hub, "spec.strategy", {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 0, maxUnavailable: 0 },
    });
    expect(runRule(rollingUpdate, hub, objects)[0]?.message).toMatch(/both 0/);
  });
});
