import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { probes } from "./probes.js";

describe("wshub-probes", () => {
  it("passes long-running containers with both probes and ignores Jobs", () => {
    expect(runRuleOnAll(probes, goodObjects())).toEqual([]);
  });

  it("fails a Deployment container without a readiness probe", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.readinessProbe`,
      undefined,
    );
    expect(runRule(probes, hub).map((v) => v.message)).toEqual([
      'container "hub" has no readinessProbe',
    ]);
  });

  it("fails a StatefulSet container without either probe", () => {
    const redis = find(goodObjects(), "StatefulSet", "redis");
    setPath(redis, "spec.template.spec.containers.0.readinessProbe", undefined);
    setPath(redis, "spec.template.spec.containers.0.livenessProbe", undefined);
    expect(runRule(probes, redis).map((v) => v.message)).toEqual([
      'container "redis" has no readinessProbe or livenessProbe',
    ]);
  });
});
