import { kindOf, namespaceOf, rec, stringMap } from "../manifest-fields.js";
import { podTemplateOf } from "../pod-template.js";
import { defineRule } from "../types.js";

export const serviceSelectsPods = defineRule({
  id: "wshub-service-selects-pods",
  defaultSeverity: "mandatory",
  title: "Every Service selector matches the pods of a workload in the set",
  rationale:
    "A selector that matches no pod (a typo, a renamed label) gives the Service no endpoints: traffic fails without an error.",
  fix: "Make spec.selector equal to labels of the workload's pod template (or remove the selector for manual Endpoints).",
  crossObject: true,
  check: (obj, ctx) => {
    if (kindOf(obj) !== "Service") return [];
    const spec = rec(obj.spec);
    const selector = stringMap(spec?.selector);
    // No selector: Endpoints are managed by hand (or ExternalName): nothing to match.
    if (Object.keys(selector).length === 0) return [];
    const ns = namespaceOf(obj, ctx.options);
    const matched = ctx.objects.some((o) => {
      if (namespaceOf(o, ctx.options) !== ns) return false;
      const labels = podTemplateOf(o)?.labels;
      return labels !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (matched) return [];
    const text = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    return [
      {
        message: `selector ${text} matches no pod template in namespace ${ns}`,
        path: "spec.selector",
      },
    ];
  },
});
