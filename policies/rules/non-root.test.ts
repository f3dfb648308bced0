import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  HUB_POD,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { nonRoot } from "./non-root.js";

describe("wshub-non-root", () => {
  it("passes pods that set runAsNonRoot", () => {
    expect(runRuleOnAll(nonRoot, goodObjects())).toEqual([]);
  });

  it("fails a container that runs as UID 0, overriding the pod", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.runAsUser`,
      0,
    );
    expect(runRule(nonRoot, hub)).toEqual([
      expect.objectContaining({ message: 'container "hub" runs as UID 0 (runAsUser: 0)' }),
    ]);
  });

  it("fails a pod that proves nothing about its user", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_POD}.securityContext`, {});
    expect(runRule(nonRoot, hub)[0]?.message).toMatch(/may run as root/);
  });

  it("fails a non-zero runAsUser without runAsNonRoot, as Pod Security restricted does", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_POD}.securityContext`, {
      runAsUser: 10001,
    });
    expect(runRule(nonRoot, hub)[0]?.message).toMatch(/not runAsNonRoot: true/);
  });
});
