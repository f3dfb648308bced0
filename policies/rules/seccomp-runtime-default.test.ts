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
import { seccompRuntimeDefault } from "./seccomp-runtime-default.js";

describe("wshub-seccomp-runtime-default", () => {
  it("passes pods with the RuntimeDefault profile", () => {
    expect(runRuleOnAll(seccompRuntimeDefault, goodObjects())).toEqual([]);
  });

  it("fails a pod with no profile", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_POD}.securityContext.seccompProfile`,
      undefined,
    );
    expect(runRule(seccompRuntimeDefault, hub).map((v) => v.message)).toEqual([
      'container "hub" has seccomp profile unset (Unconfined)',
    ]);
  });

  it("fails a container that overrides the pod with Unconfined", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.seccompProfile`,
      {
        type: "Unconfined",
      },
    );
    expect(runRule(seccompRuntimeDefault, hub).map((v) => v.message)).toEqual([
      'container "hub" has seccomp profile Unconfined',
    ]);
  });
});
