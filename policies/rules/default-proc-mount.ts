import { str } from "../manifest-fields.js";
import { containerSecurity, describeContainer, perContainer } from "../pod-template.js";
import { defineRule } from "../types.js";

export const defaultProcMount = defineRule({
  id: "wshub-default-proc-mount",
  defaultSeverity: "mandatory",
  title: "Containers keep the default masked /proc",
  rationale:
    "procMount: Unmasked exposes kernel interfaces under /proc that the runtime hides to keep containers from the host.",
  fix: "Remove securityContext.procMount or set it to Default.",
  crossObject: false,
  check: (obj) =>
    perContainer(obj, (_pod, ref) => {
      const procMount = str(containerSecurity(ref, "procMount"));
      if (procMount === undefined || procMount === "Default") return [];
      return [
        {
          message: `${describeContainer(ref)} sets procMount ${procMount}`,
          path: `${ref.path}.securityContext.procMount`,
        },
      ];
    }),
});
