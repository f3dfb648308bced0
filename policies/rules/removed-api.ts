import { atLeast, formatKubernetesVersion } from "../kubernetes-version.js";
import { apiVersionOf, kindOf } from "../manifest-fields.js";
import { removalOf } from "../removed-apis.js";
import { defineRule } from "../types.js";

export const removedApi = defineRule({
  id: "wshub-removed-api",
  defaultSeverity: "mandatory",
  title: "No object uses an API version the target Kubernetes release removed",
  rationale:
    "The API server of that release rejects the object: the deploy fails (or, with --validate=false, the object is lost).",
  fix: "Rewrite the object for the replacement apiVersion named in the finding (fields may differ).",
  crossObject: false,
  check: (obj, ctx) => {
    const removal = removalOf(apiVersionOf(obj), kindOf(obj));
    const target = ctx.options.kubernetesVersion;
    if (removal === undefined || !atLeast(target, removal.removedIn)) return [];
    return [
      {
        message: `uses ${removal.apiVersion}, removed in Kubernetes ${formatKubernetesVersion(removal.removedIn)} (target ${formatKubernetesVersion(target)}): use ${removal.replacement}`,
        path: "apiVersion",
      },
    ];
  },
});
