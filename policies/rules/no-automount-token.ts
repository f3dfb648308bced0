import { kindOf, nameOf, namespaceOf, str } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";

export const noAutomountToken = defineRule({
  id: "wshub-no-automount-token",
  defaultSeverity: "advisory",
  title: "Pods do not mount an API token they do not use",
  rationale:
    "An auto-mounted service account token lets anyone who gets into the pod call the API server as it.",
  fix: "Set automountServiceAccountToken: false on the pod (or its ServiceAccount); mount a projected token with an audience where one is needed.",
  crossObject: true,
  check: (obj, ctx) => {
    const pod = podTemplateOf(obj);
    if (!pod) return [];
    const own = pod.spec.automountServiceAccountToken;
    if (own === false) return [];
    if (own === true) {
      return [
        {
          message: "mounts its service account token (automountServiceAccountToken: true)",
          path: `${pod.path}.automountServiceAccountToken`,
        },
      ];
    }
    // Unset on the pod: the ServiceAccount decides, and it mounts unless it says false.
    const account = str(pod.spec.serviceAccountName) || str(pod.spec.serviceAccount) || "default";
    const ns = namespaceOf(obj, ctx.options);
    const sa = ctx.objects.find(
      (o) =>
        kindOf(o) === "ServiceAccount" &&
        nameOf(o) === account &&
        namespaceOf(o, ctx.options) === ns,
    );
    if (sa?.automountServiceAccountToken === false) return [];
    return [
      {
        message: `mounts the token of ServiceAccount ${account}: neither the pod nor the account sets automountServiceAccountToken: false`,
        path: pod.path,
      },
    ];
  },
});
