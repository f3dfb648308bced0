// The rule set, in the order reports list them.
import type { Rule, RuleFactory } from "../types.js";
import { defaultDenyNetworkPolicy } from "./default-deny-network-policy.js";
import { dropAllCapabilities } from "./drop-all-capabilities.js";
import { gracePeriod } from "./grace-period.js";
import { hpaV2 } from "./hpa-v2.js";
import { imageTag } from "./image-tag.js";
import { noHostNamespaces } from "./no-host-namespaces.js";
import { noHostPath } from "./no-host-path.js";
import { noLiteralSecretEnv } from "./no-literal-secret-env.js";
import { noPrivilegeEscalation } from "./no-privilege-escalation.js";
import { noPrivileged } from "./no-privileged.js";
import { nonRoot } from "./non-root.js";
import { pdb } from "./pdb.js";
import { probes } from "./probes.js";
import { prodReplicas } from "./prod-replicas.js";
import { readOnlyRootFs } from "./read-only-root-fs.js";
import { resources } from "./resources.js";
import { rollingUpdate } from "./rolling-update.js";
import { seccompRuntimeDefault } from "./seccomp-runtime-default.js";
import { waiverReason } from "./waiver-reason.js";

/** Every rule factory; call one with an enforcement level to build that rule alone. */
export const ruleFactories: readonly RuleFactory[] = Object.freeze([
  nonRoot,
  noPrivilegeEscalation,
  readOnlyRootFs,
  dropAllCapabilities,
  seccompRuntimeDefault,
  noPrivileged,
  noHostNamespaces,
  noHostPath,
  resources,
  probes,
  imageTag,
  noLiteralSecretEnv,
  prodReplicas,
  pdb,
  defaultDenyNetworkPolicy,
  gracePeriod,
  rollingUpdate,
  hpaV2,
  waiverReason,
]);

/** Every rule at its default severity. */
export function defaultRules(): Rule[] {
  return ruleFactories.map((factory) => factory());
}

export {
  defaultDenyNetworkPolicy,
  dropAllCapabilities,
  gracePeriod,
  hpaV2,
  imageTag,
  noHostNamespaces,
  noHostPath,
  noLiteralSecretEnv,
  nonRoot,
  noPrivileged,
  noPrivilegeEscalation,
  pdb,
  probes,
  prodReplicas,
  readOnlyRootFs,
  resources,
  rollingUpdate,
  seccompRuntimeDefault,
  waiverReason,
};
