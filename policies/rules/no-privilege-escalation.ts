import { containerSecurity, describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const noPrivilegeEscalation = defineRule({
  id: "wshub-no-privilege-escalation",
  defaultSeverity: "mandatory",
  title: "Containers cannot gain privileges (allowPrivilegeEscalation: false)",
  rationale: "Without it a setuid binary or file capability can raise a process above its user.",
  fix: "Set securityContext.allowPrivilegeEscalation: false on every container.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) =>
      containerSecurity(ref, "allowPrivilegeEscalation") === false
        ? []
        : [
            {
              message: `${describeContainer(ref)} does not set allowPrivilegeEscalation: false`,
              path: `${ref.path}.securityContext.allowPrivilegeEscalation`,
            },
          ],
    ),
});
