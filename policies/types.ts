// The vocabulary every rule, the CLI and the Pulumi pack share.
import type { KubernetesVersion } from "./kubernetes-version.js";

/** `mandatory` fails the check (CLI exit 1, Pulumi blocks); `advisory` is reported only. */
export type Severity = "mandatory" | "advisory";

/** The stacks the rules know: `prod` turns on the availability rules. */
export type StackName = "dev" | "prod";

/** A Kubernetes object as parsed from YAML or read from Pulumi: untrusted, any shape. */
export type K8sObject = Readonly<Record<string, unknown>>;

/** Settings a rule may read; the defaults come from `contract/stack-settings.ts` (see options.ts). */
export interface PolicyOptions {
  readonly stack: StackName;
  /** The hub's DRAIN_SECONDS when its pod does not set it itself. */
  readonly drainSeconds: number;
  /** The hub's SHUTDOWN_DELAY_SECONDS when its pod does not set it itself. */
  readonly shutdownDelaySeconds: number;
  /** Seconds the grace period must leave after delay + drain for flushing and exit. */
  readonly graceMarginSeconds: number;
  /** Namespace of namespaced objects that name none (kubectl's and Pulumi's default). */
  readonly defaultNamespace: string;
  /** The Kubernetes release the objects are applied to: APIs it removed are findings. */
  readonly kubernetesVersion: KubernetesVersion;
}

/** What a rule sees besides the object: the whole set (for cross-object facts) and options. */
export interface RuleContext {
  readonly objects: readonly K8sObject[];
  readonly options: PolicyOptions;
  /** Every rule id in force, so a waiver naming an unknown rule can be reported. */
  readonly knownRuleIds: ReadonlySet<string>;
}

/** One broken expectation in one object; `path` points at the field when there is one. */
export interface Violation {
  readonly message: string;
  readonly path?: string;
}

/** A rule: a pure function over one object with the metadata both adapters publish. */
export interface Rule {
  /** Stable id, used in reports, waivers and the Pulumi pack: `wshub-<what>`. */
  readonly id: string;
  readonly severity: Severity;
  /** One line: what the rule demands. */
  readonly title: string;
  /** One line: why it matters. */
  readonly rationale: string;
  /** One line: how to fix a violation. */
  readonly fix: string;
  /** True when `check` reads other objects from the context (PDBs, HPAs, NetworkPolicies). */
  readonly crossObject: boolean;
  readonly check: (obj: K8sObject, ctx: RuleContext) => Violation[];
}

/** A rule without its severity: the severity is chosen when the rule is built. */
export type RuleSpec = Omit<Rule, "severity"> & { readonly defaultSeverity: Severity };

/** Builds a rule at an enforcement level, without any Pulumi machinery. */
export type RuleFactory = ((severity?: Severity) => Rule) & { readonly id: string };

/** Turns a spec into a factory taking the enforcement level (default: the spec's). */
export function defineRule(spec: RuleSpec): RuleFactory {
  const { defaultSeverity, ...rest } = spec;
  const factory = (severity: Severity = defaultSeverity): Rule =>
    Object.freeze({ ...rest, severity });
  return Object.assign(factory, { id: spec.id });
}
