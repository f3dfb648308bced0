import { describe, expect, it } from "vitest";
import { goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { noPrivileged } from "./no-privileged.js";

describe("wshub-no-privileged", () => {
  it("passes unprivileged containers", () => {
    expect(runRuleOnAll(noPrivileged, goodObjects())).toEqual([]);
  });

  it("fails a privileged init container of a bare Pod", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "debug" },
      spec: {
        initContainers: [{ name: "setup", image: "busybox:1.36" }],
        containers: [{ name: "main", image: "busybox:1.36" }],
      },
    };
    setPath(pod, "spec.initContainers.0.securityContext.privileged", true);
    expect(runRule(noPrivileged, pod)).toEqual([
      {
        message: 'initContainer "setup" is privileged',
        path: "spec.initContainers[0].securityContext.privileged",
      },
    ]);
  });
});
