import { kindOf, rec } from "../manifest-fields.js";
import { literalSecretIn } from "../secret-text.js";
import { defineRule, type Violation } from "../types.js";

/** The secret in one ConfigMap entry: the entry itself, or a KEY=value line inside it. */
function entryProblem(key: string, value: string): string | undefined {
  const direct = literalSecretIn(key, value);
  if (direct === "url") return `holds ${key}: a URL with a password in it`;
  if (direct === "literal") return `holds ${key} as a literal value`;
  // .env-style and properties files: REDIS_PASSWORD=... on a line of their own.
  for (const line of value.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    const inner = literalSecretIn(m[1], m[2].replace(/^["']|["']$/g, ""));
    if (inner) return `holds ${m[1]} as a literal value inside ${key}`;
  }
  return undefined;
}

export const noSecretInConfigMap = defineRule({
  id: "wshub-no-secret-in-configmap",
  defaultSeverity: "mandatory",
  title: "ConfigMaps hold no secret-looking keys or values",
  rationale:
    "ConfigMaps are readable by anyone who may read config, printed by tooling and never encrypted at rest.",
  fix: "Move the value to Vault or a Secret and reference it; keep only non-secret settings in the ConfigMap.",
  crossObject: false,
  check: (obj) => {
    if (kindOf(obj) !== "ConfigMap") return [];
    return Object.entries(rec(obj.data) ?? {}).flatMap(([key, value]): Violation[] => {
      const problem = typeof value === "string" ? entryProblem(key, value) : undefined;
      return problem ? [{ message: problem, path: `data.${key}` }] : [];
    });
  },
});
