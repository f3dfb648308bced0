import { describe, expect, it } from "vitest";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { noPrivilegeEscalation } from "./no-privilege-escalation.js";

describe("wshub-no-privilege-escalation", () => {
  it("passes containers with allowPrivilegeEscalation: false", () => {
    expect(runRuleOnAll(noPrivilegeEscalation, goodObjects())).toEqual([]);
  });

  it("fails a container that leaves it unset (the default is true)", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.allowPrivilegeEscalation`,
      undefined,
    );
    expect(runRule(noPrivilegeEscalation, hub)).toEqual([
      {
        message: 'container "hub" does not set allowPrivilegeEscalation: false',
        path: "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
      },
    ]);
  });
});
