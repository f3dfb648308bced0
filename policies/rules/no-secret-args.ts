import { strs } from "../manifest-fields.js";
import { describeContainer, perContainer } from "../pod-template.js";
import { secretInCommandLine } from "../secret-text.js";
import { defineRule, type Violation } from "../types.js";

export const noSecretArgs = defineRule({
  id: "wshub-no-secret-args",
  defaultSeverity: "mandatory",
  title: "Secrets never sit in a container's command or args",
  rationale:
    "Command lines are stored in the manifest and visible to anyone on the node in `ps` and /proc/<pid>/cmdline.",
  fix: "Pass the secret as a file or a secretKeyRef env var and let the process read it (REDISCLI_AUTH, --password-file).",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      // One token list over command then args, each item split on spaces (`sh -c "..."`).
      const tokens: { text: string; path: string }[] = [];
      for (const field of ["command", "args"] as const) {
        strs(ref.container[field]).forEach((item, i) => {
          for (const text of item.split(/\s+/).filter(Boolean)) {
            tokens.push({ text, path: `${ref.path}.${field}[${i}]` });
          }
        });
      }
      const found = secretInCommandLine(tokens.map((t) => t.text));
      if (found === undefined) return [];
      const out: Violation = {
        message: `${describeContainer(ref)} passes ${found.what} on its command line`,
        path: tokens[found.token]?.path ?? ref.path,
      };
      return [out];
    }),
});
