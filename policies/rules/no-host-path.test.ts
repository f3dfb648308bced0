import { describe, expect, it } from "vitest";
import { find, goodObjects, HUB_POD, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { noHostPath } from "./no-host-path.js";

describe("wshub-no-host-path", () => {
  it("passes pods with emptyDir volumes only", () => {
    expect(runRuleOnAll(noHostPath, goodObjects())).toEqual([]);
  });

  it("fails a pod mounting the node's filesystem", () => {
    const hub = setPath(find(goodObjects(), "Deployment", "hub"), `${HUB_POD}.volumes`, [
      { name: "tmp", emptyDir: {} },
      { name: "docker", hostPath: { path: "/var/run/docker.sock" } },
    ]);
    expect(runRule(noHostPath, hub)).toEqual([
      {
        message: 'volume "docker" mounts hostPath',
        path: "spec.template.spec.volumes[1].hostPath",
      },
    ]);
  });
});
