import { describe, expect, it } from "vitest";
import { optionsFor } from "../options.js";
import { describeFixtures, runFixture } from "../rule-fixtures.js";
import { removedApi } from "./removed-api.js";

describeFixtures(removedApi, "removed-api");

describe("wshub-removed-api", () => {
  it("fails an API only from the release that removed it", () => {
    const on = (minor: number) =>
      runFixture(
        removedApi,
        "removed-api.bad.yaml",
        optionsFor("prod", { kubernetesVersion: { major: 1, minor } }),
      ).findings.map((f) => f.message);
    expect(on(25)).toEqual([
      "uses batch/v1beta1, removed in Kubernetes 1.25 (target 1.25): use batch/v1",
    ]);
    expect(on(26)).toEqual([
      "uses autoscaling/v2beta2, removed in Kubernetes 1.26 (target 1.26): use autoscaling/v2",
      "uses batch/v1beta1, removed in Kubernetes 1.25 (target 1.26): use batch/v1",
    ]);
    expect(on(21)).toEqual([]);
  });
});
