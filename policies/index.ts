// Public surface of policies/: the rules, the engine that runs them, and manifest loading.
export { type EvaluateOptions, evaluate, type Finding, isFailure } from "./evaluate.js";
export { type LoadedObject, loadManifests, ManifestError, parseManifests } from "./manifests.js";
export { optionsFor, stackNameOf } from "./options.js";
export { defaultRules, ruleFactories } from "./rules/index.js";
export type {
  K8sObject,
  PolicyOptions,
  Rule,
  RuleContext,
  RuleFactory,
  Severity,
  StackName,
  Violation,
} from "./types.js";
export { WAIVER_PREFIX } from "./waivers.js";
