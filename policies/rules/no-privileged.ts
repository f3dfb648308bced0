import { containerSecurity, describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const noPrivileged = defineRule({
  id: "wshub-no-privileged",
  defaultSeverity: "mandatory",
  title: "No privileged containers",
  rationale: "A privileged container has every device and capability of the node: it is the node.",
  fix: "Remove securityContext.privileged (or set it to false).",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) =>
      containerSecurity(ref, "privileged") === true
        ? [
            {
              message: `${describeContainer(ref)} is privileged`,
              path: `${ref.path}.securityContext.privileged`,
            },
          ]
        : [],
    ),
});
