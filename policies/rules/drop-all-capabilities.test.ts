import { describe, expect, it } from "vitest";
import { describeFixtures } from "../rule-fixtures.js";
import {
  find,
  goodObjects,
  HUB_CONTAINER,
  runRule,
  runRuleOnAll,
  setPath,
} from "../sample-objects.js";
import { dropAllCapabilities } from "./drop-all-capabilities.js";

describeFixtures(dropAllCapabilities, "drop-all-capabilities");

describe("wshub-drop-all-capabilities", () => {
  it("passes containers that drop ALL (adding back only NET_BIND_SERVICE)", () => {
    expect(runRuleOnAll(dropAllCapabilities, goodObjects())).toEqual([]);
  });

  it("fails a container that keeps the default capabilities", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.capabilities`,
      undefined,
    );
    expect(runRule(dropAllCapabilities, hub).map((v) => v.message)).toEqual([
      'container "hub" does not drop ALL capabilities',
    ]);
  });

  it("names each dangerous capability added back", () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.capabilities`,
      {
        drop: ["ALL"],
        add: ["NET_BIND_SERVICE", "SYS_ADMIN", "NET_RAW"],
      },
    );
    expect(runRule(dropAllCapabilities, hub).map((v) => v.message)).toEqual([
      'container "hub" adds capabilities SYS_ADMIN, NET_RAW',
    ]);
  });

  it('fails "all" in any case but exactly "ALL", as Pod Security compares', () => {
    const hub = setPath(
      find(goodObjects(), "Deployment", "hub"),
      `${HUB_CONTAINER}.securityContext.capabilities`,
      { drop: ["NET_RAW", "all"], add: ["net_bind_service"] },
    );
    expect(runRule(dropAllCapabilities, hub)).toEqual([
      {
        message: 'container "hub" drops "all": Pod Security requires exactly "ALL"',
        path: "spec.template.spec.containers[0].securityContext.capabilities.drop[1]",
      },
      {
        message: 'container "hub" adds capabilities net_bind_service',
        path: "spec.template.spec.containers[0].securityContext.capabilities.add",
      },
    ]);
  });
});
