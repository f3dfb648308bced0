import { describe, expect, it } from "vitest";
import { evaluate, isFailure } from "./evaluate.js";
import { optionsFor } from "./options.js";
import { defaultRules } from "./rules/index.js";
import { find, goodObjects, HUB_CONTAINER, setPath } from "./sample-objects.js";

describe("evaluate", () => {
  const options = optionsFor("prod");

  it("finds nothing in the compliant set with every rule", () => {
    expect(evaluate(goodObjects(), defaultRules(), { options })).toEqual([]);
  });

  it("marks a finding waived when an annotation names the rule and a reason", () => {
    const objects = goodObjects();
    const hub = find(objects, "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    setPath(hub, "metadata.annotations", {
      "policies.wshub.dev/waive-wshub-image-tag": "dev preview image, replaced at release",
    });
    const findings = evaluate(objects, defaultRules(), { options });
    expect(findings).toEqual([
      expect.objectContaining({
        rule: "wshub-image-tag",
        kind: "Deployment",
        namespace: "wshub",
        name: "hub",
        waived: true,
        waiverReason: "dev preview image, replaced at release",
      }),
    ]);
    expect(findings.filter(isFailure)).toEqual([]);
  });

  it("does not waive on an empty reason and reports the waiver itself", () => {
    const objects = goodObjects();
    const hub = find(objects, "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    setPath(hub, "metadata.annotations", { "policies.wshub.dev/waive-wshub-image-tag": "" });
    const failing = evaluate(objects, defaultRules(), { options }).filter(isFailure);
    expect(failing.map((f) => f.rule)).toEqual(["wshub-image-tag", "wshub-waiver-reason"]);
  });

  it("puts namespaced objects without a namespace in the default namespace", () => {
    const objects = goodObjects().map((o) => setPath(o, "metadata.namespace", undefined));
    expect(evaluate(objects, defaultRules(), { options })).toEqual([]);
    const findings = evaluate(objects, defaultRules(), {
      options: optionsFor("prod", { defaultNamespace: "other" }),
    });
    expect(findings.every((f) => f.namespace === "other" || f.kind === "Namespace")).toBe(true);
  });

  it("never throws on malformed objects and keeps array indexes in paths", () => {
    const objects = [
      { apiVersion: "apps/v1", kind: "Deployment", spec: "x" },
      { apiVersion: "apps/v1", kind: "Deployment", metadata: 5, spec: { replicas: "3" } },
      {
        apiVersion: "v1",
        kind: "Pod",
        spec: { containers: "oops", volumes: [1, null, { name: "n", hostPath: {} }] },
      },
      {
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        spec: { scaleTargetRef: 3 },
      },
      { apiVersion: "policy/v1", kind: "PodDisruptionBudget", spec: { selector: [] } },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", spec: { policyTypes: "x" } },
    ];
    const findings = evaluate(objects, defaultRules(), { options });
    expect(findings.find((f) => f.rule === "wshub-no-host-path")?.path).toBe(
      "spec.volumes[2].hostPath",
    );
  });

  it("checks ephemeral containers with every container rule", () => {
    const debugPod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "debugged", namespace: "wshub" },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containers: [],
        ephemeralContainers: [
          {
            name: "debug",
            image: "busybox:latest",
            securityContext: { privileged: true, runAsUser: 0 },
          },
        ],
      },
    };
    const findings = evaluate([debugPod], defaultRules(), { options });
    const byRule = new Map(findings.map((f) => [f.rule, f.path]));
    expect(byRule.get("wshub-no-privileged")).toBe(
      "spec.ephemeralContainers[0].securityContext.privileged",
    );
    expect(byRule.get("wshub-non-root")).toBe("spec.ephemeralContainers[0].securityContext");
    expect(byRule.get("wshub-image-tag")).toBe("spec.ephemeralContainers[0].image");
    // The API refuses probes and resources on ephemeral containers: those rules skip them.
    expect(byRule.has("wshub-probes")).toBe(false);
    expect(byRule.has("wshub-resources")).toBe(false);
  });
});
