// RBAC facts the rules share: which roles a binding names and what a role's rules grant.
import { indexedRecs, kindOf, nameOf, namespaceOf, rec, str, strs } from "./manifest-fields.js";
import type { K8sObject, RuleContext } from "./types.js";

/** Kinds that bind a role to subjects. */
export const BINDING_KINDS: ReadonlySet<string> = new Set(["RoleBinding", "ClusterRoleBinding"]);
/** Kinds that hold RBAC rules. */
export const ROLE_KINDS: ReadonlySet<string> = new Set(["Role", "ClusterRole"]);

/** The role a binding names: kind (Role/ClusterRole) and name. */
export function roleRefOf(binding: K8sObject): { kind: string; name: string } {
  const ref = rec(binding.roleRef);
  return { kind: str(ref?.kind) ?? "", name: str(ref?.name) ?? "" };
}

/** The role object a binding names, when it is in the set. */
export function boundRole(binding: K8sObject, ctx: RuleContext): K8sObject | undefined {
  const ref = roleRefOf(binding);
  const ns = namespaceOf(binding, ctx.options);
  return ctx.objects.find(
    (o) =>
      kindOf(o) === ref.kind &&
      nameOf(o) === ref.name &&
      (ref.kind === "ClusterRole" || namespaceOf(o, ctx.options) === ns),
  );
}

/** Indexes of the role's rules that grant any of `verbs` on any of `resources` in the core group. */
export function grantingRules(
  role: K8sObject,
  resources: readonly string[],
  verbs: readonly string[],
): number[] {
  return indexedRecs(role.rules).flatMap(([rule, i]) => {
    const groups = strs(rule.apiGroups);
    const res = strs(rule.resources);
    const vs = strs(rule.verbs);
    const group = groups.includes("") || groups.includes("*");
    const resource = res.includes("*") || resources.some((r) => res.includes(r));
    const verb = vs.includes("*") || verbs.some((v) => vs.includes(v));
    return group && resource && verb ? [i] : [];
  });
}

/** Indexes of rules granting every verb on every resource of every group: cluster-admin's. */
export function adminRules(role: K8sObject): number[] {
  return indexedRecs(role.rules).flatMap(([rule, i]) =>
    strs(rule.apiGroups).includes("*") &&
    strs(rule.resources).includes("*") &&
    strs(rule.verbs).includes("*")
      ? [i]
      : [],
  );
}
