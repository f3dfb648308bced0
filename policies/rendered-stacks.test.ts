// The stacks this template ships pass every mandatory rule, as rendered offline by infra/.
import { describe, expect, it } from "vitest";
import { renderStack } from "../infra/render.js";
import { REDIS_CLUSTER } from "../infra/testing/stack-variants.js";
import { evaluate, isFailure } from "./evaluate.js";
import { kindOf } from "./manifest-fields.js";
import { optionsFor } from "./options.js";
import { defaultRules } from "./rules/index.js";
import { setPath } from "./sample-objects.js";
import type { StackName } from "./types.js";

describe.each(["dev", "prod"] as const)("rendered %s stack", (stack: StackName) => {
  it("fails no mandatory rule", async () => {
    const objects = await renderStack(stack);
    const findings = evaluate(objects, defaultRules(), { options: optionsFor(stack) });
    const failures = findings
      .filter(isFailure)
      .map((f) => `${f.rule} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
    expect(failures).toEqual([]);
  });

  it("is really checked: the hub, its PDB and its network policy are what the rules read", async () => {
    const objects = structuredClone(await renderStack(stack)) as Record<string, unknown>[];
    const hub = objects.find(
      (o) => kindOf(o) === "Deployment" && JSON.stringify(o).includes("DRAIN_SECONDS"),
    );
    if (!hub) throw new Error("rendered stack has no hub Deployment");
    setPath(hub, "spec.template.spec.terminationGracePeriodSeconds", 1);
    const broken = objects.filter(
      (o) => !["PodDisruptionBudget", "NetworkPolicy"].includes(kindOf(o)),
    );
    const rules = new Set(
      evaluate(broken, defaultRules(), { options: optionsFor(stack) })
        .filter(isFailure)
        .map((f) => f.rule),
    );
    expect(rules).toEqual(
      new Set(["wshub-grace-period", "wshub-pdb", "wshub-default-deny-network-policy"]),
    );
  });
});

describe("rendered prod stack on a Redis Cluster", () => {
  it("fails no mandatory rule, its bootstrap Job included", async () => {
    const objects = await renderStack("prod", REDIS_CLUSTER);
    expect(objects.map((o) => o.kind)).toContain("Job");
    const findings = evaluate(objects, defaultRules(), { options: optionsFor("prod") });
    const failures = findings
      .filter(isFailure)
      .map((f) => `${f.rule} ${f.kind} ${f.namespace}/${f.name}: ${f.message}`);
    expect(failures).toEqual([]);
  });

  it("is really checked: the bootstrap Job's pod is what the pod rules read", async () => {
    const objects = structuredClone(await renderStack("prod", REDIS_CLUSTER)) as Record<
      string,
      unknown
    >[];
    const job = objects.find((o) => kindOf(o) === "Job");
    if (!job) throw new Error("rendered cluster stack has no bootstrap Job");
    const container = (
      ((job.spec as Record<string, unknown>).template as Record<string, unknown>).spec as {
        containers: Record<string, unknown>[];
      }
    ).containers[0] as Record<string, unknown>;
    setPath(container, "securityContext.readOnlyRootFilesystem", false);
    setPath(container, "resources", undefined);
    const failed = evaluate(objects, defaultRules(), { options: optionsFor("prod") })
      .filter(isFailure)
      .filter((f) => f.kind === "Job")
      .map((f) => f.rule);
    expect(new Set(failed)).toEqual(new Set(["wshub-read-only-root-fs", "wshub-resources"]));
  });
});
