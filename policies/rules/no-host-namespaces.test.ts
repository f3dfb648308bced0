import { describe, expect, it } from "vitest";
import { find, goodObjects, HUB_POD, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { noHostNamespaces } from "./no-host-namespaces.js";

describe("wshub-no-host-namespaces", () => {
  it("passes pods that keep their own namespaces", () => {
    expect(runRuleOnAll(noHostNamespaces, goodObjects())).toEqual([]);
  });

  it("names every host namespace a pod joins", () => {
    const hub = find(goodObjects(), "Deployment", "hub");
    setPath(hub, `${HUB_POD}.hostNetwork`, true);
    setPath(hub, `${HUB_POD}.hostPID`, true);
    setPath(hub, `${HUB_POD}.hostIPC`, false);
    expect(runRule(noHostNamespaces, hub).map((v) => v.message)).toEqual([
      "pod sets hostNetwork: true",
      "pod sets hostPID: true",
    ]);
  });
});
