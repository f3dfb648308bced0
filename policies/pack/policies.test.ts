// The pack maps every rule once and its policies report what the rules find. Imports the
// policy objects only: constructing the PolicyPack (pack/index.ts) would start a gRPC server.

import { readdirSync, readFileSync } from "node:fs";
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../manifests.js";
import { defaultRules, ruleFactories } from "../rules/index.js";
import { find, goodObjects, HUB_CONTAINER, setPath } from "../sample-objects.js";
import { packPolicies } from "./policies.js";
import { kubernetesKindOf } from "./resource-object.js";

const opts: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

// Pulumi type token of a plain object: the core group is "core".
function typeOf(obj: Record<string, unknown>): string {
  const apiVersion = String(obj.apiVersion);
  const group = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
  return `kubernetes:${group}:${String(obj.kind)}`;
}

function urnOf(obj: Record<string, unknown>): string {
  const name = String((obj.metadata as { name?: string }).name);
  return `urn:pulumi:prod::wshub::${typeOf(obj)}::${name}`;
}

const notApplicable = (reason?: string): never => {
  throw new Error(`not applicable: ${reason}`);
};

function resourceArgs(obj: Record<string, unknown>, config: object = {}): ResourceValidationArgs {
  // Pulumi inputs of an auto-named resource carry no metadata.name and no apiVersion/kind.
  const { apiVersion: _a, kind: _k, ...props } = structuredClone(obj);
  setPath(props, "metadata.name", undefined);
  return {
    type: typeOf(obj),
    props,
    urn: urnOf(obj),
    name: String((obj.metadata as { name?: string }).name),
    opts,
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

function stackArgs(objects: Record<string, unknown>[], config: object = {}): StackValidationArgs {
  const resources = objects.map(
    (obj): PolicyResource => ({
      type: typeOf(obj),
      props: obj,
      urn: urnOf(obj),
      name: String((obj.metadata as { name?: string }).name),
      opts,
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    }),
  );
  return {
    resources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable,
  };
}

function policy(name: string) {
  const found = packPolicies().find((p) => p.name === name);
  if (!found) throw new Error(`no policy ${name}`);
  return found;
}

async function validateResource(name: string, args: ResourceValidationArgs) {
  const reported: string[] = [];
  const validate = (policy(name) as ResourceValidationPolicy).validateResource;
  for (const v of [validate ?? []].flat()) await v(args, (message) => reported.push(message));
  return reported;
}

async function validateStack(name: string, args: StackValidationArgs) {
  const reported: { message: string; urn?: string }[] = [];
  await (policy(name) as StackValidationPolicy).validateStack(args, (message, urn) =>
    reported.push({ message, urn }),
  );
  return reported;
}

describe("policy pack", () => {
  it("maps every rule exactly once, with the enforcement level from its severity", () => {
    const rules = defaultRules();
    const policies = packPolicies(rules);
    expect(policies.map((p) => p.name)).toEqual(rules.map((r) => r.id));
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const [i, rule] of rules.entries()) {
      const p = policies[i];
      expect(p?.enforcementLevel, rule.id).toBe(rule.severity);
      expect(p?.remediationSteps, rule.id).toBe(rule.fix);
      // Rules that read other objects can only run where the pack sees the whole stack.
      expect(p !== undefined && "validateStack" in p, rule.id).toBe(rule.crossObject);
    }
  });

  it("reads Pulumi Kubernetes type tokens, skipping patches and non-Kubernetes resources", () => {
    expect(kubernetesKindOf("kubernetes:core/v1:Pod")).toEqual({ apiVersion: "v1", kind: "Pod" });
    expect(kubernetesKindOf("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
    });
    expect(kubernetesKindOf("kubernetes:apps/v1:DeploymentPatch")).toBeUndefined();
    expect(kubernetesKindOf("vault:kv/secretV2:SecretV2")).toBeUndefined();
  });

  it("a resource policy reports the failing Deployment and passes the good one", async () => {
    const hub = find(goodObjects(), "Deployment", "hub");
    expect(await validateResource("wshub-image-tag", resourceArgs(hub))).toEqual([]);
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    expect(await validateResource("wshub-image-tag", resourceArgs(hub))).toEqual([
      'container "hub" uses image "wshub:latest" with the :latest tag',
    ]);
  });

  it("a resource policy honours waivers with a reason", async () => {
    const hub = find(goodObjects(), "Deployment", "hub");
    setPath(hub, `${HUB_CONTAINER}.image`, "wshub:latest");
    setPath(hub, "metadata.annotations", { "policies.wshub.dev/waive-wshub-image-tag": "demo" });
    expect(await validateResource("wshub-image-tag", resourceArgs(hub))).toEqual([]);
  });

  it("a stack policy reads the other resources and reports against the offender's URN", async () => {
    const objects = goodObjects();
    expect(await validateStack("wshub-pdb", stackArgs(objects))).toEqual([]);
    const withoutPdbs = objects.filter((o) => o.kind !== "PodDisruptionBudget");
    const hub = find(objects, "Deployment", "hub");
    expect(await validateStack("wshub-pdb", stackArgs(withoutPdbs))).toContainEqual({
      message:
        "Deployment wshub/hub: runs up to 24 replicas and no PodDisruptionBudget selects its pods",
      urn: urnOf(hub),
    });
  });

  it("applies the prod-only rule per the stack in the policy config", async () => {
    const objects = goodObjects().filter((o) => o.kind !== "HorizontalPodAutoscaler");
    setPath(find(objects, "Deployment", "hub"), "spec.replicas", 1);
    expect(await validateStack("wshub-prod-replicas", stackArgs(objects))).toHaveLength(1);
    expect(
      await validateStack("wshub-prod-replicas", stackArgs(objects, { stack: "dev" })),
    ).toEqual([]);
  });

  it("reads the target Kubernetes version from the policy config", async () => {
    const hpa = {
      apiVersion: "autoscaling/v2beta2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "hub", namespace: "wshub" },
      spec: { scaleTargetRef: { kind: "Deployment", name: "hub" }, maxReplicas: 4 },
    };
    expect(await validateResource("wshub-removed-api", resourceArgs(hpa))).toHaveLength(1);
    expect(
      await validateResource("wshub-removed-api", resourceArgs(hpa, { kubernetesVersion: "1.25" })),
    ).toEqual([]);
  });
});

// Every rule's own fixtures through the pack: the policy, not only its name, mirrors the rule.
const RULES_DIR = new URL("../rules/", import.meta.url);
const fixtureNames = readdirSync(RULES_DIR)
  .filter((f) => f.endsWith(".bad.yaml"))
  .map((f) => f.slice(0, -".bad.yaml".length));

function fixtureObjects(file: string): Record<string, unknown>[] {
  const text = readFileSync(new URL(file, RULES_DIR), "utf8");
  return parseManifests(text, file).map(
    (l) => structuredClone(l.object) as Record<string, unknown>,
  );
}

/** What the pack reports for a rule over a set: every resource alone, or the stack at once. */
async function packReports(ruleId: string, objects: Record<string, unknown>[]) {
  const p = policy(ruleId);
  if ("validateStack" in p) return (await validateStack(ruleId, stackArgs(objects))).length;
  let count = 0;
  for (const obj of objects) count += (await validateResource(ruleId, resourceArgs(obj))).length;
  return count;
}

describe.each(fixtureNames)("policy pack on %s fixtures", (name) => {
  it("reports the bad fixture and passes the good one", async () => {
    const id = `wshub-${name}`;
    expect(ruleFactories.map((f) => f.id)).toContain(id);
    expect(await packReports(id, fixtureObjects(`${name}.bad.yaml`))).toBeGreaterThan(0);
    expect(await packReports(id, fixtureObjects(`${name}.good.yaml`))).toBe(0);
  });
});
