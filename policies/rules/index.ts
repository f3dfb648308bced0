// The rule set, in the order reports list them.
import type { Rule, RuleFactory } from "../types.js";
import { defaultDenyNetworkPolicy } from "./default-deny-network-policy.js";
import { defaultProcMount } from "./default-proc-mount.js";
import { dropAllCapabilities } from "./drop-all-capabilities.js";
import { gracePeriod } from "./grace-period.js";
import { hpaV2 } from "./hpa-v2.js";
import { imageTag } from "./image-tag.js";
import { ingressBackend } from "./ingress-backend.js";
import { ingressTls } from "./ingress-tls.js";
import { lsmProfiles } from "./lsm-profiles.js";
import { noAutomountToken } from "./no-automount-token.js";
import { noClusterAdminBinding } from "./no-cluster-admin-binding.js";
import { noDuplicateEnv } from "./no-duplicate-env.js";
import { noHostNamespaces } from "./no-host-namespaces.js";
import { noHostPath } from "./no-host-path.js";
import { noHostPort } from "./no-host-port.js";
import { noHostProcess } from "./no-host-process.js";
import { noLiteralSecretEnv } from "./no-literal-secret-env.js";
import { noPrivilegeEscalation } from "./no-privilege-escalation.js";
import { noPrivileged } from "./no-privileged.js";
import { noSecretArgs } from "./no-secret-args.js";
import { noSecretInConfigMap } from "./no-secret-in-configmap.js";
import { noSecretObject } from "./no-secret-object.js";
import { nonRoot } from "./non-root.js";
import { pdb } from "./pdb.js";
import { priorityClass } from "./priority-class.js";
import { probePorts } from "./probe-ports.js";
import { probes } from "./probes.js";
import { prodReplicas } from "./prod-replicas.js";
import { rbacPodExec } from "./rbac-pod-exec.js";
import { readOnlyRootFs } from "./read-only-root-fs.js";
import { removedApi } from "./removed-api.js";
import { resources } from "./resources.js";
import { rollingUpdate } from "./rolling-update.js";
import { safeSysctls } from "./safe-sysctls.js";
import { seccompRuntimeDefault } from "./seccomp-runtime-default.js";
import { serviceSelectsPods } from "./service-selects-pods.js";
import { serviceType } from "./service-type.js";
import { topologySpread } from "./topology-spread.js";
import { volumeTypes } from "./volume-types.js";
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
  noHostPort,
  noHostProcess,
  safeSysctls,
  defaultProcMount,
  lsmProfiles,
  volumeTypes,
  resources,
  probes,
  probePorts,
  imageTag,
  noLiteralSecretEnv,
  noSecretArgs,
  noSecretInConfigMap,
  noSecretObject,
  noDuplicateEnv,
  noAutomountToken,
  noClusterAdminBinding,
  rbacPodExec,
  serviceType,
  serviceSelectsPods,
  ingressBackend,
  ingressTls,
  prodReplicas,
  pdb,
  topologySpread,
  priorityClass,
  defaultDenyNetworkPolicy,
  gracePeriod,
  rollingUpdate,
  hpaV2,
  removedApi,
  waiverReason,
]);

/** Every rule at its default severity. */
export function defaultRules(): Rule[] {
  return ruleFactories.map((factory) => factory());
}

export {
  defaultDenyNetworkPolicy,
  defaultProcMount,
  dropAllCapabilities,
  gracePeriod,
  hpaV2,
  imageTag,
  ingressBackend,
  ingressTls,
  lsmProfiles,
  noAutomountToken,
  noClusterAdminBinding,
  noDuplicateEnv,
  noHostNamespaces,
  noHostPath,
  noHostPort,
  noHostProcess,
  noLiteralSecretEnv,
  nonRoot,
  noPrivileged,
  noPrivilegeEscalation,
  noSecretArgs,
  noSecretInConfigMap,
  noSecretObject,
  pdb,
  priorityClass,
  probePorts,
  probes,
  prodReplicas,
  rbacPodExec,
  readOnlyRootFs,
  removedApi,
  resources,
  rollingUpdate,
  safeSysctls,
  seccompRuntimeDefault,
  serviceSelectsPods,
  serviceType,
  topologySpread,
  volumeTypes,
  waiverReason,
};
