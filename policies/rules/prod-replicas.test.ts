import { describe, expect, it } from "vitest";
import { optionsFor } from "../options.js";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { prodReplicas } from "./prod-replicas.js";

describe("wshub-prod-replicas", () => {
  it("passes a prod Deployment whose HPA keeps at least 2 replicas", () => {
    expect(runRuleOnAll(prodReplicas, goodObjects())).toEqual([]);
  });

  it("fails a prod Deployment scaled by an HPA allowing 1 replica, even with spec.replicas 6", () => {
    const objects = goodObjects();
    setPath(find(objects, "HorizontalPodAutoscaler", "hub"), "spec.minReplicas", 1);
    expect(
      runRule(prodReplicas, find(objects, "Deployment", "hub"), objects).map((v) => v.message),
    ).toEqual(["its HorizontalPodAutoscaler allows 1 replica in prod"]);
  });

  it("fails a single-replica prod Deployment without an HPA, and not in dev", () => {
    const objects = goodObjects().filter((o) => o.kind !== "HorizontalPodAutoscaler");
    const hub = setPath(find(objects, "Deployment", "hub"), "spec.replicas", undefined);
    expect(runRule(prodReplicas, hub, objects).map((v) => v.message)).toEqual([
      "runs 1 replica in prod and no HorizontalPodAutoscaler targets it",
    ]);
    expect(runRule(prodReplicas, hub, objects, optionsFor("dev"))).toEqual([]);
  });
});
