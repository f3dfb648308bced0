import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { resources } from "./resources.js";

describe("wshub-resources", () => {
  it("passes containers with requests and a memory limit", () => {
    expect(runRuleOnAll(resources, goodObjects())).toEqual([]);
  });

  it("names what a container leaves unset", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_CONTAINER}.resources`, {
      requests: { cpu: "100m" },
    });
    expect(runRule(resources, hub).map((v) => v.message)).toEqual([
      'container "hub" sets no resources requests.memory, limits.memory',
    ]);
  });

  it("accepts a limit standing in for the request Kubernetes copies from it", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_CONTAINER}.resources`, {
      limits: { cpu: "1", memory: "1Gi" },
    });
    expect(runRule(resources, hub)).toEqual([]);
  });
});
