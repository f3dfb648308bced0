// Runs rules over a set of objects and applies waivers: the one engine both adapters call.
import { kindOf, nameOf, namespaceOf } from "./manifest-fields.js";
import type { K8sObject, PolicyOptions, Rule, RuleContext, Severity } from "./types.js";
import { waiverReason } from "./waivers.js";

/** One violation of one rule by one object, as reported to users. */
export interface Finding {
  readonly rule: string;
  readonly severity: Severity;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly message: string;
  /** The field at fault, when the rule knows it. */
  readonly path?: string;
  /** True when an annotation waives this rule for the object (with a reason). */
  readonly waived: boolean;
  readonly waiverReason?: string;
  /** Index of the object in the evaluated set (the CLI maps it back to a file and line). */
  readonly objectIndex: number;
}

/** Rules that cannot be waived: a waiver cannot excuse a broken waiver. */
const UNWAIVABLE = new Set(["wshub-waiver-reason"]);

export interface EvaluateOptions {
  readonly options: PolicyOptions;
  /** Ids a waiver may name; defaults to the ids of `rules`. */
  readonly knownRuleIds?: ReadonlySet<string>;
  /** Evaluate only these objects (indexes into `objects`); the rest is context. */
  readonly only?: readonly number[];
}

/** Every finding of `rules` over `objects`, waived ones marked, in object then rule order. */
export function evaluate(
  objects: readonly K8sObject[],
  rules: readonly Rule[],
  { options, knownRuleIds, only }: EvaluateOptions,
): Finding[] {
  const ctx: RuleContext = {
    objects,
    options,
    knownRuleIds: knownRuleIds ?? new Set(rules.map((r) => r.id)),
  };
  const findings: Finding[] = [];
  const indexes = only ?? objects.map((_, i) => i);
  for (const objectIndex of indexes) {
    const obj = objects[objectIndex];
    if (obj === undefined) continue;
    for (const rule of rules) {
      const reason = UNWAIVABLE.has(rule.id) ? undefined : waiverReason(obj, rule.id);
      for (const v of rule.check(obj, ctx)) {
        findings.push({
          rule: rule.id,
          severity: rule.severity,
          kind: kindOf(obj),
          namespace: namespaceOf(obj, options),
          name: nameOf(obj),
          message: v.message,
          ...(v.path !== undefined && { path: v.path }),
          waived: reason !== undefined,
          ...(reason !== undefined && { waiverReason: reason }),
          objectIndex,
        });
      }
    }
  }
  return findings;
}

/** True when a finding fails the check: mandatory and not waived. */
export function isFailure(f: Finding): boolean {
  return f.severity === "mandatory" && !f.waived;
}
