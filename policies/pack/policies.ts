// The policy pack's policies: every rule mapped once, enforcement level from its severity.
// Built apart from the PolicyPack so tests can import it (constructing a pack starts a server).
import type {
  Policies,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { getStack } from "@pulumi/pulumi";
import { evaluate } from "../evaluate.js";
import { parseKubernetesVersion } from "../kubernetes-version.js";
import { optionsFor, stackNameOf } from "../options.js";
import { defaultRules } from "../rules/index.js";
import type { K8sObject, PolicyOptions, Rule } from "../types.js";
import { objectFromResource } from "./resource-object.js";

/** Per-policy config (`--policy-pack-config`), all optional. */
interface PackConfig {
  stack?: string;
  drainSeconds?: number;
  shutdownDelaySeconds?: number;
  defaultNamespace?: string;
  /** The cluster's Kubernetes release ("1.34"): APIs it removed fail. */
  kubernetesVersion?: string;
}

const configSchema: PolicyConfigSchema = {
  properties: {
    stack: { type: "string", enum: ["dev", "prod"] },
    drainSeconds: { type: "integer", minimum: 1 },
    shutdownDelaySeconds: { type: "integer", minimum: 0 },
    defaultNamespace: { type: "string" },
    kubernetesVersion: { type: "string", pattern: "^v?\\d{1,3}\\.\\d{1,3}(\\.\\d{1,3})?$" },
  },
};

/** The stack the pack runs for: config, then the Pulumi stack's name, then the strict "prod". */
function stackOf(config: PackConfig) {
  let running = "";
  try {
    running = getStack();
  } catch {
    // Outside a Pulumi run there is no stack.
  }
  return stackNameOf(config.stack) ?? stackNameOf(running.split("/").at(-1)) ?? "prod";
}

/** Rule options from the policy's config, defaults from contract/stack-settings.ts for the stack. */
export function optionsFromConfig(config: PackConfig): PolicyOptions {
  const kubernetesVersion = parseKubernetesVersion(config.kubernetesVersion);
  const overrides: Partial<PolicyOptions> = {
    ...(typeof config.drainSeconds === "number" && { drainSeconds: config.drainSeconds }),
    ...(typeof config.shutdownDelaySeconds === "number" && {
      shutdownDelaySeconds: config.shutdownDelaySeconds,
    }),
    ...(typeof config.defaultNamespace === "string" && {
      defaultNamespace: config.defaultNamespace,
    }),
    ...(kubernetesVersion !== undefined && { kubernetesVersion }),
  };
  return optionsFor(stackOf(config), overrides);
}

function describe(rule: Rule) {
  return {
    name: rule.id,
    description: `${rule.title}. ${rule.rationale}`,
    enforcementLevel: rule.severity,
    remediationSteps: rule.fix,
    configSchema,
  };
}

function resourcePolicy(rule: Rule, knownRuleIds: ReadonlySet<string>): ResourceValidationPolicy {
  return {
    ...describe(rule),
    validateResource: (args, reportViolation) => {
      const obj = objectFromResource(args.type, args.props, args.name);
      if (obj === undefined) return;
      const options = optionsFromConfig(args.getConfig<PackConfig>());
      for (const f of evaluate([obj], [rule], { options, knownRuleIds })) {
        if (!f.waived) reportViolation(f.message);
      }
    },
  };
}

function stackPolicy(rule: Rule, knownRuleIds: ReadonlySet<string>): StackValidationPolicy {
  return {
    ...describe(rule),
    validateStack: (args, reportViolation: ReportViolation) => {
      const objects: K8sObject[] = [];
      const urns: string[] = [];
      for (const r of args.resources) {
        const obj = objectFromResource(r.type, r.props, r.name);
        if (obj === undefined) continue;
        objects.push(obj);
        urns.push(r.urn);
      }
      const options = optionsFromConfig(args.getConfig<PackConfig>());
      for (const f of evaluate(objects, [rule], { options, knownRuleIds })) {
        if (f.waived) continue;
        const where = `${f.kind} ${f.namespace ? `${f.namespace}/` : ""}${f.name}`;
        reportViolation(`${where}: ${f.message}`, urns[f.objectIndex]);
      }
    },
  };
}

/**
 * One policy per rule: a ResourceValidationPolicy when the rule reads one object, a
 * StackValidationPolicy when it needs the others (PDBs, HPAs, NetworkPolicies).
 */
export function packPolicies(rules: readonly Rule[] = defaultRules()): Policies {
  const knownRuleIds = new Set(rules.map((r) => r.id));
  return rules.map((rule) =>
    rule.crossObject ? stackPolicy(rule, knownRuleIds) : resourcePolicy(rule, knownRuleIds),
  );
}
