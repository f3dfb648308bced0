import { describe, expect, it } from "vitest";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { pdb } from "./pdb.js";

describe("wshub-pdb", () => {
  it("passes multi-replica workloads selected by a PDB (matchLabels and matchExpressions)", () => {
    expect(runRuleOnAll(pdb, goodObjects())).toEqual([]);
  });

  it("fails a workload whose PDB selects other pods", () => {
    const objects = goodObjects();
    setPath(find(objects, "PodDisruptionBudget", "hub"), "spec.selector.matchLabels", {
      app: "other",
    });
    expect(runRule(pdb, find(objects, "Deployment", "hub"), objects).map((v) => v.message)).toEqual(
      ["runs up to 24 replicas and no PodDisruptionBudget selects its pods"],
    );
  });

  it("fails a PDB that allows no eviction", () => {
    const objects = goodObjects();
    setPath(find(objects, "PodDisruptionBudget", "redis"), "spec.minAvailable", 3);
    expect(
      runRule(pdb, find(objects, "StatefulSet", "redis"), objects).map((v) => v.message),
    ).toEqual([
      'PodDisruptionBudget "redis" allows no eviction (minAvailable: 3 with 3 replicas): node drains hang',
    ]);
  });

  it("ignores a PDB in another namespace and single-replica workloads", () => {
    const objects = goodObjects();
    setPath(find(objects, "PodDisruptionBudget", "redis"), "metadata.namespace", "elsewhere");
    const redis = find(objects, "StatefulSet", "redis");
    expect(runRule(pdb, redis, objects)).toHaveLength(1);
    setPath(redis, "spec.replicas", 1);
    expect(runRule(pdb, redis, objects)).toEqual([]);
  });
});
