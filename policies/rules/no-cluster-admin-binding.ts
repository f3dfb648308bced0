import { kindOf } from "../manifest-fields.js";
import { adminRules, BINDING_KINDS, boundRole, roleRefOf } from "../rbac.js";
import { defineRule } from "../types.js";

export const noClusterAdminBinding = defineRule({
  id: "wshub-no-cluster-admin-binding",
  defaultSeverity: "mandatory",
  title: "No binding grants cluster-admin or a role with its wildcard powers",
  rationale:
    "cluster-admin (or any role granting * on * in *) lets one stolen token read every Secret and run anything anywhere.",
  fix: "Bind a Role listing only the resources and verbs the subject needs.",
  crossObject: true,
  check: (obj, ctx) => {
    if (!BINDING_KINDS.has(kindOf(obj))) return [];
    const ref = roleRefOf(obj);
    if (ref.kind === "ClusterRole" && ref.name === "cluster-admin") {
      return [{ message: "binds the cluster-admin ClusterRole", path: "roleRef.name" }];
    }
    const role = boundRole(obj, ctx);
    if (role && adminRules(role).length > 0) {
      return [
        {
          message: `binds ${ref.kind} ${ref.name}, which grants every verb on every resource`,
          path: "roleRef.name",
        },
      ];
    }
    return [];
  },
});
