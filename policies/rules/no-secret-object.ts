import { kindOf, rec, str } from "../manifest-fields.js";
import { defineRule, type Violation } from "../types.js";

// Filled in by the control plane, not by the author: nothing secret is written down.
const SYSTEM_FILLED = new Set(["kubernetes.io/service-account-token"]);

export const noSecretObject = defineRule({
  id: "wshub-no-secret-object",
  defaultSeverity: "mandatory",
  title: "No Secret object carries its values in the manifest",
  rationale:
    "Secret data is base64, not encryption: a committed Secret is a leaked secret for everyone with the repository or a render.",
  fix: "Keep secrets in Vault (the agent injector) or a sealed/external secret; create Secrets outside the manifests.",
  crossObject: false,
  check: (obj) => {
    if (kindOf(obj) !== "Secret" || SYSTEM_FILLED.has(str(obj.type) ?? "")) return [];
    return (["data", "stringData"] as const).flatMap((field): Violation[] => {
      const keys = Object.keys(rec(obj[field]) ?? {});
      if (keys.length === 0) return [];
      return [
        {
          message: `writes ${keys.length} secret value(s) in ${field} (${keys.join(", ")})`,
          path: field,
        },
      ];
    });
  },
});
