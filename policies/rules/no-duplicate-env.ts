import { indexedRecs, str } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

export const noDuplicateEnv = defineRule({
  id: "wshub-no-duplicate-env",
  defaultSeverity: "mandatory",
  title: "No container sets the same environment variable twice",
  rationale:
    "The last entry silently wins, so the value a reviewer reads first is not the one the process gets.",
  fix: "Keep one env entry per name in each container.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      const seen = new Set<string>();
      return indexedRecs(ref.container.env).flatMap(([env, i]): Violation[] => {
        const name = str(env.name);
        if (name === undefined) return [];
        if (!seen.has(name)) {
          seen.add(name);
          return [];
        }
        return [
          {
            message: `${describeContainer(ref)} sets ${name} more than once`,
            path: `${ref.path}.env[${i}]`,
          },
        ];
      });
    }),
});
