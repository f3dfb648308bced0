import { describe, expect, it } from "vitest";
import { find, goodObjects, runRule, runRuleOnAll, setPath } from "../sample-objects.js";
import { defaultDenyNetworkPolicy } from "./default-deny-network-policy.js";

describe("wshub-default-deny-network-policy", () => {
  it("passes workloads in a namespace with a default-deny policy", () => {
    expect(runRuleOnAll(defaultDenyNetworkPolicy, goodObjects())).toEqual([]);
  });

  it("fails workloads in a namespace without one", () => {
    const objects = goodObjects().filter((o) => o.kind !== "NetworkPolicy");
    expect(runRule(defaultDenyNetworkPolicy, find(objects, "Deployment", "hub"), objects)).toEqual([
      { message: 'namespace "wshub" has no default-deny NetworkPolicy for Ingress and Egress' },
    ]);
  });

  it("does not count an ingress-only deny or a policy that allows traffic", () => {
    const objects = goodObjects();
    const deny = find(objects, "NetworkPolicy", "default-deny");
    setPath(deny, "spec.policyTypes", undefined);
    const hub = find(objects, "Deployment", "hub");
    expect(runRule(defaultDenyNetworkPolicy, hub, objects).map((v) => v.message)).toEqual([
      'namespace "wshub" has no default-deny NetworkPolicy for Egress',
    ]);
    setPath(deny, "spec.ingress", [{}]);
    expect(runRule(defaultDenyNetworkPolicy, hub, objects).map((v) => v.message)).toEqual([
      'namespace "wshub" has no default-deny NetworkPolicy for Ingress and Egress',
    ]);
  });
});
