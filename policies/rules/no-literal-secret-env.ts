import { indexedRecs, rec, str } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { isSecretName, literalSecretIn } from "../secret-text.js";
import { defineRule, type Violation } from "../types.js";

export const noLiteralSecretEnv = defineRule({
  id: "wshub-no-literal-secret-env",
  defaultSeverity: "mandatory",
  title: "Secrets never sit as literal values in env",
  rationale:
    "A literal env value is stored in plain text in Git, the API server and every `kubectl get -o yaml`.",
  fix: "Use valueFrom.secretKeyRef, or mount the secret as a file and point NAME_FILE at it.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) =>
      indexedRecs(ref.container.env).flatMap(([env, i]): Violation[] => {
        const name = str(env.name) ?? "";
        const path = `${ref.path}.env[${i}]`;
        const found = literalSecretIn(name, str(env.value) ?? "");
        if (found) {
          const what = found === "url" ? "to a URL with a password in it" : "as a literal value";
          return [{ message: `${describeContainer(ref)} sets ${name} ${what}`, path }];
        }
        if (isSecretName(name) && rec(rec(env.valueFrom)?.configMapKeyRef) !== undefined) {
          return [
            {
              message: `${describeContainer(ref)} reads ${name} from a ConfigMap, which is not secret`,
              path,
            },
          ];
        }
        return [];
      }),
    ),
});
