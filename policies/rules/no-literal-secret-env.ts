import { indexedRecs, rec, str } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { defineRule, type Violation } from "../types.js";

const SECRET_WORDS = new Set([
  "PASSWORD",
  "PASSWD",
  "PWD",
  "PASSPHRASE",
  "SECRET",
  "TOKEN",
  "KEY",
  "APIKEY",
  "CREDENTIAL",
  "CREDENTIALS",
]);
// A last word that makes the variable a pointer to, or a setting about, the secret: not the secret.
const NOT_A_VALUE = new Set(["FILE", "PATH", "DIR", "FILENAME", "ID", "TTL", "SECONDS", "NAME"]);

/** True when an environment variable name says it holds a secret value. */
export function isSecretName(name: string): boolean {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  const last = words.at(-1);
  if (last === undefined || NOT_A_VALUE.has(last)) return false;
  // A public key is meant to be shared.
  if (words.includes("PUBLIC")) return false;
  return words.some((w) => SECRET_WORDS.has(w));
}

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
        if (!isSecretName(name)) return [];
        const path = `${ref.path}.env[${i}]`;
        const value = str(env.value) ?? "";
        if (value !== "") {
          return [{ message: `${describeContainer(ref)} sets ${name} as a literal value`, path }];
        }
        if (rec(rec(env.valueFrom)?.configMapKeyRef) !== undefined) {
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
