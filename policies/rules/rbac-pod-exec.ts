import { kindOf } from "../manifest-fields.js";
import { BINDING_KINDS, boundRole, grantingRules, ROLE_KINDS, roleRefOf } from "../rbac.js";
import { defineRule, type Violation } from "../types.js";

const EXEC = ["pods/exec", "pods/attach"];
// exec and attach are opened with create (POST) or get (the WebSocket upgrade).
const VERBS = ["create", "get"];

export const rbacPodExec = defineRule({
  id: "wshub-rbac-pod-exec",
  defaultSeverity: "mandatory",
  title: "No role grants pods/exec or pods/attach, and no binding hands one out",
  rationale:
    "exec and attach run commands inside any pod the role reaches, with that pod's secrets and service account.",
  fix: "Remove pods/exec and pods/attach from the role; debug through a break-glass role bound on demand.",
  crossObject: true,
  check: (obj, ctx) => {
    const kind = kindOf(obj);
    if (ROLE_KINDS.has(kind)) {
      return grantingRules(obj, EXEC, VERBS).map(
        (i): Violation => ({
          message: "grants exec/attach into pods",
          path: `rules[${i}]`,
        }),
      );
    }
    if (!BINDING_KINDS.has(kind)) return [];
    const role = boundRole(obj, ctx);
    if (!role || grantingRules(role, EXEC, VERBS).length === 0) return [];
    const ref = roleRefOf(obj);
    return [
      {
        message: `binds ${ref.kind} ${ref.name}, which grants exec/attach into pods`,
        path: "roleRef.name",
      },
    ];
  },
});
